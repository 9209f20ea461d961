from tests.inventaire import PagePortail

PAGES = [
    PagePortail("portail:accueil", requetes=3),
]


# Une requête par modèle relié à une famille (portail.export) plus l'en-tête : constant.
BUDGET_EXPORT = 40


def _volume_donnees(parent, n):
    from tests.factories import EnfantFactory

    EnfantFactory.create_batch(n, famille=parent.famille)


PAGES += [
    PagePortail("portail:mes_donnees", requetes=26, volume=_volume_donnees, budget=BUDGET_EXPORT),
    PagePortail(
        "portail:mes_donnees_json", requetes=25, volume=_volume_donnees, html=False, budget=BUDGET_EXPORT
    ),
]
