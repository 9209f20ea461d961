"""Listes d'attente sous concurrence (PostgreSQL, verrous de ligne) : une place libérée au dernier
moment est proposée une seule fois au premier de la liste, même quand deux places se libèrent au
même instant (deux propositions, à deux familles différentes) ; jamais plus de réservations
acceptées et proposées que de places."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from enfants import services
from enfants.models import Reservation
from messagerie.models import Message
from tests.aides import en_parallele
from tests.factories import ActiviteFactory, InscriptionFactory, ReservationFactory, UtilisateurFactory
from tests.test_listes_attente import _mercredi_a_venir

pytestmark = pytest.mark.django_db(transaction=True)

JOUR = _mercredi_a_venir()


@pytest.fixture(autouse=True)
def _fenetre_de_course_elargie(monkeypatch):
    """Entre le comptage des places et l'écriture, on laisse le temps aux autres fils de compter :
    sans verrou, ils verraient tous la même place libre (voir test_enfants_planning_concurrence)."""
    if connection.vendor != "postgresql":
        return
    compter = services.places_occupees

    def lent(**kwargs):
        resultat = compter(**kwargs)
        time.sleep(0.5)
        return resultat

    monkeypatch.setattr(services.planning, "places_occupees", lent)


def _en_parallele(fonctions):
    return en_parallele(fonctions, erreurs=(ValidationError,))


def _journee(*, capacite, attente):
    activite = ActiviteFactory(jours_ouverture="2", capacite=capacite, acceptation_automatique=True)
    places = [
        ReservationFactory(inscription=InscriptionFactory(activite=activite), date=JOUR)
        for _ in range(capacite)
    ]
    file = [
        services.reservation_demander(
            inscription=InscriptionFactory(activite=activite), date=JOUR, liste_attente=True
        )
        for _ in range(attente)
    ]
    return activite, places, file


def _etats(reservations):
    return [Reservation.objects.get(pk=r.pk).etat for r in reservations]


def _tenues(activite) -> int:
    return Reservation.objects.filter(
        inscription__activite=activite, date=JOUR, etat__in=["acceptee", "proposee"]
    ).count()


def _messages(reservation) -> int:
    return Message.objects.filter(fil__famille=reservation.inscription.enfant.famille_id).count()


def test_deux_annulations_au_meme_instant_deux_propositions_a_deux_familles():
    activite, places, file = _journee(capacite=2, attente=3)
    agent = UtilisateurFactory()
    _en_parallele(
        [(lambda p=p: services.reservation_acceptee_annuler(reservation=p, agent=agent)) for p in places]
    )
    assert _etats(file) == ["proposee", "proposee", "en_attente"]
    assert len({r.inscription.enfant.famille_id for r in file[:2]}) == 2
    # Chaque famille proposée est prévenue une fois, la troisième pas du tout.
    assert [_messages(r) for r in file] == [1, 1, 0]
    assert _tenues(activite) == 2


def test_une_place_liberee_au_dernier_moment_est_proposee_une_seule_fois():
    """L'annulation et la relance (capacité revue, commande des listes d'attente) au même instant :
    une seule proposition, au premier de la liste."""
    activite, places, file = _journee(capacite=1, attente=2)
    agent = UtilisateurFactory()
    _en_parallele(
        [
            lambda: services.reservation_acceptee_annuler(reservation=places[0], agent=agent),
            lambda: services.listes_attente_relancer(activite=activite),
            lambda: services.listes_attente_relancer(activite=activite),
        ]
    )
    assert _etats(file) == ["proposee", "en_attente"]
    assert [_messages(r) for r in file] == [1, 0]
    assert _tenues(activite) == 1


def test_accepter_et_expirer_en_meme_temps_l_un_ou_l_autre():
    activite, places, file = _journee(capacite=1, attente=2)
    services.reservation_acceptee_annuler(reservation=places[0], agent=UtilisateurFactory())
    premiere = Reservation.objects.get(pk=file[0].pk)
    limite = premiere.proposition_limite
    _en_parallele(
        [
            lambda: services.proposition_accepter(reservation=premiere, maintenant=limite),
            lambda: services.propositions_expirees_traiter(maintenant=limite),
        ]
    )
    # À la limite, la proposition est expirée : jamais acceptée ET passée au suivant.
    assert _etats(file) == ["annulee", "proposee"]
    assert _tenues(activite) == 1


def test_demandes_et_liberations_melangees_jamais_plus_que_la_capacite():
    activite, places, file = _journee(capacite=2, attente=2)
    agent = UtilisateurFactory()
    nouvelles = [InscriptionFactory(activite=activite) for _ in range(4)]
    _en_parallele(
        [(lambda p=p: services.reservation_acceptee_annuler(reservation=p, agent=agent)) for p in places]
        + [
            (lambda i=i: services.reservation_demander(inscription=i, date=JOUR, liste_attente=True))
            for i in nouvelles
        ]
    )
    assert _tenues(activite) == 2
    # Les deux premières de la liste (arrivées avant) reçoivent les places, pas les nouvelles.
    assert _etats(file) == ["proposee", "proposee"]
    assert Reservation.objects.filter(inscription__in=nouvelles, etat="en_attente").count() == 4
