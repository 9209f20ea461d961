from tests.inventaire import PagePortail


def _compte(parent) -> dict:
    from tests.factories import ResponsableFactory

    # La famille de démonstration a déjà son conjoint.
    if not parent.famille.responsables.filter(role="conjoint").exists():
        ResponsableFactory(famille=parent.famille, role="conjoint")
    return {}


def _preferences_volume(parent, n) -> None:
    """Les choix du compte : au plus un par sorte et par canal (n en limite le nombre)."""
    from familles.models import PreferenceNotification

    couples = [
        (t, c) for t in PreferenceNotification.Type.values for c in PreferenceNotification.Canal.values
    ]
    PreferenceNotification.objects.bulk_create(
        PreferenceNotification(utilisateur=parent, type=t, canal=c, active=False) for t, c in couples[:n]
    )


PAGES = [
    # Le menu de Mon compte lit les campagnes ouvertes (lien « Dossier 2027-2028 ») : une requête.
    PagePortail("familles:compte", requetes=6, preparer=_compte),
    # Mes notifications : les choix du compte (une requête) et le titulaire (autorisations).
    PagePortail("familles:notifications", requetes=5, formulaires=1, volume=_preferences_volume),
]
