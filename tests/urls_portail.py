"""Les URL du portail (côté parent), lues dans la configuration d'URL."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

ESPACES_PORTAIL = ("portail", "familles", "enfants", "facturation", "messagerie", "demandes")


@dataclass(frozen=True)
class UrlPortail:
    nom: str  # « espace:nom »
    motif: str  # le motif complet, ex. « releve/factures/<int:pk>/pdf/ »
    # nom du paramètre → type du convertisseur (« int », « str », « slug », « uuid », « path »)
    parametres: dict[str, str]

    def kwargs(self, **valeurs) -> dict:
        """Des valeurs pour chaque paramètre : celles données, sinon des valeurs factices."""
        factices = {
            "int": 1,
            "str": "x",
            "slug": "x",
            "path": "x",
            "uuid": "00000000-0000-0000-0000-000000000000",
        }
        return {nom: valeurs.get(nom, factices.get(type_, "1")) for nom, type_ in self.parametres.items()}


def urls_portail() -> list[UrlPortail]:
    """Toutes les URL nommées des espaces de noms du portail, avec leurs paramètres."""
    resultat = []

    def parcourir(motifs, prefixe, espace):
        for motif in motifs:
            if isinstance(motif, URLResolver):
                parcourir(motif.url_patterns, prefixe + str(motif.pattern), motif.namespace or espace)
            elif isinstance(motif, URLPattern) and espace in ESPACES_PORTAIL and motif.name:
                chemin = prefixe + str(motif.pattern)
                convertisseurs = getattr(motif.pattern, "converters", {})
                parametres = {
                    nom: type(conv).__name__.removesuffix("Converter").lower()
                    for nom, conv in convertisseurs.items()
                }
                resultat.append(UrlPortail(f"{espace}:{motif.name}", chemin, parametres))

    parcourir(get_resolver().url_patterns, "", None)
    return resultat
