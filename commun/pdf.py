"""Le rendu PDF commun (WeasyPrint) : A4, texte extractible, aucune ressource externe chargée.

Les factures et reçus (facturation.pdf) comme les listes du jour des animateurs
(enfants.listes_terrain) passent par ici : une seule règle pour ce que le rendu peut lire.
"""

import gc
import ssl
from functools import cache
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

_CONTEXTE_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class RefusURLFetcher(URLFetcher):
    """Refuse toute URL (file://, http(s)://, data:…) : le rendu n'utilise que le HTML et le CSS
    fournis en chaînes ; un document ne peut pas faire lire un fichier du serveur ni appeler le
    réseau. Les URL refusées sont notées (pour les tests)."""

    def __init__(self):
        # Un contexte TLS nu : aucune URL n'est suivie, inutile de charger les certificats du
        # système à chaque document (≈ 70 ms par PDF sur la machine chargée).
        super().__init__(ssl_context=_CONTEXTE_TLS)
        self.refusees: list[str] = []

    def fetch(self, url, headers=None):
        self.refusees.append(url)
        raise ValueError(f"Ressource externe refusée : {url}")


@cache
def feuille(chemin: Path) -> tuple[CSS, FontConfiguration]:
    """La feuille de style d'un document, lue et préparée une fois par processus."""
    polices = FontConfiguration()
    css = CSS(
        string=chemin.read_text(encoding="utf-8"),
        font_config=polices,
        url_fetcher=RefusURLFetcher(),
    )
    return css, polices


def html_en_pdf(html: str, *, feuille_de_style: Path, fetcher: URLFetcher | None = None) -> bytes:
    css, polices = feuille(feuille_de_style)
    # WeasyPrint crée des centaines de milliers de petits objets (boîtes, styles) qui vivent tous
    # jusqu'à la fin du rendu : le ramasse-miettes les parcourait plusieurs fois pour rien
    # (≈ 15 % du temps CPU des listes du jour, docs/performance.md, issue 22). Suspendu le temps
    # du rendu, puis rétabli quoi qu'il arrive (sauf s'il était déjà suspendu par l'appelant).
    actif = gc.isenabled()
    gc.disable()
    try:
        document = HTML(string=html, base_url=None, url_fetcher=fetcher or RefusURLFetcher())
        return document.write_pdf(stylesheets=[css], font_config=polices)
    finally:
        if actif:
            gc.enable()
