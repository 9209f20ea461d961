"""Fenêtre de réservation d'une campagne de vacances : les jours de la période se réservent
entre ses dates (sans horizon) ; ailleurs, l'horizon glissant de l'activité s'applique."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from enfants import services
from enfants.models import Reservation
from tests.factories import ActiviteFactory, CampagneFactory, InscriptionFactory

pytestmark = pytest.mark.django_db

MERCREDI_ETE = datetime.date(2027, 7, 21)
RENTREE = datetime.date(2027, 9, 8)


def paris(*args):
    return timezone.make_aware(datetime.datetime(*args))


OUVERTURE = paris(2027, 6, 1, 8, 0)
FERMETURE = paris(2027, 6, 20, 18, 0)


@pytest.fixture
def inscription():
    # Horizon de 10 jours : le 21 juillet est hors d'atteinte début juin… sauf par la campagne.
    activite = ActiviteFactory(horizon_reservation=10)
    return InscriptionFactory(
        activite=activite, date_debut=datetime.date(2026, 9, 1), date_fin=datetime.date(2028, 7, 6)
    )


@pytest.fixture
def campagne(inscription):
    return CampagneFactory(
        nom="Été 2027",
        type="vacances",
        periode_debut=datetime.date(2027, 7, 5),
        periode_fin=datetime.date(2027, 8, 27),
        ouverture=paris(2027, 5, 3, 8),
        fermeture=paris(2027, 6, 20, 18),
        reservation_ouverture=OUVERTURE,
        reservation_fermeture=FERMETURE,
        activites=[inscription.activite],
    )


def _refus(inscription, jour, maintenant):
    with pytest.raises(ValidationError) as erreur:
        services.reservation_demander(inscription=inscription, date=jour, maintenant=maintenant)
    assert not Reservation.objects.filter(date=jour).exists()
    return erreur.value


def test_avant_la_fenetre_le_jour_de_la_campagne_est_refuse_avec_la_date(inscription, campagne):
    erreur = _refus(inscription, MERCREDI_ETE, OUVERTURE - datetime.timedelta(seconds=1))
    assert erreur.code == "fenetre"
    assert erreur.messages == [
        "Le mercredi 21 juillet 2027 fait partie de la campagne « Été 2027 » : ses réservations "
        "ouvrent le mardi 1 juin 2027 à 8 h 00."
    ]


def test_pendant_la_fenetre_l_horizon_ne_compte_pas(inscription, campagne):
    reservation = services.reservation_demander(
        inscription=inscription, date=MERCREDI_ETE, maintenant=OUVERTURE
    )
    assert reservation.pk and reservation.date == MERCREDI_ETE


def test_fermee_a_18_h_la_fenetre_refuse_des_18_h(inscription, campagne):
    services.reservation_demander(
        inscription=inscription, date=MERCREDI_ETE, maintenant=FERMETURE - datetime.timedelta(seconds=1)
    )
    erreur = _refus(inscription, MERCREDI_ETE + datetime.timedelta(days=1), FERMETURE)
    assert erreur.code == "fenetre"
    assert "ses réservations sont closes depuis le dimanche 20 juin 2027 à 18 h 00." in erreur.messages[0]


def test_hors_de_la_periode_l_horizon_s_applique_comme_avant(inscription, campagne):
    erreur = _refus(inscription, RENTREE, OUVERTURE)
    assert erreur.code == "horizon"
    # Dans l'horizon, hors campagne : réservé même hors de la fenêtre de la campagne.
    assert services.reservation_demander(
        inscription=inscription, date=RENTREE, maintenant=paris(2027, 9, 1, 8)
    ).pk


def test_une_autre_activite_ou_une_campagne_sans_fenetre_garde_l_horizon(inscription, campagne):
    campagne.activites.set([ActiviteFactory()])
    assert _refus(inscription, MERCREDI_ETE, OUVERTURE).code == "horizon"
    campagne.activites.set([inscription.activite])
    campagne.reservation_ouverture = campagne.reservation_fermeture = None
    campagne.save()
    assert _refus(inscription, MERCREDI_ETE, OUVERTURE).code == "horizon"
    # Et une campagne de rentrée (sans fenêtre de réservation) sur la même période : l'horizon.
    assert services.campagne_de_reservation(activite=inscription.activite, jour=MERCREDI_ETE) is None
