"""Le planning (grille et vue téléphone, même agenda) respecte la fenêtre de réservation d'une
campagne de vacances : hors fenêtre, le jour n'est pas proposé à la réservation et l'infobulle dit
pourquoi ; dans la fenêtre, il l'est même au-delà de l'horizon ; ailleurs, l'horizon. Sans
requête de plus (les fenêtres sont lues dans la requête du planning)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enfants import selectors
from enfants.planning import RESERVER, EtatCase, agenda_construire
from tests.factories import ActiviteFactory, CampagneFactory, EnfantFactory, InscriptionFactory
from tests.test_campagnes_reservation import FERMETURE, OUVERTURE, paris

pytestmark = pytest.mark.django_db

MERCREDI_ETE = datetime.date(2027, 7, 21)  # dans la campagne (5 juillet - 27 août)
JEUDI_AVANT = datetime.date(2027, 7, 1)  # hors campagne, au-delà de l'horizon en juin


@pytest.fixture
def inscription(parent):
    activite = ActiviteFactory(horizon_reservation=10, jours_ouverture="01234", delai_reservation=2)
    return InscriptionFactory(
        activite=activite,
        enfant=EnfantFactory(famille=parent.famille),
        date_debut=datetime.date(2026, 9, 1),
        date_fin=datetime.date(2028, 7, 6),
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


def _case(inscription, jour, maintenant):
    donnees = selectors.planning_page(
        famille=inscription.enfant.famille,
        enfant_id=inscription.enfant_id,
        annee=jour.year,
        mois=jour.month,
        aujourdhui=maintenant.date(),
    )
    agenda = agenda_construire(annee=jour.year, mois=jour.month, donnees=donnees, maintenant=maintenant)
    (ligne,) = agenda.lignes
    return next(c for c in ligne.cases if c.jour.date == jour)


def test_dans_la_fenetre_le_jour_se_reserve_au_dela_de_l_horizon(inscription, campagne):
    case = _case(inscription, MERCREDI_ETE, OUVERTURE)
    assert case.etat is EtatCase.RESERVABLE and RESERVER in case.actions
    # Hors de la campagne, le même jour de juin : l'horizon (10 jours) s'applique toujours.
    case = _case(inscription, JEUDI_AVANT, OUVERTURE)
    assert case.etat is EtatCase.LIBRE and RESERVER not in case.actions
    assert "réservations de" not in case.libelle


def test_avant_la_fenetre_le_jour_n_est_pas_propose_et_l_infobulle_dit_quand(inscription, campagne):
    case = _case(inscription, MERCREDI_ETE, OUVERTURE - datetime.timedelta(seconds=1))
    assert case.etat is EtatCase.LIBRE and RESERVER not in case.actions
    assert case.libelle == (
        "mercredi 21 juillet 2027 : Non réservé (Vacances d'été) — réservations de « Été 2027 » ouvertes le "
        "mardi 1 juin 2027 à 8 h 00"
    )


def test_apres_la_fenetre_le_jour_n_est_plus_propose_meme_dans_l_horizon(inscription, campagne):
    maintenant = paris(2027, 7, 12, 9)  # le 21 juillet est dans l'horizon de 10 jours
    case = _case(inscription, MERCREDI_ETE, maintenant)
    assert case.etat is EtatCase.LIBRE and RESERVER not in case.actions
    assert "réservations de « Été 2027 » closes depuis le dimanche 20 juin 2027 à 18 h 00" in case.libelle


def test_sans_campagne_a_fenetre_l_horizon_comme_avant(inscription):
    CampagneFactory(
        type="rentree",
        periode_debut=datetime.date(2027, 7, 5),
        periode_fin=datetime.date(2027, 8, 27),
        ouverture=paris(2027, 5, 3, 8),
        fermeture=paris(2027, 6, 20, 18),
        activites=[inscription.activite],
    )
    assert _case(inscription, MERCREDI_ETE, OUVERTURE).etat is EtatCase.LIBRE
    assert _case(inscription, MERCREDI_ETE, paris(2027, 7, 12, 9)).etat is EtatCase.RESERVABLE


def test_une_campagne_d_une_autre_activite_ne_compte_pas(inscription, campagne):
    campagne.activites.set([ActiviteFactory()])
    assert _case(inscription, MERCREDI_ETE, OUVERTURE).etat is EtatCase.LIBRE


def test_la_page_du_planning_ne_coute_pas_de_requete_de_plus(client_parent, inscription):
    url = reverse("enfants:planning", kwargs={"pk": inscription.enfant_id, "annee": 2027, "mois": 7})
    client_parent.get(url)
    with CaptureQueriesContext(connection) as sans:
        client_parent.get(url)
    for i in range(3):
        CampagneFactory(
            nom=f"Été {i}",
            type="vacances",
            periode_debut=datetime.date(2027, 7, 5),
            periode_fin=datetime.date(2027, 8, 27),
            ouverture=paris(2027, 5, 3, 8),
            fermeture=paris(2027, 6, 20, 18),
            reservation_ouverture=OUVERTURE,
            reservation_fermeture=FERMETURE,
            activites=[inscription.activite],
        )
    with CaptureQueriesContext(connection) as avec:
        assert client_parent.get(url).status_code == 200
    assert len(avec) == len(sans)
