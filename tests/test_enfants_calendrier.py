"""Le calendrier : jours fériés (holidays), vacances scolaires de la zone (vacances-scolaires-france,
données embarquées, sans réseau), jours ouvrés et délais."""

import datetime
import socket

import pytest
from django.utils import timezone
from vacances_scolaires_france import SchoolHolidayDates

from enfants import calendrier

MIDI = datetime.time(12, 0)


def test_lundi_de_paques_2015_est_ferie():
    feries = calendrier.feries(datetime.date(2015, 4, 1), datetime.date(2015, 4, 30))
    assert feries == {datetime.date(2015, 4, 6): "Lundi de Pâques"}
    assert calendrier.est_ferie(datetime.date(2015, 4, 6))
    assert not calendrier.est_jour_ouvre(datetime.date(2015, 4, 6))


@pytest.mark.parametrize(
    ("jour", "nom"),
    [
        (datetime.date(2015, 5, 1), "Fête du Travail"),
        (datetime.date(2015, 5, 14), "Ascension"),
        (datetime.date(2026, 7, 14), "Fête nationale"),
        (datetime.date(2026, 12, 25), "Noël"),
    ],
)
def test_feries_connus(jour, nom):
    assert calendrier.feries(jour, jour) == {jour: nom}


def _annee_scolaire_courante():
    aujourdhui = timezone.localdate()
    debut = aujourdhui.year if aujourdhui.month >= 9 else aujourdhui.year - 1
    return datetime.date(debut, 9, 1), datetime.date(debut + 1, 8, 31)


def test_vacances_zone_b_de_l_annee_scolaire_courante_viennent_de_la_bibliotheque(settings):
    settings.ZONE_VACANCES_SCOLAIRES = "B"
    debut, fin = _annee_scolaire_courante()
    attendu = set()
    donnees = SchoolHolidayDates()
    for annee in (debut.year, fin.year):
        attendu |= {j for j in donnees.holidays_for_year_and_zone(annee, "B") if debut <= j <= fin}
    vacances = calendrier.vacances(debut, fin)
    assert set(vacances) == attendu
    noms = {nom for _code, nom in vacances.values()}
    assert {
        "Vacances de la Toussaint",
        "Vacances de Noël",
        "Vacances d'hiver",
        "Vacances de printemps",
        "Vacances d'été",
    } <= noms
    # Les grandes vacances sont « G », les autres « P ».
    assert {code for code, nom in vacances.values() if nom == "Vacances d'été"} == {"G"}
    assert {code for code, nom in vacances.values() if nom != "Vacances d'été"} == {"P"}


def test_vacances_de_printemps_2015_zone_b_selon_la_bibliotheque(settings):
    settings.ZONE_VACANCES_SCOLAIRES = "B"
    vacances = calendrier.vacances(datetime.date(2015, 4, 1), datetime.date(2015, 4, 30))
    assert min(vacances) == datetime.date(2015, 4, 25)
    assert vacances[datetime.date(2015, 4, 27)] == ("P", "Vacances de printemps")
    assert datetime.date(2015, 4, 24) not in vacances


def test_la_zone_se_regle(settings):
    jour = datetime.date(2015, 4, 13)
    settings.ZONE_VACANCES_SCOLAIRES = "A"
    assert jour in calendrier.vacances(jour, jour)
    settings.ZONE_VACANCES_SCOLAIRES = "B"
    assert jour not in calendrier.vacances(jour, jour)


def test_donnees_des_vacances_lues_sans_reseau(monkeypatch):
    def interdit(*args, **kwargs):
        raise AssertionError("accès réseau interdit")

    monkeypatch.setattr(socket, "socket", interdit)
    monkeypatch.setattr(socket, "create_connection", interdit)
    calendrier._vacances_donnees.cache_clear()
    try:
        vacances = calendrier.vacances(
            datetime.date(2026, 12, 1), datetime.date(2026, 12, 31), zone_scolaire="B"
        )
    finally:
        calendrier._vacances_donnees.cache_clear()
    assert datetime.date(2026, 12, 24) in vacances


def test_annee_hors_donnees_sans_vacances():
    assert calendrier.vacances(datetime.date(1980, 1, 1), datetime.date(1980, 12, 31)) == {}


def test_prochaines_vacances(settings):
    settings.ZONE_VACANCES_SCOLAIRES = "B"
    assert calendrier.prochaines_vacances(datetime.date(2015, 4, 8)) == datetime.date(2015, 4, 25)


@pytest.mark.parametrize(
    ("jour", "jours_ouvres", "attendu"),
    [
        # Mardi 7 avril 2015, J-2 : lundi 6 férié, week-end passé → jeudi 2 avril.
        (datetime.date(2015, 4, 7), 2, datetime.date(2015, 4, 2)),
        # Lundi 13 avril 2015, J-2 : vendredi 10 puis jeudi 9.
        (datetime.date(2015, 4, 13), 2, datetime.date(2015, 4, 9)),
        # Mercredi 8 avril 2015, J-1 : mardi 7.
        (datetime.date(2015, 4, 8), 1, datetime.date(2015, 4, 7)),
        # Mercredi 8 avril 2015, J-3 : mardi 7, vendredi 3, jeudi 2 (lundi 6 férié).
        (datetime.date(2015, 4, 8), 3, datetime.date(2015, 4, 2)),
        # J-0 : le jour même.
        (datetime.date(2015, 4, 8), 0, datetime.date(2015, 4, 8)),
    ],
)
def test_date_limite_en_jours_ouvres(jour, jours_ouvres, attendu):
    limite = calendrier.date_limite(jour, jours_ouvres=jours_ouvres, heure=MIDI)
    locale = timezone.localtime(limite)
    assert locale.date() == attendu
    assert locale.time() == MIDI
    assert str(locale.tzinfo) == "Europe/Paris"


def test_entete_des_jours():
    assert calendrier.date_longue(datetime.date(2015, 4, 8)) == "mercredi 8 avril 2015"
    assert calendrier.mois_libelle(2015, 4) == "Avril 2015"
    assert calendrier.mois_voisins(2015, 1) == ((2014, 12), (2015, 2))
    assert calendrier.mois_voisins(2015, 12) == ((2015, 11), (2016, 1))
    assert len(calendrier.jours_du_mois(2016, 2)) == 29
