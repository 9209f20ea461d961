"""La barre d'onglets du portail : un onglet n'apparaît que si sa page existe."""

import functools
from dataclasses import dataclass

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class Onglet:
    libelle: str
    url_name: str
    # Préfixe d'URL qui rend l'onglet actif (les sous-pages d'un onglet l'activent aussi).
    prefixe: str


ONGLETS = (
    Onglet("Accueil", "portail:accueil", "/"),
    Onglet("Mon compte", "familles:compte", "/compte/"),
    Onglet("Mes enfants", "enfants:liste", "/enfants/"),
    Onglet("Relevé de compte", "facturation:releve", "/releve/"),
    Onglet("Boîte de réception", "messagerie:boite", "/messagerie/"),
    Onglet("Liste des demandes", "demandes:liste", "/demandes/"),
)


@functools.lru_cache(maxsize=8)
def _onglets_existants(prefixe_script: str, urlconf) -> tuple[tuple[Onglet, str], ...]:
    """Les onglets dont la page existe, avec leur adresse : les routes ne changent pas pendant
    la vie du processus, on ne les recalcule pas à chaque page (clé : préfixe de script et
    configuration d'URL)."""
    resultat = []
    for onglet in ONGLETS:
        try:
            resultat.append((onglet, reverse(onglet.url_name)))
        except NoReverseMatch:
            continue
    return tuple(resultat)


def onglets_visibles(chemin: str) -> list[dict]:
    """Les onglets dont l'URL existe, avec celui de la page courante marqué actif."""
    resultat = []
    for onglet, url in _onglets_existants(get_script_prefix(), get_urlconf()):
        if onglet.prefixe == "/":
            actif = chemin == "/"
        else:
            actif = chemin.startswith(onglet.prefixe)
        resultat.append({"libelle": onglet.libelle, "url": url, "actif": actif})
    return resultat
