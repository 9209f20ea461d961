"""Formats de la facturation : quantités et prix unitaires à la française."""

from decimal import Decimal

from django import template

from commun.formats import euros

register = template.Library()


@register.filter
def montant_court(valeur) -> str:
    """2.00 → « 2 » ; 1.50 → « 1,5 »."""
    if valeur is None:
        return ""
    texte = format(Decimal(valeur).normalize(), "f")
    return texte.replace(".", ",")


@register.filter
def prix_unitaire(valeur) -> str:
    """3.2000 → « 3,20 € » ; 1.1250 → « 1,125 € » (deux décimales au moins)."""
    if valeur is None:
        return ""
    valeur = Decimal(valeur)
    if valeur == valeur.quantize(Decimal("0.01")):
        return euros(valeur)
    texte = format(valeur.normalize(), "f").replace(".", ",")
    return f"{texte}\u00a0€"
