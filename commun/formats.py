"""Formats français : montants, tailles de fichier, nombres accordés.

Fonctions pures, utilisées par le code (PDF, messages, commandes) et par les filtres de gabarit
`{% load formats %}` (`commun/templatetags/formats.py`).
"""

from decimal import ROUND_HALF_UP, Decimal

ESPACE_FINE = "\u202f"


def montant_fr(valeur) -> str:
    """1234.5 → « 1 234,50 » (espace fine insécable pour les milliers, virgule décimale)."""
    if valeur is None or valeur == "":
        return ""
    montant = Decimal(valeur).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    signe = "-" if montant < 0 else ""
    entier, decimales = f"{abs(montant):.2f}".split(".")
    groupes: list[str] = []
    while len(entier) > 3:
        groupes.insert(0, entier[-3:])
        entier = entier[:-3]
    groupes.insert(0, entier)
    return f"{signe}{ESPACE_FINE.join(groupes)},{decimales}"


def euros(valeur) -> str:
    """1234.5 → « 1 234,50 € »."""
    texte = montant_fr(valeur)
    return f"{texte}\u00a0€" if texte else ""


def montant_court(valeur) -> str:
    """Une quantité sans zéros inutiles : 2.00 → « 2 » ; 1.50 → « 1,5 »."""
    if valeur is None:
        return ""
    texte = format(Decimal(valeur).normalize(), "f")
    return texte.replace(".", ",")


def prix_unitaire(valeur) -> str:
    """3.2000 → « 3,20 € » ; 1.1250 → « 1,125 € » (deux décimales au moins, aucune perdue)."""
    if valeur is None:
        return ""
    valeur = Decimal(valeur)
    if valeur == valeur.quantize(Decimal("0.01")):
        return euros(valeur)
    texte = format(valeur.normalize(), "f").replace(".", ",")
    return f"{texte}\u00a0€"


def pluriel(nombre, suffixe: str = "s") -> str:
    """Le « s » du pluriel à la française : « 0 réponse », « 1 réponse », « 2 réponses »
    (le filtre `pluralize` de Django écrit « 0 réponses »)."""
    try:
        return suffixe if abs(nombre) >= 2 else ""
    except TypeError:
        return suffixe if len(nombre) >= 2 else ""


def nombre_fr(n: int, singulier: str, forme_plurielle: str) -> str:
    """« 0 ligne », « 1 famille », « 2 familles » : en français, 0 et 1 sont au singulier."""
    return f"{n} {forme_plurielle if pluriel(n) else singulier}"


def taille_fichier_fr(octets) -> str:
    """5427 → « 5,3 Ko », 3 670 016 → « 3,5 Mo », 0 → « 0 octet » (Ko = 1 024 octets, comme
    les explorateurs de fichiers ; virgule décimale)."""
    octets = int(octets or 0)
    if octets < 1024:
        return f"{octets}\u00a0octet{pluriel(octets)}"
    for unite in ("Ko", "Mo", "Go"):
        octets /= 1024
        if octets < 1024 or unite == "Go":
            break
    texte = f"{octets:.1f}".replace(".", ",").removesuffix(",0")
    return f"{texte}\u00a0{unite}"
