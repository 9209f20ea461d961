"""Le tableau de bord d'une campagne (administration) : chiffres, droits, requêtes constantes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from demandes.models import Demande
from enfants.models import DossierCampagne
from tests import factories

pytestmark = pytest.mark.django_db


def _url(campagne):
    return reverse("admin:enfants_campagne_tableau_de_bord", args=[campagne.pk])


def _demande(famille, enfant, activite, campagne, statut="en_attente"):
    return Demande.objects.create(
        famille=famille,
        enfant=enfant,
        type="inscription_activite",
        statut=statut,
        donnees={"activite": activite.pk, "campagne": campagne.pk},
    )


def _remplir(campagne, activite, type_piece, n):
    """n familles : dossier envoyé, une demande acceptée, une en liste d'attente, une pièce à vérifier."""
    for _ in range(n):
        parent = factories.famille_avec_parent()
        famille = parent.famille
        enfant = factories.EnfantFactory(famille=famille)
        DossierCampagne.objects.create(famille=famille, campagne=campagne, soumis_le=timezone.now())
        _demande(famille, enfant, activite, campagne, "acceptee")
        _demande(famille, factories.EnfantFactory(famille=famille), activite, campagne, "liste_attente")
        factories.piece_deposee(famille=famille, type_piece=type_piece)


def test_le_tableau_de_bord_compte_dossiers_pieces_demandes_et_listes_d_attente(client, agent):
    activite = factories.ActiviteFactory(nom="ALSH été", places_inscription=2)
    campagne = factories.CampagneFactory(nom="Rentrée 2027", activites=[activite])
    piece = factories.TypePieceFactory(nom="Attestation d'assurance")
    campagne.pieces_requises.set([piece])
    _remplir(campagne, activite, piece, 2)
    # Une famille qui a envoyé, sans pièce en attente : complète ; une qui a seulement commencé.
    complete = factories.famille_avec_parent().famille
    factories.EnfantFactory(famille=complete)
    DossierCampagne.objects.create(famille=complete, campagne=campagne, soumis_le=timezone.now())
    commencee = factories.famille_avec_parent().famille
    _demande(commencee, factories.EnfantFactory(famille=commencee), activite, campagne)
    factories.EnfantFactory()  # une famille invitée qui n'a rien fait
    client.force_login(agent)
    reponse = client.get(_url(campagne))
    assert reponse.status_code == 200
    tableau = reponse.context["tableau"]
    assert (tableau.invitees, tableau.commencees, tableau.envoyees, tableau.completes) == (5, 4, 3, 1)
    assert tableau.pieces_en_attente == 2
    [ligne] = tableau.activites
    assert ligne.par_statut == {"acceptee": 2, "liste_attente": 2, "en_attente": 1}
    assert ligne.restantes == 0
    assert len(tableau.listes_attente) == 2
    html = reponse.content.decode()
    assert reverse("admin:familles_piecejustificative_changelist") + "?statut=en_attente" in html
    # Le lien depuis la liste et la fiche de la campagne.
    assert _url(campagne) in client.get(reverse("admin:enfants_campagne_changelist")).content.decode()
    fiche = client.get(reverse("admin:enfants_campagne_change", args=[campagne.pk])).content.decode()
    assert _url(campagne) in fiche


def test_le_tableau_de_bord_a_un_nombre_de_requetes_constant(client, agent):
    activite = factories.ActiviteFactory()
    campagne = factories.CampagneFactory(activites=[activite])
    piece = factories.TypePieceFactory()
    campagne.pieces_requises.set([piece])
    client.force_login(agent)
    _remplir(campagne, activite, piece, 1)
    with CaptureQueriesContext(connection) as un:
        assert client.get(_url(campagne)).status_code == 200
    _remplir(campagne, activite, piece, 8)
    campagne.activites.add(*factories.ActiviteFactory.create_batch(3))
    with CaptureQueriesContext(connection) as beaucoup:
        assert client.get(_url(campagne)).status_code == 200
    assert len(un) == len(beaucoup), [q["sql"][:80] for q in beaucoup.captured_queries]


def test_un_agent_sans_droit_ne_voit_pas_le_tableau_de_bord(client):
    campagne = factories.CampagneFactory()
    client.force_login(factories.UtilisateurFactory(is_staff=True))
    assert client.get(_url(campagne)).status_code == 403
    client.force_login(factories.famille_avec_parent())
    assert client.get(_url(campagne)).status_code == 302  # vers la connexion de l'administration
