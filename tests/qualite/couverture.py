"""Couverture de l'inventaire : chaque URL du portail doit y être déclarée."""

from tests.inventaire import PagePortail, _rien
from tests.urls_portail import UrlPortail


def defauts_couverture(urls: list[UrlPortail], inventaire: dict[str, PagePortail]) -> list[str]:
    """Les URL non couvertes par l'inventaire, et les entrées qui ne correspondent à rien."""
    defauts = []
    noms = {u.nom for u in urls}
    for url in urls:
        page = inventaire.get(url.nom)
        if page is None:
            defauts.append(
                f"page {url.nom} ({url.motif}) is not covered by the quality gates : "
                "déclarez-la dans tests/inventaire/<app>.py"
            )
        elif url.parametres and page.preparer is _rien:
            defauts.append(
                f"page {url.nom} ({url.motif}) is not covered by the quality gates : son URL prend "
                f"les paramètres {sorted(url.parametres)} mais son entrée n'a pas de preparer()"
            )
        elif page.methode not in {"GET", "POST"}:
            defauts.append(f"page {url.nom} : méthode {page.methode!r} inconnue (GET ou POST)")
    for nom in sorted(set(inventaire) - noms):
        defauts.append(f"l'inventaire déclare {nom}, qui n'est pas une URL du portail")
    return defauts
