"""Lecture des montants et des dates des exports du logiciel de facturation.

Une valeur est lue juste ou refusée, jamais devinée : les deux imports (factures, règlements)
passent par ces fonctions. Grammaire (décrite aussi dans le README, « Import des factures ») :

Montants, espaces autour et `€` final permis :
- format français : `1234,50`, `1 234,50` (milliers séparés par des espaces, normales ou
  insécables), `1234`, `1 234` ;
- milliers à points et virgule décimale : `12.345,00` (la partie décimale est alors obligatoire) ;
- point décimal sans séparateur de milliers : `1234.50`.
Refusés : notation scientifique (`1e3`), soulignés (`1_000`), chiffres non ASCII (`١٢`),
l'anglais `1,000.00`, tout autre mélange ; et, parce qu'on ne peut pas savoir s'il s'agit de
mille ou de un, un seul séparateur suivi d'exactement trois chiffres après 1 à 3 chiffres
(`1.000`, `1,000`, `12,500`) : écrire `1000`, `1 000` ou `1,00`.

Dates : `jj/mm/aaaa` (jour et mois sur un ou deux chiffres) ou `aaaa-mm-jj`, année entre
`IMPORT_ANNEE_MIN` et `IMPORT_ANNEE_MAX` (réglages, 2000 et 2100 par défaut).
"""

import datetime
import functools
import re
from decimal import Decimal

from django.conf import settings

ERREUR_MONTANT = "montant invalide « {valeur} » (attendu : 1 234,50 ; 1234,50 ; 1.234,50 ou 1234.50)"
ERREUR_MONTANT_AMBIGU = "montant ambigu « {valeur} » : mille ou un ? (écrivez 1000, 1 000 ou 1,00)"
ERREUR_DECIMALES = "« {valeur} » a trop de décimales ({maximum} au plus)"
ERREUR_NEGATIF = "« {valeur} » doit être positif"
ERREUR_DATE = (
    "date invalide « {valeur} » (attendu : jj/mm/aaaa ou aaaa-mm-jj, année de {minimum} à {maximum})"
)

LONGUEUR_MAX = 40
_ESPACES = " \u00a0\u202f"
_MONTANT_FRANCAIS = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?:,[0-9]+)?|[0-9]+(?:,[0-9]+)?")
_MONTANT_POINTS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+")
_MONTANT_POINT_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")
_MONTANT_AMBIGU = re.compile(r"[1-9][0-9]{0,2}[.,][0-9]{3}")
_DATE_FRANCAISE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class ValeurInvalide(ValueError):
    """Une valeur refusée ; le message (en français) dit ce qui était attendu."""


def _chiffres(texte: str) -> str:
    """Le montant débarrassé de son `€` final et des espaces autour."""
    texte = texte.strip(_ESPACES + "\t")
    if texte.endswith("€"):
        texte = texte[:-1].rstrip(_ESPACES)
    return texte


@functools.lru_cache(maxsize=8192)  # prix et quantités se répètent beaucoup dans un export
def lire_montant(texte: str, *, decimales: int = 2) -> Decimal:
    """Un montant positif ou nul selon la grammaire du module, au plus `decimales` décimales
    (des zéros au-delà sont permis : `6,4000` vaut 6,40) ; ValeurInvalide sinon."""
    brut = texte.strip()
    chiffres = _chiffres(texte)
    negatif = chiffres.startswith("-")
    if negatif:
        chiffres = chiffres[1:]
    if len(chiffres) > LONGUEUR_MAX:
        raise ValeurInvalide(ERREUR_MONTANT.format(valeur=brut[:LONGUEUR_MAX] + "…"))
    if _MONTANT_AMBIGU.fullmatch(chiffres):
        raise ValeurInvalide(ERREUR_MONTANT_AMBIGU.format(valeur=brut))
    if _MONTANT_FRANCAIS.fullmatch(chiffres) or _MONTANT_POINTS.fullmatch(chiffres):
        normalise = chiffres.translate({ord(c): None for c in _ESPACES + "."}).replace(",", ".")
    elif _MONTANT_POINT_DECIMAL.fullmatch(chiffres):
        normalise = chiffres
    else:
        raise ValeurInvalide(ERREUR_MONTANT.format(valeur=brut))
    if negatif:
        raise ValeurInvalide(ERREUR_NEGATIF.format(valeur=brut))
    valeur = Decimal(normalise)
    if valeur.as_tuple().exponent < -decimales:
        arrondi = valeur.quantize(Decimal(1).scaleb(-decimales))
        if arrondi != valeur:
            raise ValeurInvalide(ERREUR_DECIMALES.format(valeur=brut, maximum=decimales))
        valeur = arrondi
    return valeur


def lire_date(texte: str) -> datetime.date:
    """Une date `jj/mm/aaaa` ou `aaaa-mm-jj` dans les années permises ; ValeurInvalide sinon."""
    return _date(texte.strip(), settings.IMPORT_ANNEE_MIN, settings.IMPORT_ANNEE_MAX)


@functools.lru_cache(maxsize=4096)
def _date(texte: str, annee_min: int, annee_max: int) -> datetime.date:
    francaise = _DATE_FRANCAISE.fullmatch(texte)
    iso = _DATE_ISO.fullmatch(texte)
    try:
        if francaise:
            jour, mois, annee = (int(v) for v in francaise.groups())
        elif iso:
            annee, mois, jour = (int(v) for v in iso.groups())
        else:
            raise ValueError
        if not annee_min <= annee <= annee_max:
            raise ValueError
        return datetime.date(annee, mois, jour)
    except ValueError:
        raise ValeurInvalide(
            ERREUR_DATE.format(valeur=texte[:LONGUEUR_MAX], minimum=annee_min, maximum=annee_max)
        ) from None
