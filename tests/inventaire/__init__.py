"""Inventaire des pages du portail (côté parent) pour les contrôles de qualité.

Chaque application déclare ses pages dans `tests/inventaire/<app>.py` : une liste `PAGES` de
`PagePortail`. Toute URL nommée des espaces du portail (voir `tests/urls_portail.py`) doit y
figurer, sinon les contrôles échouent (« page X is not covered by the quality gates »).

- `preparer(parent)` crée ce dont la page a besoin pour la famille du parent (données de démo
  réalistes) et renvoie les paramètres de l'URL (`{"pk": facture.pk}`) ; pour une URL à
  identifiant d'objet, ces objets appartiennent à la famille du parent : connecté comme une
  autre famille, la même URL doit répondre 404 (contrôle d'isolement).
- `volume(parent, n)` crée n lignes de chaque sorte que la page liste (budget de requêtes :
  même nombre de requêtes avec 1 et avec 50).
- `html` : False pour une réponse qui n'est pas une page HTML (PDF, iCal, redirection…) ; les
  contrôles d'accessibilité et de HTML valide ne s'y appliquent pas.
- `methode` : les pages en POST seul (actions) sont contrôlées pour l'accès et l'isolement.
- `requetes` : le nombre exact de requêtes SQL de la page (ou de l'action) ; `formulaires` : le
  nombre de formulaires POST qu'elle présente.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field


def _rien(parent) -> dict:
    return {}


@dataclass(frozen=True)
class PagePortail:
    nom: str  # « espace:nom » de l'URL
    preparer: Callable = field(default=_rien)
    volume: Callable | None = None
    html: bool = True
    methode: str = "GET"
    # Paramètres de requête (« ?annee=2014 »)
    query: dict = field(default_factory=dict)
    # L'objet est commun à toutes les familles (formulaire publié par le CCAS) : toute famille
    # connectée y accède ; le contrôle d'isolement vérifie alors qu'il n'est PAS propre à une
    # famille (même réponse pour l'intrus que pour le propriétaire).
    commune: bool = False
    # Budget de requêtes propre à la page (sinon le budget commun des contrôles) : l'export RGPD
    # fait une requête par modèle relié à la famille, nombre fixe mais supérieur au budget commun.
    budget: int | None = None
    # Nombre exact de requêtes SQL de la page (tests/test_qualite_requetes.py), à déclarer pour
    # chaque page : une requête de plus ou de moins fait échouer les contrôles.
    requetes: int | None = None
    # Nombre de formulaires POST que la page présente (hors déconnexion de l'en-tête), tous
    # remplis au hasard par tests/test_securite_fuzz.py : un formulaire disparu fait échouer.
    formulaires: int = 0


def pages() -> dict[str, PagePortail]:
    """Toutes les pages déclarées, par nom d'URL."""
    resultat: dict[str, PagePortail] = {}
    for module in pkgutil.iter_modules(__path__):
        for page in importlib.import_module(f"{__name__}.{module.name}").PAGES:
            if page.nom in resultat:
                raise ValueError(f"page déclarée deux fois dans l'inventaire : {page.nom}")
            resultat[page.nom] = page
    return resultat
