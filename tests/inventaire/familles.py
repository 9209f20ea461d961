from tests.inventaire import PagePortail


def _compte(parent) -> dict:
    from tests.factories import ResponsableFactory

    # La famille de démonstration a déjà son conjoint.
    if not parent.famille.responsables.filter(role="conjoint").exists():
        ResponsableFactory(famille=parent.famille, role="conjoint")
    return {}


PAGES = [
    # Le menu de Mon compte lit les campagnes ouvertes (lien « Dossier 2027-2028 ») : une requête.
    PagePortail("familles:compte", requetes=6, preparer=_compte),
]
