from tests.inventaire import PagePortail

PAGES = [
    PagePortail("portail:accueil"),
]
