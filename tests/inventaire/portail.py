from tests.inventaire import PagePortail

PAGES = [
    PagePortail("portail:accueil"),
]


def _volume_donnees(parent, n):
    from tests.factories import EnfantFactory

    EnfantFactory.create_batch(n, famille=parent.famille)


PAGES += [
    PagePortail("portail:mes_donnees", volume=_volume_donnees),
    PagePortail("portail:mes_donnees_json", volume=_volume_donnees, html=False),
]
