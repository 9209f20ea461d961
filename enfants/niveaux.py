"""Niveaux scolaires : la liste fermée des classes qu'une activité peut admettre.

`Enfant.classe` est un texte libre saisi par la famille. Un niveau s'y lit exactement (le code
« CE1 » ou le nom « cours élémentaire 1 », à la casse, aux accents et aux espaces près) ou pas
du tout : « CP/CE1 », « CE1 bilingue » ou « grande » ne se lisent pas. Jamais deviné.
"""

import unicodedata

NIVEAUX: list[tuple[str, str]] = [
    ("TPS", "Toute petite section"),
    ("PS", "Petite section"),
    ("MS", "Moyenne section"),
    ("GS", "Grande section"),
    ("CP", "Cours préparatoire"),
    ("CE1", "Cours élémentaire 1"),
    ("CE2", "Cours élémentaire 2"),
    ("CM1", "Cours moyen 1"),
    ("CM2", "Cours moyen 2"),
    ("6E", "Sixième"),
    ("5E", "Cinquième"),
    ("4E", "Quatrième"),
    ("3E", "Troisième"),
]
CODES = [code for code, _ in NIVEAUX]
# Séparateur des codes rangés dans `Activite.niveaux` (« CP,CE1,CE2 »).
SEPARATEUR = ","


def _normaliser(texte: str) -> str:
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return " ".join(sans_accents.upper().replace("-", " ").split())


# Les écritures acceptées, normalisées : le code, le code sans espace (« CE 1 »), le nom, et les
# noms usuels des sections de maternelle et des classes du collège (« 6e », « 6ème »).
_LECTURES: dict[str, str] = {}
for _code, _nom in NIVEAUX:
    _LECTURES[_normaliser(_code)] = _code
    _LECTURES[_normaliser(_nom)] = _code
for _chiffre in "6543":
    for _suffixe in ("E", "EME"):
        _LECTURES[_chiffre + _suffixe] = f"{_chiffre}E"
for _code in ("CE1", "CE2", "CM1", "CM2"):
    _LECTURES[f"{_code[:2]} {_code[2]}"] = _code


def niveau_lire(classe: str) -> str | None:
    """Le code du niveau écrit dans `classe`, ou None s'il ne se lit pas exactement."""
    return _LECTURES.get(_normaliser(classe or ""))


def niveaux_libelle(codes: str) -> str:
    """« CP,CE1 » → « CP, CE1 »."""
    return ", ".join(c for c in codes.split(SEPARATEUR) if c)
