"""Conditions d'accès à la réservation, réglées par activité (issue 18, point 6) : pièces
validées le jour réservé, textes acceptés dans leur version en vigueur, factures impayées ; le
refus dit ce qui manque, avec les liens, et le planning le dit avant toute demande."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commun.models import Audit
from enfants import conditions, services
from enfants.models import Activite, Reservation
from familles.models import Consentement
from tests import factories
from tests.formulaires import donnees_admin

pytestmark = pytest.mark.django_db

JOUR = datetime.date(2027, 1, 6)  # un mercredi
MAINTENANT = timezone.make_aware(datetime.datetime(2026, 12, 10, 10, 0))
AUJOURDHUI = MAINTENANT.date()


@pytest.fixture
def famille():
    return factories.famille_avec_parent().famille


@pytest.fixture
def inscription(famille):
    activite = factories.ActiviteFactory(
        nom="ALSH du mercredi", jours_ouverture="2", acceptation_automatique=True, capacite=10
    )
    enfant = factories.EnfantFactory(famille=famille, prenom="Léa")
    return factories.InscriptionFactory(enfant=enfant, activite=activite)


def _reserver(inscription, jour=JOUR):
    return services.reservation_demander(inscription=inscription, date=jour, maintenant=MAINTENANT)


def _refus(inscription, jour=JOUR) -> ValidationError:
    with pytest.raises(ValidationError) as erreur:
        _reserver(inscription, jour)
    assert not Reservation.objects.filter(inscription=inscription).exists(), "un refus n'écrit rien"
    assert erreur.value.code == "conditions"
    return erreur.value


def _assurance(inscription):
    type_piece = factories.TypePieceFactory(nom="Attestation d'assurance", concerne="famille")
    inscription.activite.pieces_exigees.add(type_piece)
    return type_piece


def _reglement(inscription, numero=2, depuis=datetime.date(2026, 12, 1)):
    texte = factories.TexteConsentementFactory(titre="Règlement intérieur de l'ALSH")
    versions = [
        factories.VersionTexteFactory(
            texte=texte, numero=n, en_vigueur_le=depuis - datetime.timedelta(days=30 * (numero - n))
        )
        for n in range(1, numero + 1)
    ]
    inscription.activite.textes_exiges.add(texte)
    return texte, versions


def _accepter(famille, version, accepte=True):
    Consentement.objects.create(famille=famille, version=version, accepte=accepte, signataire="DUPONT Jean")


# --- Sans réglage : rien ne change -------------------------------------------------------


def test_sans_condition_la_reservation_passe(inscription):
    assert _reserver(inscription).etat == Reservation.Etat.ACCEPTEE


def test_hors_inscription_le_refus_dit_qu_il_faut_une_inscription_acceptee(inscription):
    inscription.date_fin = datetime.date(2026, 12, 31)
    inscription.save()
    with pytest.raises(ValidationError) as erreur:
        _reserver(inscription)
    assert erreur.value.code == "non_inscrit"
    assert "inscription acceptée" in erreur.value.messages[0]


# --- Pièces ----------------------------------------------------------------------------------


def test_la_condition_nomme_la_piece_manquante_et_le_jour(inscription):
    _assurance(inscription)
    message = _refus(inscription).messages[0]
    assert message == (
        "Pour réserver le mercredi 6 janvier 2027 (ALSH du mercredi), il manque : "
        "« Attestation d'assurance » valable ce jour-là (Documents à fournir)."
    )


def test_une_piece_validee_qui_couvre_le_jour_suffit(inscription, famille):
    type_piece = _assurance(inscription)
    factories.piece_deposee(famille=famille, type_piece=type_piece, statut="validee", valide_jusqu_au=JOUR)
    assert _reserver(inscription).etat == Reservation.Etat.ACCEPTEE


def test_une_piece_validee_qui_expire_avant_le_jour_ne_suffit_pas(inscription, famille):
    type_piece = _assurance(inscription)
    veille = JOUR - datetime.timedelta(days=1)
    factories.piece_deposee(famille=famille, type_piece=type_piece, statut="validee", valide_jusqu_au=veille)
    message = _refus(inscription).messages[0]
    assert "« Attestation d'assurance » valable ce jour-là (la pièce validée expire le 05/01/2027)" in message
    # Le jour d'avant, elle suffit.
    assert _reserver(inscription, veille - datetime.timedelta(days=6)).etat == Reservation.Etat.ACCEPTEE


def test_une_piece_en_cours_de_verification_ne_suffit_pas(inscription, famille):
    type_piece = _assurance(inscription)
    factories.piece_deposee(famille=famille, type_piece=type_piece, statut="en_attente")
    assert "en cours de vérification" in _refus(inscription).messages[0]


def test_une_piece_refusee_ne_suffit_pas_et_le_motif_est_dit(inscription, famille):
    type_piece = _assurance(inscription)
    factories.piece_deposee(famille=famille, type_piece=type_piece, statut="refusee", motif="Illisible.")
    assert "refusée : Illisible." in _refus(inscription).messages[0]


def test_une_piece_de_l_enfant_est_celle_de_cet_enfant(inscription, famille):
    carnet = factories.TypePieceFactory(nom="Carnet de vaccinations", concerne="enfant")
    inscription.activite.pieces_exigees.add(carnet)
    frere = factories.EnfantFactory(famille=famille, prenom="Tom")
    factories.piece_deposee(famille=famille, type_piece=carnet, enfant=frere, statut="validee")
    message = _refus(inscription).messages[0]
    assert "« Carnet de vaccinations » de Léa valable ce jour-là" in message
    factories.piece_deposee(famille=famille, type_piece=carnet, enfant=inscription.enfant, statut="validee")
    assert _reserver(inscription).etat == Reservation.Etat.ACCEPTEE


def test_une_piece_sous_condition_n_est_exigee_que_si_elle_est_demandee(inscription):
    jugement = factories.TypePieceFactory(nom="Jugement de résidence", condition="parents_separes")
    inscription.activite.pieces_exigees.add(jugement)
    assert _reserver(inscription).etat == Reservation.Etat.ACCEPTEE


def test_la_piece_d_une_autre_famille_ne_compte_pas(inscription):
    type_piece = _assurance(inscription)
    autre = factories.famille_avec_parent().famille
    factories.piece_deposee(famille=autre, type_piece=type_piece, statut="validee")
    assert "Attestation d'assurance" in _refus(inscription).messages[0]


# --- Textes ----------------------------------------------------------------------------------


def test_version_1_acceptee_version_2_en_vigueur_refuse(inscription, famille):
    texte, (v1, v2) = _reglement(inscription)
    _accepter(famille, v1)
    message = _refus(inscription).messages[0]
    assert "« Règlement intérieur de l'ALSH », version 2, à accepter (Règlements et consentements)" in message
    _accepter(famille, v2)
    assert _reserver(inscription).etat == Reservation.Etat.ACCEPTEE


def test_une_version_pas_encore_en_vigueur_n_est_pas_exigee(inscription, famille):
    _texte, (v1, _v2) = _reglement(inscription, depuis=AUJOURDHUI + datetime.timedelta(days=5))
    _accepter(famille, v1)
    assert _reserver(inscription).etat == Reservation.Etat.ACCEPTEE


def test_un_texte_refuse_reste_a_accepter(inscription, famille):
    _texte, (_v1, v2) = _reglement(inscription)
    _accepter(famille, v2, accepte=False)
    assert "version 2, à accepter (vous l'avez refusé)" in _refus(inscription).messages[0]


def test_l_acceptation_d_une_autre_famille_ne_compte_pas(inscription):
    _texte, (_v1, v2) = _reglement(inscription)
    _accepter(factories.famille_avec_parent().famille, v2)
    assert "version 2" in _refus(inscription).messages[0]


def test_le_message_dit_tout_ce_qui_manque_a_la_fois(inscription):
    _assurance(inscription)
    _reglement(inscription)
    assert _refus(inscription).messages[0] == (
        "Pour réserver le mercredi 6 janvier 2027 (ALSH du mercredi), il manque : "
        "« Attestation d'assurance » valable ce jour-là (Documents à fournir) ; "
        "« Règlement intérieur de l'ALSH », version 2, à accepter (Règlements et consentements)."
    )


# --- Impayés ---------------------------------------------------------------------------------


def _impayee(famille, jours_de_retard, montant="45.20"):
    echeance = AUJOURDHUI - datetime.timedelta(days=jours_de_retard)
    return factories.FactureFactory(
        famille=famille,
        numero=f"AL-{jours_de_retard}",
        date_facture=echeance - datetime.timedelta(days=30),
        date_echeance=echeance,
        montant=Decimal(montant),
    )


def _bloquer(inscription, jours):
    inscription.activite.blocage_impayes_jours = jours
    inscription.activite.save()


def test_un_impaye_de_n_plus_un_jours_bloque(inscription, famille):
    _bloquer(inscription, 10)
    _impayee(famille, 11)
    message = _refus(inscription).messages[0]
    assert "le règlement de la facture AL-11 (échéance du 29/11/2026, reste 45,20\u00a0€ à payer)" in message
    assert "appelez le CCAS au 02 37 180 180 (Relevé de compte)" in message


def test_un_impaye_de_n_jours_ne_bloque_pas(inscription, famille):
    _bloquer(inscription, 10)
    _impayee(famille, 10)
    assert _reserver(inscription).etat == Reservation.Etat.ACCEPTEE


def test_sans_reglage_un_vieil_impaye_ne_bloque_jamais(inscription, famille):
    assert factories.ActiviteFactory().blocage_impayes_jours is None  # désactivé par défaut
    _impayee(famille, 400)
    assert _reserver(inscription).etat == Reservation.Etat.ACCEPTEE


def test_une_facture_payee_ne_bloque_pas(inscription, famille):
    from facturation.models import Affectation

    _bloquer(inscription, 0)
    facture = _impayee(famille, 30)
    reglement = factories.ReglementFactory(famille=famille, regie=facture.regie, montant=facture.montant)
    Affectation.objects.create(reglement=reglement, facture=facture, montant=facture.montant)
    assert _reserver(inscription).etat == Reservation.Etat.ACCEPTEE


def test_le_message_donne_le_telephone_de_la_structure(inscription, famille):
    structure = inscription.activite.structure
    structure.telephone = "02 37 00 11 22"
    structure.save()
    _bloquer(inscription, 0)
    _impayee(famille, 1)
    assert f"appelez {structure.nom} au 02 37 00 11 22" in _refus(inscription).messages[0]


def test_l_impaye_d_une_autre_famille_ne_bloque_pas(inscription):
    _bloquer(inscription, 0)
    _impayee(factories.famille_avec_parent().famille, 90)
    assert _reserver(inscription).etat == Reservation.Etat.ACCEPTEE


# --- Plusieurs jours -------------------------------------------------------------------------


def test_plusieurs_jours_refuses_pour_la_meme_raison_un_seul_message(inscription):
    _assurance(inscription)
    jours = [JOUR, JOUR + datetime.timedelta(days=7)]
    resultat = services.reservations_jours_demander(
        inscription=inscription, jours=jours, maintenant=MAINTENANT
    )
    assert resultat.reservations == []
    messages = conditions.refus_regrouper(resultat.refus)
    assert messages == [
        "Pour réserver les mercredi 6 janvier 2027, mercredi 13 janvier 2027 (ALSH du mercredi), il "
        "manque : « Attestation d'assurance » valable ce jour-là (Documents à fournir)."
    ]


# --- Pages : liens, échappement, bandeau ---------------------------------------------------


def _mercredi_du_mois_prochain():
    mois = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return mois + datetime.timedelta(days=(2 - mois.weekday()) % 7 + 7)


@pytest.fixture
def inscription_parent(parent):
    activite = factories.ActiviteFactory(
        nom="ALSH <mercredi> & co", jours_ouverture="2", acceptation_automatique=True
    )
    enfant = factories.EnfantFactory(famille=parent.famille, prenom="Léa")
    return factories.InscriptionFactory(enfant=enfant, activite=activite)


def test_la_page_de_reservation_montre_le_refus_avec_ses_liens(client_parent, inscription_parent):
    type_piece = _assurance(inscription_parent)
    jour = _mercredi_du_mois_prochain()
    url = reverse("enfants:reservation_demander", kwargs={"pk": inscription_parent.pk})
    reponse = client_parent.post(url, {"date": jour.isoformat()})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert f'<a href="{reverse("familles:pieces")}#piece-{type_piece.pk}">Documents à fournir</a>' in html
    # Le nom de l'activité vient des données : échappé, jamais du HTML.
    assert "(ALSH &lt;mercredi&gt; &amp; co), il manque" in html
    assert "<mercredi>" not in html
    assert not Reservation.objects.exists()


def test_les_jours_coches_refuses_s_affichent_avec_leurs_liens(client_parent, inscription_parent, parent):
    texte, _versions = _reglement(inscription_parent, depuis=timezone.localdate())
    jour = _mercredi_du_mois_prochain()
    url = reverse("enfants:jours_reserver", kwargs={"pk": inscription_parent.pk})
    reponse = client_parent.post(url, {"jours": [jour.isoformat()]}, follow=True)
    html = reponse.content.decode()
    lien = reverse("familles:consentement", kwargs={"pk": texte.pk})
    assert f'(<a href="{lien}">Règlements et consentements</a>)' in html
    assert html.count(lien) >= 2  # le message et le bandeau


def test_le_planning_montre_ce_qui_manque_avant_de_reserver(client_parent, inscription_parent):
    _assurance(inscription_parent)
    jour = _mercredi_du_mois_prochain()
    url = reverse(
        "enfants:planning",
        kwargs={"pk": inscription_parent.enfant_id, "annee": jour.year, "mois": jour.month},
    )
    html = client_parent.get(url).content.decode()
    assert 'id="conditions-reservation"' in html
    assert (
        "Pour réserver (ALSH &lt;mercredi&gt; &amp; co), il manque : « Attestation d&#x27;assurance »" in html
    )


def test_le_planning_sans_condition_n_a_pas_de_bandeau(client_parent, inscription_parent):
    jour = _mercredi_du_mois_prochain()
    url = reverse(
        "enfants:planning",
        kwargs={"pk": inscription_parent.enfant_id, "annee": jour.year, "mois": jour.month},
    )
    assert 'id="conditions-reservation"' not in client_parent.get(url).content.decode()


def _requetes_du_planning(client, enfant, jour):
    url = reverse("enfants:planning", kwargs={"pk": enfant.pk, "annee": jour.year, "mois": jour.month})
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


def test_le_bandeau_coute_un_nombre_constant_de_requetes(client_parent, parent):
    """Deux requêtes de plus quand une activité exige un texte (textes exigés et leur version,
    réponses de la famille) ; deux de plus quand d'autres exigent aussi des pièces (types,
    dépôts de la famille) et bloquent sur les impayés (factures) : jamais une par activité."""
    jour = _mercredi_du_mois_prochain()
    enfant = factories.EnfantFactory(famille=parent.famille)
    type_piece = factories.TypePieceFactory(nom="Attestation d'assurance")
    texte, _ = _reglement(
        factories.InscriptionFactory(enfant=enfant, activite=factories.ActiviteFactory(jours_ouverture="2"))
    )
    sans_condition = factories.InscriptionFactory(
        enfant=factories.EnfantFactory(famille=parent.famille),
        activite=factories.ActiviteFactory(jours_ouverture="2"),
    )
    sans = _requetes_du_planning(client_parent, sans_condition.enfant, jour)
    une = _requetes_du_planning(client_parent, enfant, jour)
    for _ in range(2):
        activite = factories.ActiviteFactory(jours_ouverture="2", blocage_impayes_jours=5)
        activite.pieces_exigees.add(type_piece)
        activite.textes_exiges.add(texte)
        factories.InscriptionFactory(enfant=enfant, activite=activite)
    trois = _requetes_du_planning(client_parent, enfant, jour)
    assert une == sans + 2
    assert trois == une + 3  # les pièces (types, dépôts) et les factures : une fois chacune


# --- Administration --------------------------------------------------------------------------


def test_l_agent_regle_les_conditions_dans_la_fiche_de_l_activite_et_c_est_trace(client):
    agent = factories.agent_ccas(username="agent")
    client.force_login(agent)
    activite = factories.ActiviteFactory(nom="ALSH du mercredi", jours_ouverture="2")
    type_piece = factories.TypePieceFactory(nom="Attestation d'assurance")
    texte = factories.TexteConsentementFactory(titre="Règlement intérieur de l'ALSH")
    url = reverse("admin:enfants_activite_change", args=[activite.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for nom in ("pieces_exigees", "textes_exiges", "blocage_impayes_jours"):
        assert f'name="{nom}"' in html

    donnees = donnees_admin(page)
    donnees.update(
        {"pieces_exigees": [type_piece.pk], "textes_exiges": [texte.pk], "blocage_impayes_jours": "15"}
    )
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    activite.refresh_from_db()
    assert list(activite.pieces_exigees.all()) == [type_piece]
    assert list(activite.textes_exiges.all()) == [texte]
    assert activite.blocage_impayes_jours == 15
    entree = Audit.objects.get(objet__contains="ALSH du mercredi")
    assert "Attestation d'assurance" in str(entree.apres)


def test_un_parent_n_ouvre_pas_la_fiche_de_l_activite(client_parent):
    activite = factories.ActiviteFactory()
    reponse = client_parent.get(reverse("admin:enfants_activite_change", args=[activite.pk]))
    assert reponse.status_code == 302
    assert "/connexion" in reponse["Location"] or "login" in reponse["Location"]


def test_chaque_activite_bloque_selon_son_propre_delai(famille, inscription):
    """Deux activités de la même famille, 5 et 30 jours : une facture en retard de 10 jours ne
    bloque que la première (le bandeau les lit ensemble, en une requête de factures)."""
    _bloquer(inscription, 5)
    tolerante = factories.ActiviteFactory(nom="Garderie", blocage_impayes_jours=30)
    autre = factories.InscriptionFactory(enfant=inscription.enfant, activite=tolerante)
    _impayee(famille, 10)
    messages = conditions.bandeau(inscriptions=[inscription, autre], jour=JOUR, maintenant=MAINTENANT)
    assert [m.activite for m in messages] == ["ALSH du mercredi"]
    assert "AL-10" in messages[0]


def test_sans_condition_la_verification_ne_coute_qu_une_requete(inscription, django_assert_num_queries):
    """Une activité sans réglage : une requête (pièces ou textes exigés ?), rien d'autre."""
    activite = Activite.objects.get(pk=inscription.activite_id)
    inscription = type(inscription).objects.select_related("enfant").get(pk=inscription.pk)
    with django_assert_num_queries(1):
        conditions.conditions_reservation_verifier(
            inscription=inscription, activite=activite, jour=JOUR, maintenant=MAINTENANT
        )
