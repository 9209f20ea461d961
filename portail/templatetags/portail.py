"""Formats français du portail : montants et dates."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

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
