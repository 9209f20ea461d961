"""Bloc « À faire » : une place proposée en cours (un jour, une inscription) est une ligne urgente
qui mène à la page de réponse ; elle disparaît une fois répondue ou expirée, et n'apparaît jamais
chez une autre famille."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from demandes.models import Demande
from familles.a_faire import elements_a_faire
from tests.aides_inscriptions import demander, enfant_de, garderie
from tests.factories import ActiviteFactory, EnfantFactory, InscriptionFactory, ReservationFactory

pytestmark = pytest.mark.django_db

JOUR = datetime.date(2027, 1, 6)  # un mercredi


def _jour_propose(famille, *, limite=None, prenom="Léa"):
    activite = ActiviteFactory(nom="ALSH du mercredi", jours_ouverture="2")
    inscription = InscriptionFactory(activite=activite, enfant=EnfantFactory(famille=famille, prenom=prenom))
    return ReservationFactory(
        inscription=inscription,
        date=JOUR,
        etat="proposee",
        proposee_le=timezone.now(),
        proposition_limite=limite or timezone.now() + datetime.timedelta(hours=24),
    )


def _inscription_proposee(parent, *, limite=None, nom="Garderie du matin"):
    demande = demander(parent, enfant_de(parent, prenom="Tom"), garderie(nom=nom))
    Demande.objects.filter(pk=demande.pk).update(
        statut=Demande.Statut.PROPOSEE,
        proposition_limite=limite or timezone.now() + datetime.timedelta(hours=24),
    )
    return demande


def _places(famille):
    return [e for e in elements_a_faire(famille=famille) if e.libelle.startswith("Place proposée")]


def test_un_jour_propose_est_une_ligne_urgente_avec_le_lien(client_parent, parent):
    reservation = _jour_propose(parent.famille)
    (element,) = _places(parent.famille)
    assert element.libelle == "Place proposée pour Léa le mercredi 6 janvier 2027 à l'ALSH du mercredi"
    assert element.detail.startswith("À accepter avant le ")
    assert element.urgent
    url = reverse("enfants:proposition", kwargs={"pk": reservation.pk})
    assert element.url == url
    html = client_parent.get("/").content.decode()
    assert f'<li class="a-faire-urgent"><a href="{url}">Place proposée' in html


def test_une_inscription_proposee_est_une_ligne_urgente_avec_le_lien(parent):
    demande = _inscription_proposee(parent)
    (element,) = _places(parent.famille)
    assert element.libelle == "Place proposée à l'activité Garderie du matin pour Tom (inscription)"
    assert element.urgent
    assert element.url == reverse("demandes:proposition", kwargs={"pk": demande.pk})


def test_les_places_passent_avant_le_reste_la_plus_pressee_d_abord(parent):
    from tests.factories import piece_deposee

    piece_deposee(famille=parent.famille, statut="refusee", motif="Illisible")
    maintenant = timezone.now()
    _inscription_proposee(parent, limite=maintenant + datetime.timedelta(hours=2))
    _jour_propose(parent.famille, limite=maintenant + datetime.timedelta(hours=1))
    elements = elements_a_faire(famille=parent.famille)
    assert [e.libelle.endswith("(inscription)") for e in elements[:2]] == [False, True]
    assert all(e.libelle.startswith("Place proposée") for e in elements[:2])
    assert not elements[2].libelle.startswith("Place proposée")


def test_la_ligne_disparait_une_fois_repondue_ou_expiree(parent):
    reservation = _jour_propose(parent.famille)
    demande = _inscription_proposee(parent)
    assert len(_places(parent.famille)) == 2
    reservation.etat = "acceptee"
    reservation.save(update_fields=["etat"])
    Demande.objects.filter(pk=demande.pk).update(statut=Demande.Statut.ACCEPTEE)
    assert _places(parent.famille) == []
    passe = timezone.now() - datetime.timedelta(minutes=1)
    _jour_propose(parent.famille, limite=passe)
    _inscription_proposee(parent, limite=passe, nom="Garderie du soir")
    assert _places(parent.famille) == []


def test_une_autre_famille_ne_voit_jamais_la_place(client_parent, parent, autre_parent):
    _jour_propose(autre_parent.famille)
    _inscription_proposee(autre_parent)
    assert _places(parent.famille) == []
    assert "Place proposée" not in client_parent.get("/").content.decode()


def test_les_deux_sortes_coutent_une_seule_requete(parent):
    _jour_propose(parent.famille)
    _inscription_proposee(parent)
    _places(parent.famille)  # le responsable de la famille, lu une fois puis gardé
    with CaptureQueriesContext(connection) as une:
        assert len(_places(parent.famille)) == 2
    for i in range(3):
        _jour_propose(parent.famille)
        _inscription_proposee(parent, nom=f"Garderie n° {i}")
    with CaptureQueriesContext(connection) as quatre:
        assert len(_places(parent.famille)) == 8
    assert len(quatre) == len(une)
    unions = [q["sql"] for q in quatre.captured_queries if "UNION ALL" in q["sql"]]
    assert len(unions) == 1 and "enfants_reservation" in unions[0] and "demandes_demande" in unions[0]
