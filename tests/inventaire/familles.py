from tests.inventaire import PagePortail


def _compte(parent) -> dict:
    from tests.factories import ResponsableFactory

    # La famille de démonstration a déjà son conjoint.
    if not parent.famille.responsables.filter(role="conjoint").exists():
        ResponsableFactory(famille=parent.famille, role="conjoint")
    return {}


PAGES = [
    PagePortail("familles:compte", requetes=4, preparer=_compte),
]
