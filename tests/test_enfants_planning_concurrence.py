"""Capacité sous concurrence : plusieurs demandes ou décisions simultanées pour la dernière place
ne la dépassent jamais (sur PostgreSQL, verrous consultatifs par activité et par jour et verrou
de ligne sur l'activité ; SQLite sérialise les écritures et l'on réessaie). Sur PostgreSQL, deux
demandes de jours différents d'une même activité ne s'attendent pas."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
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
    # Une demande lit ses places avec la relecture de l'activité, sous le verrou des jours.
    monkeypatch.setattr(services.planning, "_places_lues", lent_positionnel(services.planning._places_lues))


def lent_positionnel(fonction):
    def lent(*args, **kwargs):
        resultat = fonction(*args, **kwargs)
        time.sleep(0.2)
        return resultat

    return lent


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


JEUDI = MERCREDI + datetime.timedelta(days=1)


def _sur_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("verrous consultatifs par jour : PostgreSQL seulement (SQLite sérialise tout)")


@pytest.fixture
def jour_tenu():
    """Un autre fil (sa connexion) tient le verrou d'un jour de l'activité, comme une demande de
    réservation en cours, jusqu'à la fin du test."""
    relache, fils = threading.Event(), []

    def tenir(activite, jour):
        tient = threading.Event()

        def fil():
            try:
                with transaction.atomic():
                    services.planning._jours_verrouilles(activite.pk, [jour])
                    tient.set()
                    relache.wait(60)
            finally:
                connection.close()

        fils.append(threading.Thread(target=fil))
        fils[-1].start()
        assert tient.wait(30)

    yield tenir
    relache.set()
    for fil in fils:
        fil.join(timeout=60)


def _sans_attendre(fonction):
    """Lance `fonction` dans une transaction qui n'attend aucun verrou plus de 2 s (sinon
    OperationalError : la demande attendrait le verrou tenu par l'autre fil)."""
    with transaction.atomic():
        with connection.cursor() as curseur:
            curseur.execute("SET LOCAL lock_timeout = '2s'")
        return fonction()


def test_un_autre_jour_de_la_meme_activite_se_reserve_sans_attendre(jour_tenu):
    _sur_postgresql()
    activite = ActiviteFactory(jours_ouverture="23", capacite=5, acceptation_automatique=True)
    inscription = InscriptionFactory(activite=activite)
    jour_tenu(activite, MERCREDI)
    reservation = _sans_attendre(
        lambda: services.reservation_demander(inscription=inscription, date=JEUDI, maintenant=AVANT)
    )
    assert reservation.etat == Reservation.Etat.ACCEPTEE


def test_le_meme_jour_attend_le_verrou(jour_tenu):
    _sur_postgresql()
    activite = ActiviteFactory(jours_ouverture="23", capacite=5, acceptation_automatique=True)
    inscription = InscriptionFactory(activite=activite)
    jour_tenu(activite, MERCREDI)
    with pytest.raises(OperationalError):
        _sans_attendre(
            lambda: services.reservations_jours_demander(
                inscription=inscription, jours=[JEUDI, MERCREDI], maintenant=AVANT
            )
        )
    assert not Reservation.objects.exists()


def test_une_decision_attend_les_demandes_en_cours(jour_tenu):
    """Les décisions et propositions verrouillent toute l'activité : elles attendent une demande
    en cours, quel que soit son jour."""
    _sur_postgresql()
    agent = UtilisateurFactory(is_staff=True)
    activite = ActiviteFactory(jours_ouverture="23", capacite=5)
    demande = ReservationFactory(
        inscription=InscriptionFactory(activite=activite), date=JEUDI, etat="en_cours"
    )
    jour_tenu(activite, MERCREDI)
    with pytest.raises(OperationalError):
        _sans_attendre(lambda: services.reservation_accepter(reservation=demande, agent=agent))


def test_demandes_de_plusieurs_jours_simultanees_capacite_et_ordre_d_arrivee():
    """Chaque famille demande les deux mêmes jours (liste d'attente acceptée) : jamais plus que la
    capacité, et les deux jours dans le même ordre (les verrous des jours d'une demande sont pris
    ensemble, dans l'ordre des jours) : les mêmes familles ont les places, puis la même liste
    d'attente."""
    activite = ActiviteFactory(jours_ouverture="23", capacite=2, acceptation_automatique=True)
    inscriptions = [InscriptionFactory(activite=activite) for _ in range(FILS)]
    resultats = _en_parallele(
        [
            (
                lambda i=i: services.reservations_jours_demander(
                    inscription=i, jours=[JEUDI, MERCREDI], liste_attente=True, maintenant=AVANT
                )
            )
            for i in inscriptions
        ]
    )
    assert all(not r.refus for r in resultats), resultats
    ordres = {}
    for jour in (MERCREDI, JEUDI):
        lignes = list(
            Reservation.objects.filter(date=jour).order_by("pk").values_list("inscription_id", "etat")
        )
        assert [e for _i, e in lignes].count("acceptee") == 2
        assert [e for _i, e in lignes].count("en_attente") == FILS - 2
        assert [e for _i, e in lignes][:2] == ["acceptee", "acceptee"]
        ordres[jour] = [i for i, _e in lignes]
    assert ordres[MERCREDI] == ordres[JEUDI]
