"""Formats français du portail : montants et dates ; l'habillage commun des pages."""

import functools
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf

register = template.Library()

ESPACE_FINE = "\u202f"


def montant_fr(valeur) -> str:
    """1234.5 → « 1 234,50 » (espace fine insécable pour les milliers, virgule décimale)."""
    if valeur is None or valeur == "":
        return ""
    montant = Decimal(valeur).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    signe = "-" if montant < 0 else ""
    entier, decimales = f"{abs(montant):.2f}".split(".")
    groupes = []
    while len(entier) > 3:
        groupes.insert(0, entier[-3:])
        entier = entier[:-3]
    groupes.insert(0, entier)
    return f"{signe}{ESPACE_FINE.join(groupes)},{decimales}"


@register.filter
def montant(valeur) -> str:
    return montant_fr(valeur)


@register.filter
def euros(valeur) -> str:
    """1234.5 → « 1 234,50 € »."""
    texte = montant_fr(valeur)
    return f"{texte}\u00a0€" if texte else ""


# --- Habillage commun : les parties qui ne dépendent que de leurs entrées sont rendues une fois
# par processus et par jeu d'entrées (la clé contient tout ce que le gabarit lit : jamais
# périmé). Elles coûtaient autant que le contenu des pages les plus fréquentées.

_PIED = ("NOM_CCAS", "CCAS_TELEPHONE", "CCAS_EMAIL", "SITE_VILLE_URL", "NOM_VILLE")


@functools.lru_cache(maxsize=32)
def _pied(valeurs: tuple, avec_famille: bool, prefixe: str, urlconf) -> str:
    contexte = dict(zip(_PIED, valeurs, strict=True))
    contexte["famille"] = avec_famille
    return render_to_string("partials/_pied.html", contexte)


@register.simple_tag(takes_context=True)
def pied_de_page(context):
    """Le pied de page : coordonnées du CCAS, pages légales, « Mes données » pour une famille."""
    valeurs = tuple(context.get(nom, "") for nom in _PIED)
    return _pied(valeurs, context.get("famille") is not None, get_script_prefix(), get_urlconf())


@functools.lru_cache(maxsize=64)
def _onglets(onglets: tuple, prefixe: str, urlconf) -> str:
    return render_to_string("partials/_onglets_liens.html", {
        "onglets": [{"libelle": libelle, "url": url, "actif": actif}
                    for libelle, url, actif in onglets]})


@register.simple_tag
def onglets_liens(onglets):
    """Les liens des onglets (l'actif marqué) et du cadenas : au plus un rendu par onglet actif."""
    cle = tuple((o["libelle"], o["url"], o["actif"]) for o in onglets)
    return _onglets(cle, get_script_prefix(), get_urlconf())


def nombre_fr(n: int, singulier: str, pluriel: str) -> str:
    """« 0 ligne », « 1 famille », « 2 familles » : en français, 0 et 1 sont au singulier."""
    return f"{n} {singulier if abs(n) < 2 else pluriel}"
