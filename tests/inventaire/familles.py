from tests.inventaire import PagePortail


def _compte(parent) -> dict:
    from tests.factories import ResponsableFactory

    ResponsableFactory(famille=parent.famille, role="conjoint")
    return {}


PAGES = [
    PagePortail("familles:compte", preparer=_compte),
]
