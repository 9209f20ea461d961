"""L'habillage commun des pages (pied de page, onglets) et le résumé des erreurs des formulaires.

Les formats français (montants, tailles de fichier, pluriels) sont dans `commun` :
`{% load formats %}`.
"""

import functools

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf

register = template.Library()

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
    return render_to_string(
        "partials/_onglets_liens.html",
        {"onglets": [{"libelle": libelle, "url": url, "actif": actif} for libelle, url, actif in onglets]},
    )


@register.simple_tag
def onglets_liens(onglets):
    """Les liens des onglets (l'actif marqué) et du cadenas : au plus un rendu par onglet actif."""
    cle = tuple((o["libelle"], o["url"], o["actif"]) for o in onglets)
    return _onglets(cle, get_script_prefix(), get_urlconf())


# --- Formulaires : le résumé des erreurs en tête de page (RGAA 11.10, 11.11) -----------------


def _ancre(champ_lie) -> str:
    """L'identifiant de l'élément à atteindre : le champ, ou la première case d'une liste de
    cases ou de boutons radio (leur libellé de groupe ne désigne aucun élément)."""
    if champ_lie.field.widget.is_hidden or not champ_lie.auto_id:
        return ""
    return champ_lie.id_for_label or f"{champ_lie.auto_id}_0"


@register.simple_tag
def erreurs_formulaire(formulaire) -> list[dict]:
    """Les erreurs d'un formulaire lié, dans l'ordre des champs : libellé, message et ancre du
    champ ; les erreurs générales (sans champ) d'abord, sans lien."""
    if not getattr(formulaire, "is_bound", False) or not formulaire.errors:
        return []
    erreurs = [{"libelle": "", "message": message, "ancre": ""} for message in formulaire.non_field_errors()]
    for champ_lie in formulaire:
        for message in champ_lie.errors:
            erreurs.append({"libelle": champ_lie.label, "message": message, "ancre": _ancre(champ_lie)})
    return erreurs


@register.simple_tag
def erreurs_avec_champ(erreurs: list[dict]) -> int:
    """Le nombre d'erreurs qui désignent un champ (les autres concernent tout le formulaire)."""
    return sum(1 for erreur in erreurs if erreur["libelle"])
