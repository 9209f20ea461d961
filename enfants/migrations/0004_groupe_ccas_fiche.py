from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder

NOM_GROUPE_SANTE = "CCAS — données sanitaires"


@donnees_de_reference
def accorder(apps, schema_editor):
    groupe_ccas_accorder(
        apps,
        app_label="enfants",
        codenames=[
            "change_enfant", "view_personneautorisee", "add_personneautorisee",
            "change_personneautorisee", "delete_personneautorisee", "view_autorisations",
            "add_autorisations", "change_autorisations",
        ],
    )
    # Les données sanitaires : un groupe à part, donné nominativement aux agents habilités.
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_config = apps.get_app_config("enfants")
    module_origine = getattr(app_config, "models_module", None)
    app_config.models_module = module_origine or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = module_origine
    groupe, _ = Group.objects.get_or_create(name=NOM_GROUPE_SANTE)
    groupe.permissions.add(*Permission.objects.filter(
        content_type__app_label="enfants",
        codename__in=["voir_donnees_sanitaires", "view_donneessanitaires", "add_donneessanitaires",
                      "change_donneessanitaires", "view_vaccination", "add_vaccination",
                      "change_vaccination", "delete_vaccination"],
    ))


class Migration(migrations.Migration):
    dependencies = [
        ("enfants", "0003_fiche_enfant"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
