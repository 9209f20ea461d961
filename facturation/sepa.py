"""Mandats SEPA : ICS du créancier (ISO 7064 mod 97-10) et RUM."""

import re

from django.core.exceptions import ValidationError

MESSAGE_ICS = (
    "L'ICS du créancier n'est pas valide : format FRkk ZZZ nnnnnn attendu, "
    "avec une clé de contrôle correcte (ex. FR72ZZZ123456)."
)
_ICS = re.compile(r"^FR(\d{2})([0-9A-Z]{3})([0-9A-Z]{6})$")
# Jeu de caractères SEPA restreint de la RUM (max. 35).
_RUM = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")


def _mod97(chaine: str) -> int:
    """Reste ISO 7064 mod 97-10 (lettres A=10 … Z=35), comme la clé d'un IBAN."""
    return int("".join(str(int(c, 36)) for c in chaine)) % 97


def ics_cle(*, pays: str, identifiant: str) -> str:
    """Les deux chiffres de clé d'un ICS : 98 - (identifiant + pays + 00) mod 97.

    Le code activité (ZZZ) n'entre pas dans le calcul (règles EPC).
    """
    return f"{98 - _mod97(identifiant + pays + '00'):02d}"


def ics_normaliser(valeur: str) -> str:
    """Valide un ICS français et le rend sans espaces, en majuscules."""
    ics = re.sub(r"\s", "", valeur or "").upper()
    correspondance = _ICS.match(ics)
    if not correspondance:
        raise ValidationError(MESSAGE_ICS, code="ics")
    cle, _activite, identifiant = correspondance.groups()
    if ics_cle(pays="FR", identifiant=identifiant) != cle:
        raise ValidationError(MESSAGE_ICS, code="ics")
    return ics


def rum_construire(*, numero_famille: str, rang: int) -> str:
    """RUM stable : « PF-<N° Famille>-<rang sur 3 chiffres> » (jeu SEPA, 35 caractères au plus)."""
    rum = f"PF-{numero_famille}-{rang:03d}"
    if not _RUM.match(rum):
        raise ValueError(f"RUM hors du jeu SEPA : {rum!r}")
    return rum


def rum_valide(rum: str) -> bool:
    return bool(_RUM.match(rum))
