"""Capacité sous concurrence : plusieurs demandes ou décisions simultanées pour la dernière place
ne la dépassent jamais (verrou de ligne sur l'activité, effectif sur PostgreSQL ; SQLite
sérialise les écritures et l'on réessaie)."""

import datetime
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from enfants import services
from enfants.models import Reservation
from tests.aides import en_parallele
from tests.factories import (
    ActiviteFactory,
    InscriptionFactory,
    ReservationFactory,
    UtilisateurFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

MERCREDI = datetime.date(2015, 4, 15)
AVANT = timezone.make_aware(datetime.datetime(2015, 4, 1, 10))
FILS = 6


@pytest.fixture(autouse=True)
def _fenetre_de_course_elargie(monkeypatch):
    """Entre le comptage des places et l'écriture, on laisse le temps aux autres fils de compter :
    sans verrou, ils voient tous la dernière place libre. (SQLite verrouille les tables entières :
    la fenêtre n'y ferait que prolonger les nouvelles tentatives.)"""
    if connection.vendor != "postgresql":
        return
    compter = services.places_occupees

    def lent(**kwargs):
        resultat = compter(**kwargs)
        time.sleep(0.2)
        return resultat

    # Le service appelle `places_occupees` dans son propre module (paquet `enfants.services`).
    monkeypatch.setattr(services.planning, "places_occupees", lent)


def _en_parallele(fonctions):
    return en_parallele(fonctions, erreurs=(ValidationError,))


def test_demandes_simultanees_pour_la_derniere_place():
    activite = ActiviteFactory(jours_ouverture="2", capacite=1, acceptation_automatique=True)
    inscriptions = [InscriptionFactory(activite=activite) for _ in range(FILS)]
    resultats = _en_parallele(
        [
            (lambda i=i: services.reservation_demander(inscription=i, date=MERCREDI, maintenant=AVANT))
            for i in inscriptions
        ]
    )
    acceptees = [r for r in resultats if isinstance(r, Reservation)]
    refus = [r for r in resultats if isinstance(r, ValidationError)]
    assert len(acceptees) == 1, resultats
    assert len(refus) == FILS - 1 and {e.code for e in refus} == {"complet"}
    assert Reservation.objects.filter(date=MERCREDI, etat="acceptee").count() == 1


def test_agents_acceptant_en_meme_temps_la_derniere_place():
    agent = UtilisateurFactory(is_staff=True)
    activite = ActiviteFactory(jours_ouverture="2", capacite=1)
    demandes = [
        ReservationFactory(
            inscription=InscriptionFactory(activite=activite), date=MERCREDI, etat="en_attente"
        )
        for _ in range(FILS)
    ]
    resultats = _en_parallele(
        [(lambda d=d: services.reservation_accepter(reservation=d, agent=agent)) for d in demandes]
    )
    assert sum(isinstance(r, Reservation) for r in resultats) == 1, resultats
    assert Reservation.objects.filter(date=MERCREDI, etat="acceptee").count() == 1
