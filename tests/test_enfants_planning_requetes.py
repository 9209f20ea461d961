"""Nombre de requêtes d'une demande de réservation de trois jours (la ruée : tout ce qui se fait
sous le verrou des jours retarde les familles qui demandent les mêmes jours). Le nombre est
figé : une requête de plus sous le verrou doit se voir (docs/performance.md, « la ruée »)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from demandes.models import Demande
from enfants import services
from enfants.models import Reservation
from tests.factories import ActiviteFactory, InscriptionFactory, ReservationFactory, UtilisateurFactory

pytestmark = pytest.mark.django_db

JOURS = [datetime.date(2015, 4, 15), datetime.date(2015, 4, 22), datetime.date(2015, 4, 29)]
AVANT = timezone.make_aware(datetime.datetime(2015, 4, 1, 10))


def _requetes_sous_le_verrou(inscription, **options):
    """(requêtes sous le verrou, requêtes en tout) d'une demande des trois mercredis."""
    with CaptureQueriesContext(connection) as requetes:
        resultat = services.reservations_jours_demander(
            inscription=inscription, jours=JOURS, maintenant=AVANT, **options
        )
    assert len(resultat.reservations) == 3, resultat.refus
    textes = [q["sql"] for q in requetes.captured_queries]
    if connection.vendor == "postgresql":
        debut = next(i for i, sql in enumerate(textes) if "pg_advisory_xact_lock_shared" in sql)
    else:  # SQLite (écritures sérialisées) : à partir de la relecture de l'activité et des places
        debut = next(i for i, sql in enumerate(textes) if "lu_deja_0" in sql)
    return len(textes) - debut


# Sous le verrou, par demande de trois jours : (PostgreSQL) le verrou des jours, puis UNE lecture
# de l'activité et des places des trois jours, puis par jour l'écriture de la réservation et sa
# demande dans la Liste des demandes. Avant (02/12/2026) : 27 et 30 requêtes sur PostgreSQL.
VERROU = 1 if connection.vendor == "postgresql" else 0
FIN = 1  # fin du point de sauvegarde du service (la transaction du test l'englobe)


def test_trois_jours_acceptes_d_office():
    activite = ActiviteFactory(jours_ouverture="2", capacite=5, acceptation_automatique=True)
    inscription = InscriptionFactory(activite=activite)
    # 1 + 3 × (réservation, demande consignée)
    assert _requetes_sous_le_verrou(inscription) == VERROU + 1 + 3 * 2 + FIN
    assert Demande.objects.filter(statut=Demande.Statut.ACCEPTEE).count() == 3


def test_trois_jours_en_liste_d_attente():
    activite = ActiviteFactory(jours_ouverture="2", capacite=1, acceptation_automatique=True)
    for jour in JOURS:
        ReservationFactory(
            inscription=InscriptionFactory(activite=activite), date=jour, etat=Reservation.Etat.ACCEPTEE
        )
    inscription = InscriptionFactory(activite=activite)
    # 1 + 3 × (réservation, relecture de la réservation par le formulaire de la demande, demande)
    nombre = _requetes_sous_le_verrou(inscription, liste_attente=True, par=UtilisateurFactory())
    assert nombre == VERROU + 1 + 3 * 3 + FIN
    assert Reservation.objects.filter(inscription=inscription, etat=Reservation.Etat.EN_ATTENTE).count() == 3
    assert Demande.objects.filter(statut=Demande.Statut.EN_ATTENTE).count() == 3
