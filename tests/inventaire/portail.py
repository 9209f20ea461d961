from tests.inventaire import PagePortail

PAGES = [
    PagePortail("portail:accueil"),
]


def _volume_donnees(parent, n):
    from tests.factories import EnfantFactory

    EnfantFactory.create_batch(n, famille=parent.famille)


PAGES += [
    # Une requête par modèle exporté (constante quel que soit le volume) : budget propre.
    PagePortail("portail:mes_donnees", volume=_volume_donnees, budget_requetes=30),
    PagePortail("portail:mes_donnees_json", volume=_volume_donnees, html=False,
                budget_requetes=30),
]
