"""Isolement des familles : une URL à identifiant d'objet répond 404 à une autre famille."""

from tests.inventaire import PagePortail
from tests.qualite.visites import url_de_page


def defaut_isolement(page: PagePortail, *, proprietaire, intrus, client) -> str | None:
    """Prépare les objets de la famille `proprietaire`, les demande connecté comme `intrus`.

    Renvoie None si l'intrus reçoit 404 (et, pour une page GET, si le propriétaire, lui, y
    accède), sinon la description du défaut.
    """
    url = url_de_page(page, proprietaire)
    if page.methode == "GET":
        client.force_login(proprietaire)
        reponse = client.get(url)
        if reponse.status_code >= 400:
            return (
                f"{page.nom} : la famille propriétaire reçoit {reponse.status_code} sur {url} ; "
                "le contrôle d'isolement ne prouverait rien (preparer() est-il correct ?)"
            )
        client.logout()
    client.force_login(intrus)
    reponse = client.post(url) if page.methode == "POST" else client.get(url)
    client.logout()
    if reponse.status_code != 404:
        return (
            f"{page.nom} : {page.methode} {url} répond {reponse.status_code} à une autre famille "
            "(attendu : 404) — l'objet n'est pas cherché dans les selectors de la famille"
        )
    return None
