"""La barre d'onglets du portail : un onglet n'apparaît que si sa page existe."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


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


def onglets_visibles(chemin: str) -> list[dict]:
    """Les onglets dont l'URL existe, avec celui de la page courante marqué actif."""
    resultat = []
    for onglet in ONGLETS:
        try:
            url = reverse(onglet.url_name)
        except NoReverseMatch:
            continue
        if onglet.prefixe == "/":
            actif = chemin == "/"
        else:
            actif = chemin.startswith(onglet.prefixe)
        resultat.append({"libelle": onglet.libelle, "url": url, "actif": actif})
    return resultat
