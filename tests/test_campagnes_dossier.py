"""Le dossier de campagne d'une famille : fenêtre, étapes, écritures, page, isolement."""

import datetime
import html as html_lib
import types

import pytest
from django.urls import reverse

from commun.models import Audit
from demandes import campagnes, views_campagnes
from demandes.models import Demande
from enfants.models import DossierCampagne
from enfants.selectors import campagnes_ouvertes
from familles import services as familles_services
from familles.selectors import famille_habite_la_commune
from tests import factories

pytestmark = pytest.mark.django_db

PARIS = datetime.timezone(datetime.timedelta(hours=2))  # heure d'été
OUVERTURE = datetime.datetime(2027, 5, 3, 8, tzinfo=PARIS)
TOUS = datetime.datetime(2027, 5, 17, 8, tzinfo=PARIS)
FERMETURE = datetime.datetime(2027, 7, 6, 18, tzinfo=PARIS)
PENDANT = datetime.datetime(2027, 6, 1, 10, tzinfo=PARIS)


@pytest.fixture
def campagne(db):
    return factories.CampagneFactory(
        nom="Rentrée 2027", ouverture=OUVERTURE, ouverture_tous=TOUS, fermeture=FERMETURE
    )


def _horloge(monkeypatch, moment):
    """La page voit l'heure `moment` (le reste du portail garde la vraie : sessions…)."""
    monkeypatch.setattr(views_campagnes, "timezone", types.SimpleNamespace(now=lambda: moment))


def _non_habitant(parent):
    principal = parent.famille.responsable_principal
    principal.code_postal, principal.ville = "28000", "CHARTRES"
    principal.save()
    parent.famille.refresh_from_db()
    return parent


def _texte(reponse) -> str:
    return html_lib.unescape(reponse.content.decode())


def _url(campagne):
    return reverse("demandes:campagne", kwargs={"pk": campagne.pk})


# --- Contrat commun : qui habite la commune, campagnes ouvertes ------------------------


@pytest.mark.parametrize(
    ("code_postal", "ville", "habite"),
    [
        ("28300", "LÈVES", True),
        ("28300", "leves", True),
        ("28300", "Lèves", True),
        ("28300", "CHARTRES", False),
        ("28000", "LÈVES", False),
        ("", "", False),
    ],
)
def test_famille_habite_la_commune(parent, code_postal, ville, habite):
    principal = parent.famille.responsable_principal
    principal.code_postal, principal.ville = code_postal, ville
    principal.save()
    assert famille_habite_la_commune(famille=parent.famille) is habite


def test_sans_titulaire_la_famille_n_habite_pas_la_commune():
    assert famille_habite_la_commune(famille=factories.FamilleFactory()) is False


def test_campagnes_ouvertes_habitant_d_abord_puis_tous(parent, autre_parent, campagne):
    _non_habitant(autre_parent)
    avant = OUVERTURE - datetime.timedelta(seconds=1)
    assert campagnes_ouvertes(famille=parent.famille, maintenant=avant) == []
    assert campagnes_ouvertes(famille=parent.famille, maintenant=OUVERTURE) == [campagne]
    assert campagnes_ouvertes(famille=autre_parent.famille, maintenant=OUVERTURE) == []
    assert campagnes_ouvertes(famille=autre_parent.famille, maintenant=TOUS) == [campagne]
    # Fermée à 18:00 : refusée dès 18:00:00.
    assert campagnes_ouvertes(famille=parent.famille, maintenant=FERMETURE) == []
    assert campagnes_ouvertes(
        famille=parent.famille, maintenant=FERMETURE - datetime.timedelta(seconds=1)
    ) == [campagne]


# --- Fenêtre ----------------------------------------------------------------------------


def test_la_fenetre_se_dit_en_clair(parent, autre_parent, campagne):
    famille = parent.famille
    raison = campagnes.fenetre_raison(
        campagne=campagne, famille=famille, maintenant=OUVERTURE - datetime.timedelta(days=1)
    )
    assert raison == "La campagne ouvre le lundi 3 mai 2027 à 8 h 00."
    raison = campagnes.fenetre_raison(campagne=campagne, famille=famille, maintenant=FERMETURE)
    assert raison == "La campagne est close depuis le mardi 6 juillet 2027 à 18 h 00."
    assert campagnes.fenetre_raison(campagne=campagne, famille=famille, maintenant=PENDANT) is None
    _non_habitant(autre_parent)
    raison = campagnes.fenetre_raison(campagne=campagne, famille=autre_parent.famille, maintenant=OUVERTURE)
    assert raison.startswith(
        "Jusqu'au lundi 17 mai 2027 à 8 h 00, la campagne est réservée aux habitants de Lèves"
    )
    assert campagnes.fenetre_raison(campagne=campagne, famille=autre_parent.famille, maintenant=TOUS) is None


def test_fermee_a_18_h_la_campagne_refuse_a_18_h_00_01(parent, campagne):
    a_18_h_00_01 = FERMETURE + datetime.timedelta(seconds=1)
    with pytest.raises(campagnes.CampagneErreur) as erreur:
        campagnes.dossier_certifier(
            famille=parent.famille, campagne=campagne, utilisateur=parent, maintenant=a_18_h_00_01
        )
    assert erreur.value.message == "La campagne est close depuis le mardi 6 juillet 2027 à 18 h 00."
    assert not DossierCampagne.objects.exists()
    # Une seconde avant : accepté.
    campagnes.dossier_certifier(
        famille=parent.famille,
        campagne=campagne,
        utilisateur=parent,
        maintenant=FERMETURE - datetime.timedelta(seconds=1),
    )
    assert DossierCampagne.objects.get().certifie_le == FERMETURE - datetime.timedelta(seconds=1)


def test_fermee_a_18_h_la_page_refuse_le_post_et_le_dit(client_parent, parent, campagne, monkeypatch):
    _horloge(monkeypatch, FERMETURE + datetime.timedelta(seconds=1))
    reponse = client_parent.post(_url(campagne), {"action": "certifier", "certifie": "on"})
    html = _texte(reponse)
    assert reponse.status_code == 200
    assert "La campagne est close depuis le mardi 6 juillet 2027 à 18 h 00." in html
    assert "Dossier en lecture seule." in html
    assert not DossierCampagne.objects.exists()
    # En lecture seule : aucun formulaire d'écriture (hors déconnexion).
    assert 'name="action"' not in html


def test_non_habitant_refuse_avant_l_ouverture_a_tous_accepte_apres(
    client_parent, parent, campagne, monkeypatch
):
    _non_habitant(parent)
    _horloge(monkeypatch, OUVERTURE + datetime.timedelta(hours=1))
    html = _texte(client_parent.post(_url(campagne), {"action": "certifier", "certifie": "on"}))
    assert "réservée aux habitants de Lèves" in html and "lundi 17 mai 2027 à 8 h 00" in html
    assert not DossierCampagne.objects.exists()
    _horloge(monkeypatch, TOUS)
    reponse = client_parent.post(_url(campagne), {"action": "certifier", "certifie": "on"})
    assert reponse.status_code == 302
    assert DossierCampagne.objects.get(famille=parent.famille).certifie_le == TOUS


def test_avant_l_ouverture_la_page_est_en_lecture_seule_avec_la_date(client_parent, campagne, monkeypatch):
    _horloge(monkeypatch, OUVERTURE - datetime.timedelta(days=3))
    html = _texte(client_parent.get(_url(campagne)))
    assert "La campagne ouvre le lundi 3 mai 2027 à 8 h 00." in html
    assert "Envoyer mon dossier" not in html and 'name="action"' not in html


# --- Étapes -----------------------------------------------------------------------------


def _campagne_complete(parent, campagne):
    """Une pièce de la famille et un règlement demandés, un enfant."""
    piece = factories.TypePieceFactory(nom="Attestation d'assurance", concerne="famille")
    version = factories.VersionTexteFactory(texte__titre="Règlement intérieur")
    campagne.pieces_requises.set([piece])
    campagne.consentements_requis.set([version.texte])
    enfant = factories.EnfantFactory(famille=parent.famille, prenom="Léa")
    return piece, version, enfant


def _etapes(parent, campagne):
    page = campagnes.dossier_page(famille=parent.famille, campagne=campagne, maintenant=PENDANT)
    [court] = campagnes.avancements_ouverts(famille=parent.famille, maintenant=PENDANT, jour=PENDANT.date())
    assert court.faites == page.avancement.faites  # la page et le bloc « À faire » comptent pareil
    return page.avancement.faites


def test_les_etapes_se_comptent_une_a_une(parent, campagne):
    piece, version, enfant = _campagne_complete(parent, campagne)
    famille = parent.famille
    assert _etapes(parent, campagne) == [False] * 5
    campagnes.dossier_certifier(famille=famille, campagne=campagne, utilisateur=parent, maintenant=PENDANT)
    assert _etapes(parent, campagne) == [True, False, False, False, False]
    factories.piece_deposee(famille=famille, type_piece=piece)  # en vérification : l'étape est faite
    assert _etapes(parent, campagne) == [True, True, False, False, False]
    familles_services.consentement_donner(famille=famille, version=version, accepte=True, utilisateur=parent)
    assert _etapes(parent, campagne) == [True, True, True, False, False]
    factories.demande_creer(parent, "caf", {"quotient_familial": "640"})  # une autre demande ne compte pas
    Demande.objects.create(
        famille=famille,
        enfant=enfant,
        type="inscription_activite",
        donnees={"activite": campagne.activites.get().pk, "campagne": campagne.pk},
    )
    assert _etapes(parent, campagne) == [True, True, True, True, False]
    campagnes.dossier_envoyer(famille=famille, campagne=campagne, utilisateur=parent, maintenant=PENDANT)
    assert _etapes(parent, campagne) == [True] * 5


def test_un_texte_refuse_ou_une_nouvelle_version_defait_l_etape(parent, campagne):
    _piece, version, _enfant = _campagne_complete(parent, campagne)
    familles_services.consentement_donner(
        famille=parent.famille, version=version, accepte=True, utilisateur=parent
    )
    assert _etapes(parent, campagne)[2] is True
    factories.VersionTexteFactory(
        texte=version.texte, numero=version.numero + 1, en_vigueur_le=PENDANT.date()
    )
    assert _etapes(parent, campagne)[2] is False


def test_pas_d_inscription_cette_annee_et_inscription_existante(parent, campagne):
    _campagne_complete(parent, campagne)
    lea = parent.famille.enfants.get()
    tom = factories.EnfantFactory(famille=parent.famille, prenom="Tom")
    campagnes.dossier_sans_inscription(
        famille=parent.famille,
        campagne=campagne,
        enfant=lea,
        sans=True,
        utilisateur=parent,
        maintenant=PENDANT,
    )
    assert _etapes(parent, campagne)[3] is False
    factories.InscriptionFactory(
        enfant=tom,
        activite=campagne.activites.get(),
        date_debut=datetime.date(2027, 9, 2),
        date_fin=datetime.date(2028, 7, 6),
    )
    assert _etapes(parent, campagne)[3] is True
    assert Audit.objects.filter(action="Pas d'inscription cette année", famille=parent.famille).exists()


def test_envoyer_un_dossier_incomplet_est_refuse_avec_ce_qui_manque(parent, campagne):
    _campagne_complete(parent, campagne)
    with pytest.raises(campagnes.CampagneErreur) as erreur:
        campagnes.dossier_envoyer(
            famille=parent.famille, campagne=campagne, utilisateur=parent, maintenant=PENDANT
        )
    assert erreur.value.message == (
        "Votre dossier n'est pas encore complet ; il reste : Je confirme mon dossier famille, "
        "Pièces justificatives, Règlements et autorisations, Activités."
    )
    assert not DossierCampagne.objects.filter(soumis_le__isnull=False).exists()


# --- Pages ------------------------------------------------------------------------------


def test_le_parcours_dans_la_page(client_parent, parent, campagne, monkeypatch):
    _horloge(monkeypatch, PENDANT)
    enfant = factories.EnfantFactory(famille=parent.famille, prenom="Léa")
    url = _url(campagne)
    html = _texte(client_parent.get(url))
    assert '<h1 class="h3">Dossier 2027-2028</h1>' in html
    assert "À envoyer avant le mardi 6 juillet 2027 à 18 h 00." in html
    assert "2 étapes sur 5 faites." in html  # ni pièce ni texte demandés : faits d'office
    # Sans la case cochée : erreur en français, rien n'est enregistré.
    html = _texte(client_parent.post(url, {"action": "certifier"}))
    assert campagnes.MESSAGE_CERTIFIER in html
    assert not DossierCampagne.objects.filter(certifie_le__isnull=False).exists()
    reponse = client_parent.post(url, {"action": "certifier", "certifie": "on"}, follow=True)
    html = _texte(reponse)
    assert "Votre dossier famille est confirmé." in html
    assert "Dossier certifié exact le mardi 1 juin 2027 à 10 h 00 par" in html
    reponse = client_parent.post(url, {"action": "sans_inscription", "enfant": enfant.pk}, follow=True)
    assert "pas d'inscription cette année pour Léa" in _texte(reponse)
    reponse = client_parent.post(url, {"action": "envoyer"}, follow=True)
    html = _texte(reponse)
    assert "Votre dossier a été envoyé au CCAS le mardi 1 juin 2027 à 10 h 00." in html
    assert "5 étapes sur 5 faites." in html and "Envoyer mon dossier" not in html
    dossier = DossierCampagne.objects.get()
    assert dossier.soumis_par == parent
    assert Audit.objects.filter(action="Dossier de campagne envoyé", famille=parent.famille).exists()
    # Après l'envoi : plus d'écriture.
    client_parent.post(url, {"action": "avec_inscription", "enfant": enfant.pk})
    assert dossier.sans_inscription.filter(pk=enfant.pk).exists()


def test_une_famille_ne_voit_ni_ne_touche_le_dossier_d_une_autre(
    client, parent, autre_parent, campagne, monkeypatch
):
    _horloge(monkeypatch, PENDANT)
    enfant = factories.EnfantFactory(famille=parent.famille, prenom="Léa", nom="DUPONT")
    campagnes.dossier_certifier(
        famille=parent.famille, campagne=campagne, utilisateur=parent, maintenant=PENDANT
    )
    client.force_login(autre_parent)
    html = _texte(client.get(_url(campagne)))
    assert "Léa" not in html and "Dossier certifié exact" not in html
    # L'enfant d'une autre famille : refusé, rien n'est écrit.
    html = _texte(client.post(_url(campagne), {"action": "sans_inscription", "enfant": enfant.pk}))
    assert campagnes.MESSAGE_ENFANT_INCONNU in html
    assert not DossierCampagne.objects.filter(famille=autre_parent.famille).exists()
    assert not DossierCampagne.objects.get(famille=parent.famille).sans_inscription.exists()
