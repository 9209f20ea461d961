"""Montants et dates des exports : lus juste ou refusés, jamais devinés (propriétés Hypothesis).

Chaque montant tiré au hasard est écrit dans chaque style accepté et doit se relire exactement ;
chaque style refusé (notation scientifique, soulignés, chiffres non ASCII, anglais, un seul
séparateur suivi de trois chiffres) doit être refusé. Les deux imports passent par ces fonctions
(`test_facturation_import.py` le vérifie sur des fichiers).
"""

import datetime
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from facturation.importation.lecture import ValeurInvalide, lire_date, lire_montant

ESPACES = [" ", "\u00a0", "\u202f"]
EUROS = ["", "€", " €", "\u00a0€"]


@st.composite
def montants(draw, decimales=2):
    """Un montant positif (jusqu'au milliard) et son nombre de décimales écrites."""
    ecrites = draw(st.integers(min_value=0, max_value=decimales))
    centimes = draw(st.integers(min_value=0, max_value=10**9 * 10**ecrites))
    return Decimal(centimes).scaleb(-ecrites), ecrites


def _groupes(entier: int, separateur: str) -> str:
    return f"{entier:,}".replace(",", separateur)


def ecrire(valeur: Decimal, ecrites: int, style: str, separateur: str, euro: str) -> str:
    entier = int(valeur)
    decimales = f"{valeur:.{ecrites}f}".partition(".")[2]
    if style == "francais":
        texte = str(entier) + (f",{decimales}" if ecrites else "")
    elif style == "francais_milliers":
        texte = _groupes(entier, separateur) + (f",{decimales}" if ecrites else "")
    elif style == "points_virgule":
        texte = _groupes(entier, ".") + f",{decimales}"
    else:  # point décimal, sans milliers
        texte = f"{entier}.{decimales}"
    return texte + euro


def ambigu(valeur: Decimal, ecrites: int, style: str) -> bool:
    """Un seul séparateur suivi d'exactement trois chiffres, après 1 à 3 chiffres (pas un zéro
    seul) : 1,000 ou 1.000 (mille ou un ?). L'attente est écrite à partir de la valeur, pas du
    texte produit."""
    entier = int(valeur)
    seul_separateur = style in ("francais", "point") or entier < 1000
    return ecrites == 3 and 1 <= entier <= 999 and seul_separateur


STYLES = st.sampled_from(["francais", "francais_milliers", "points_virgule", "point"])


@given(
    montant=montants(decimales=4),
    style=STYLES,
    separateur=st.sampled_from(ESPACES),
    euro=st.sampled_from(EUROS),
)
@example(montant=(Decimal("1234.50"), 2), style="francais_milliers", separateur="\u202f", euro=" €")
@example(montant=(Decimal("12345.00"), 2), style="points_virgule", separateur=" ", euro="")
def test_chaque_style_accepte_se_relit_exactement(montant, style, separateur, euro):
    valeur, ecrites = montant
    if style in ("points_virgule", "point") and ecrites == 0:
        ecrites = 2  # ces styles écrivent toujours une partie décimale
        valeur = valeur.quantize(Decimal("0.01"))
    if style == "points_virgule" and valeur < 1000:
        style = "francais"  # « 12,50 » : pas de milliers à séparer
    texte = ecrire(valeur, ecrites, style, separateur, euro)
    if ambigu(valeur, ecrites, style):
        with pytest.raises(ValeurInvalide, match="ambigu"):
            lire_montant(texte, decimales=4)
        return
    assert lire_montant(texte, decimales=4) == valeur
    assert lire_montant(f"  {texte} ", decimales=4) == valeur


@given(montant=montants(decimales=2))
def test_notation_scientifique_refusee(montant):
    valeur, _ = montant
    for texte in (f"{valeur:e}", f"{valeur:E}", f"{int(valeur) or 1}e2"):
        with pytest.raises(ValeurInvalide, match="montant invalide"):
            lire_montant(texte)


@given(entier=st.integers(min_value=1000, max_value=10**9))
def test_soulignes_refuses(entier):
    with pytest.raises(ValeurInvalide):
        lire_montant(f"{entier:_}")


CHIFFRES_NON_ASCII = ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "０１２３４５６７８９", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"]


@given(entier=st.integers(min_value=0, max_value=10**6), chiffres=st.sampled_from(CHIFFRES_NON_ASCII))
def test_chiffres_non_ascii_refuses(entier, chiffres):
    texte = str(entier).translate(str.maketrans("0123456789", chiffres))
    with pytest.raises(ValeurInvalide, match="montant invalide"):
        lire_montant(texte)


@given(entier=st.integers(min_value=1000, max_value=10**9), centimes=st.integers(0, 99))
def test_format_anglais_refuse(entier, centimes):
    with pytest.raises(ValeurInvalide):
        lire_montant(f"{entier:,}.{centimes:02d}")


@given(
    entier=st.integers(min_value=1, max_value=999),
    trois=st.integers(0, 999),
    separateur=st.sampled_from([".", ","]),
    euro=st.sampled_from(EUROS),
)
def test_un_seul_separateur_suivi_de_trois_chiffres_refuse(entier, trois, separateur, euro):
    with pytest.raises(ValeurInvalide, match="ambigu"):
        lire_montant(f"{entier}{separateur}{trois:03d}{euro}")


@pytest.mark.parametrize(
    "texte",
    [
        "1,000.00",
        "1.000",
        "1,000",
        "1e2",
        "1e3",
        "1E3",
        "1_000",
        "١٢",
        "12.345",
        "1 000.50",
        "1.234.567",
        ".5",
        "5.",
        ",5",
        "5,",
        "1 23,50",
        "1  234,50",
        "12,3,4",
        "€12,50",
        "+12",
        "Infinity",
        "NaN",
        "0x10",
        "",
        " ",
        "€",
        "1" * 41,
        "12 ,50",
        "1.2.3,00",
    ],
)
def test_styles_refuses(texte):
    with pytest.raises(ValeurInvalide):
        lire_montant(texte)


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50 €", "1234.50"),
        ("12.345,00", "12345.00"),
        ("1234.50", "1234.50"),
        ("0,125", "0.125"),
        ("1000,000", "1000.000"),
        ("6,4000", "6.40"),
        ("1 000", "1000"),
        ("0", "0"),
        ("12,5€", "12.5"),
    ],
)
def test_exemples_acceptes(texte, attendu):
    assert lire_montant(texte, decimales=4) == Decimal(attendu)


def test_messages():
    with pytest.raises(ValeurInvalide, match=r"« -2 » doit être positif"):
        lire_montant("-2")
    with pytest.raises(ValeurInvalide, match=r"« 6,4011 » a trop de décimales \(2 au plus\)"):
        lire_montant("6,4011")
    with pytest.raises(ValeurInvalide, match=r"montant ambigu « 1\.000 » : mille ou un \?"):
        lire_montant("1.000")


# --- Dates ---------------------------------------------------------------------------------


@given(jour=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 31)))
def test_dates_des_deux_formats_relues_exactement(jour):
    assert lire_date(jour.strftime("%d/%m/%Y")) == jour
    assert lire_date(jour.isoformat()) == jour
    assert lire_date(f"{jour.day}/{jour.month}/{jour.year}") == jour


@given(jour=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 31)))
def test_autres_ecritures_de_date_refusees(jour):
    for texte in (
        jour.strftime("%Y%m%d"),
        jour.strftime("%G-W%V-%u"),
        jour.strftime("%Y-%j"),
        jour.strftime("%d/%m/%y"),
        jour.strftime("%d-%m-%Y"),
        jour.strftime("%Y/%m/%d"),
        jour.strftime("%d.%m.%Y"),
        jour.isoformat() + "T00:00",
        jour.strftime("%d/%m/%Y").translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    ):
        with pytest.raises(ValeurInvalide, match="date invalide"):
            lire_date(texte)


@pytest.mark.parametrize(
    "texte",
    [
        "08/04/0001",
        "08/04/1999",
        "01/01/2101",
        "9999-12-31",
        "20150408",
        "2015-W15-3",
        "31/02/2015",
        "2015-4-8",
        "0/4/2015",
    ],
)
def test_dates_refusees(texte):
    with pytest.raises(ValeurInvalide, match=r"attendu : jj/mm/aaaa ou aaaa-mm-jj, année de 2000 à 2100"):
        lire_date(texte)


def test_annees_permises_reglables(settings):
    settings.IMPORT_ANNEE_MIN = 1990
    assert lire_date("08/04/1995") == datetime.date(1995, 4, 8)
    settings.IMPORT_ANNEE_MAX = 2020
    with pytest.raises(ValeurInvalide, match="année de 1990 à 2020"):
        lire_date("08/04/2021")
