"""Le groupe « CCAS » : les droits des agents viennent de lui, pas du statut superutilisateur."""

NOM_GROUPE_CCAS = "CCAS"


def groupe_ccas_accorder(apps, *, app_label: str, codenames: list[str]) -> None:
    """Ajoute des permissions au groupe CCAS depuis une migration de données.

    Les permissions sont créées d'abord : elles n'existent normalement qu'après `migrate`.
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    # Dans une migration, l'application est un « stub » sans module de modèles : on le signale
    # présent le temps de créer les permissions (recette documentée de Django).
    module_origine = getattr(app_config, "models_module", None)
    app_config.models_module = module_origine or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = module_origine
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groupe, _ = Group.objects.get_or_create(name=NOM_GROUPE_CCAS)
    permissions = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    manquantes = set(codenames) - set(permissions.values_list("codename", flat=True))
    if manquantes:
        raise RuntimeError(f"Permissions inconnues pour {app_label} : {sorted(manquantes)}")
    groupe.permissions.add(*permissions)


def donnees_de_reference(fonction):
    """Marque une fonction RunPython qui crée des données de référence (groupe CCAS…).

    Les tests qui vident la base (tests navigateur, transactionnels) les rejouent ensuite.
    """
    fonction.donnees_de_reference = True
    return fonction


def donnees_de_reference_rejouer() -> None:
    """Rejoue, dans l'ordre des migrations, les fonctions marquées `donnees_de_reference`."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection)
    plan = []
    for feuille in loader.graph.leaf_nodes():
        for cle in loader.graph.forwards_plan(feuille):
            if cle not in plan:
                plan.append(cle)
    for cle in plan:
        for operation in loader.graph.nodes[cle].operations:
            if isinstance(operation, RunPython) and getattr(operation.code, "donnees_de_reference", False):
                # Ces fonctions n'appellent que `apps.get_model()`, commun au registre global et
                # au registre historique (StateApps) qu'attend la signature de RunPython, et
                # n'utilisent pas l'éditeur de schéma : le registre global suffit ici.
                operation.code(apps, None)  # type: ignore[arg-type]
