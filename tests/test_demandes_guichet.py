"""« Agir pour cette famille » (issue 22) : l'agent de l'accueil fait, pour une famille, une
demande, une réservation, une absence ou un dépôt de pièce, par les mêmes services ; chaque acte
est tracé à son nom et la famille le voit (« Fait par l'accueil du CCAS le … »)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commun.models import Audit
from demandes import guichet
from demandes.models import Demande
from enfants import services as planning
from enfants.models import Absence, Reservation
from familles.models import PieceJustificative
from tests import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def _accueil(agent):
    agent.user_permissions.add(Permission.objects.get(codename="agir_pour_famille"))
    return type(agent).objects.get(pk=agent.pk)  # permissions relues


@pytest.fixture
def agent_accueil():
    return _accueil(f.agent_ccas())


@pytest.fixture
def inscription(parent):
    return f.inscription_de_lea(parent.famille, nom="ALSH Mercredi", jours_ouverture="2")


def _mercredi_reservable(activite) -> datetime.date:
    jour = timezone.localdate() + datetime.timedelta(days=14)
    while jour.weekday() != 2 or planning.jour_ferme_raison(activite=activite, jour=jour) is not None:
        jour += datetime.timedelta(days=1)
    return jour


def _url(nom, famille):
    return reverse(f"admin:demandes_demande_{nom}", args=[famille.pk])


# --- Permission -------------------------------------------------------------------------------


def test_sans_la_permission_ni_lien_ni_page(client, parent, inscription):
    agent = f.agent_ccas()
    client.force_login(agent)
    fiche = client.get(reverse("admin:familles_famille_change", args=[parent.famille.pk])).content.decode()
    assert "Agir pour cette famille" not in fiche
    jour = _mercredi_reservable(inscription.activite)
    for nom in ("guichet", "guichet_demande", "guichet_planning", "guichet_piece"):
        assert client.get(_url(nom, parent.famille)).status_code == 403, nom
    reponse = client.post(
        _url("guichet_planning", parent.famille),
        {"action": "reserver", "inscription": inscription.pk, "date": jour.isoformat()},
    )
    assert reponse.status_code == 403
    assert not Reservation.objects.exists() and not Audit.objects.exists()
    # Le service revérifie la permission (une vue oubliée ne suffirait pas).
    with pytest.raises(PermissionDenied):
        guichet.guichet_reservation_demander(
            agent=agent, famille=parent.famille, inscription=inscription, date=jour
        )


def test_avec_la_permission_le_lien_et_le_bandeau(client, parent, agent_accueil):
    client.force_login(agent_accueil)
    fiche = client.get(reverse("admin:familles_famille_change", args=[parent.famille.pk])).content.decode()
    assert f'href="{_url("guichet", parent.famille)}"' in fiche
    html = client.get(_url("guichet", parent.famille)).content.decode()
    assert f"vous agissez pour la famille {parent.famille.numero}" in html
    assert "Quitter le guichet" in html
    # L'agent ne voit ni ne change le mot de passe de la famille depuis le guichet : aucun lien
    # vers le compte du parent ni vers son mot de passe (seul celui de l'agent, dans l'en-tête).
    assert reverse("admin:auth_user_password_change", args=[parent.pk]) not in html
    assert reverse("admin:familles_utilisateur_change", args=[parent.pk]) not in html
    assert 'type="password"' not in html


def test_une_famille_inconnue_en_404(client, agent_accueil):
    client.force_login(agent_accueil)
    assert client.get(reverse("admin:demandes_demande_guichet", args=[999999])).status_code == 404


# --- Réservation et absence ---------------------------------------------------------------------


def test_reservation_au_guichet_tracee_et_vue_par_la_famille(client, parent, agent_accueil, inscription):
    jour = _mercredi_reservable(inscription.activite)
    client.force_login(agent_accueil)
    reponse = client.post(
        _url("guichet_planning", parent.famille),
        {"action": "reserver", "inscription": inscription.pk, "date": jour.isoformat()},
    )
    assert reponse.status_code == 302, reponse.context["form"].errors
    reservation = Reservation.objects.get()
    assert reservation.demandee_par == agent_accueil and reservation.date == jour
    trace = Audit.objects.get(action="Au guichet : réservation demandée pour la famille")
    assert trace.auteur == agent_accueil and trace.famille == parent.famille
    assert trace.apres["Jour"] == f"{jour:%d/%m/%Y}"
    demande = Demande.objects.get(type="reservation")
    assert demande.cree_par == agent_accueil

    client.force_login(parent)
    html = client.get(reverse("demandes:liste"), {"cote": "enfants"}).content.decode()
    assert (
        "Fait par l&#x27;accueil du CCAS le " + timezone.localtime(demande.cree_le).strftime("%d/%m/%Y")
        in html
    )


def test_absence_au_guichet(client, parent, agent_accueil):
    inscription = f.inscription_de_lea(
        parent.famille, nom="Garderie soir", jours_ouverture="01234", jours_reguliers="01234"
    )
    jour = timezone.localdate() + datetime.timedelta(days=21)
    while jour.weekday() > 4 or planning.jour_ferme_raison(activite=inscription.activite, jour=jour):
        jour += datetime.timedelta(days=1)
    client.force_login(agent_accueil)
    url = _url("guichet_planning", parent.famille)
    # Sans motif : refusée par le formulaire, rien d'écrit.
    reponse = client.post(url, {"action": "absence", "inscription": inscription.pk, "date": jour.isoformat()})
    assert reponse.status_code == 200 and "Indiquez le motif de l&#x27;absence." in reponse.content.decode()
    assert not Absence.objects.exists()
    reponse = client.post(
        url, {"action": "absence", "inscription": inscription.pk, "date": jour.isoformat(), "motif": "Malade"}
    )
    assert reponse.status_code == 302
    absence = Absence.objects.get()
    assert absence.declaree_par == agent_accueil and absence.motif == "Malade"
    assert Audit.objects.filter(
        action="Au guichet : absence déclarée pour la famille", auteur=agent_accueil
    ).exists()


def test_les_regles_de_la_famille_s_appliquent_au_guichet(client, parent, agent_accueil, inscription):
    """Mêmes services : un jour hors inscription est refusé avec le message du portail."""
    client.force_login(agent_accueil)
    reponse = client.post(
        _url("guichet_planning", parent.famille),
        {"action": "reserver", "inscription": inscription.pk, "date": "2015-04-08"},
    )
    assert reponse.status_code == 200
    assert "errornote" in reponse.content.decode()
    assert not Reservation.objects.exists() and not Audit.objects.exists()


def test_l_inscription_d_une_autre_famille_est_refusee(client, parent, autre_parent, agent_accueil):
    autre = f.inscription_de_lea(autre_parent.famille, nom="ALSH", jours_ouverture="2")
    jour = _mercredi_reservable(autre.activite)
    client.force_login(agent_accueil)
    reponse = client.post(
        _url("guichet_planning", parent.famille),
        {"action": "reserver", "inscription": autre.pk, "date": jour.isoformat()},
    )
    assert reponse.status_code == 200  # choix invalide : pas dans les inscriptions de la famille
    assert not Reservation.objects.exists()
    with pytest.raises(PermissionDenied):
        guichet.guichet_reservation_demander(
            agent=agent_accueil, famille=parent.famille, inscription=autre, date=jour
        )


# --- Demande et pièce ---------------------------------------------------------------------------


def test_demande_au_guichet(client, parent, agent_accueil):
    client.force_login(agent_accueil)
    url = _url("guichet_demande", parent.famille) + "?type=caf"
    assert client.get(url).status_code == 200
    reponse = client.post(url, {"regime": "caf", "numero_allocataire": "1234567", "quotient_familial": "640"})
    assert reponse.status_code == 302, reponse.context["form"].errors
    demande = Demande.objects.get(type="caf")
    assert demande.cree_par == agent_accueil and demande.statut == Demande.Statut.EN_ATTENTE
    trace = Audit.objects.get(action="Au guichet : demande faite pour la famille")
    assert trace.auteur == agent_accueil and trace.famille == parent.famille
    fiche = client.get(reverse("admin:demandes_demande_change", args=[demande.pk])).content.decode()
    assert f"{agent_accueil.username} (agent, au guichet)" in fiche
    client.force_login(parent)
    assert "Fait par l&#x27;accueil du CCAS le" in client.get(reverse("demandes:liste")).content.decode()


def test_demande_pour_l_enfant_d_une_autre_famille_en_404(client, parent, autre_parent, agent_accueil):
    enfant = f.EnfantFactory(famille=autre_parent.famille)
    client.force_login(agent_accueil)
    url = _url("guichet_demande", parent.famille) + f"?type=enfant_lunettes&enfant={enfant.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"lunettes": "on"}).status_code == 404
    assert client.get(_url("guichet_demande", parent.famille) + "?type=inconnu").status_code == 404
    assert not Demande.objects.exists()


def test_donnees_sanitaires_reservees_aux_agents_habilites(client, parent, agent_accueil):
    enfant = f.EnfantFactory(famille=parent.famille)
    client.force_login(agent_accueil)
    url = _url("guichet_demande", parent.famille) + f"?type=enfant_sanitaire&enfant={enfant.pk}"
    assert client.get(url).status_code == 404  # ce type n'est pas proposé à cet agent


def test_piece_deposee_au_guichet(client, parent, agent_accueil):
    type_piece = f.TypePieceFactory(nom="Attestation d'assurance")
    client.force_login(agent_accueil)
    accueil = client.get(_url("guichet", parent.famille)).content.decode()
    url = _url("guichet_piece", parent.famille) + f"?type={type_piece.pk}"
    assert url.replace("&", "&amp;") in accueil or url in accueil
    fichier = SimpleUploadedFile("assurance.pdf", PDF, content_type="application/pdf")
    reponse = client.post(url, {"fichiers": [fichier]})
    assert reponse.status_code == 302, reponse.context["form"].errors
    piece = PieceJustificative.objects.get()
    assert piece.deposee_par == agent_accueil and piece.famille == parent.famille
    assert Audit.objects.filter(
        action="Au guichet : pièce déposée pour la famille", auteur=agent_accueil
    ).exists()


def test_piece_pour_l_enfant_d_une_autre_famille_en_404(client, parent, autre_parent, agent_accueil):
    type_piece = f.TypePieceFactory(nom="Carnet", concerne="enfant")
    enfant = f.EnfantFactory(famille=autre_parent.famille)
    client.force_login(agent_accueil)
    url = _url("guichet_piece", parent.famille) + f"?type={type_piece.pk}&enfant={enfant.pk}"
    assert client.get(url).status_code == 404
    assert not PieceJustificative.objects.exists()


# --- Requêtes constantes -------------------------------------------------------------------------


def _requetes(client, url) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


def test_les_pages_du_guichet_lisent_en_requetes_constantes(client, parent, agent_accueil):
    client.force_login(agent_accueil)
    f.inscription_de_lea(parent.famille, nom="ALSH 1", jours_ouverture="2")
    f.TypePieceFactory(nom="Assurance", concerne="enfant")
    urls = [_url("guichet", parent.famille), _url("guichet_planning", parent.famille)]
    avant = [_requetes(client, url) for url in urls]
    for i in range(4):
        f.inscription_de_lea(parent.famille, nom=f"ALSH {i + 2}", jours_ouverture="2")
    apres = [_requetes(client, url) for url in urls]
    assert apres == avant


# --- Le calendrier des champs de date ------------------------------------------------------------


def test_le_formulaire_du_guichet_charge_le_calendrier_de_l_administration(client, parent, agent_accueil):
    """Le champ « Jour » (AdminDateWidget) a besoin, comme dans une fiche de l'administration, de
    widgets.css (l'icône, le calendrier), des traductions du JavaScript (jsi18n) et de `media` :
    celui de l'administration (core.js) et celui du widget (calendar.js, DateTimeShortcuts.js)."""
    client.force_login(agent_accueil)
    reponse = client.get(_url("guichet_planning", parent.famille))
    html = reponse.content.decode()
    assert 'class="vDateField"' in html
    assert str(reponse.context["media"]) in html
    tete = html.split("</head>")[0]
    for attendu in (
        'href="/static/admin/css/widgets.css"',
        f'src="{reverse("admin:jsi18n")}"',
        'src="/static/admin/js/core.js"',
        'src="/static/admin/js/calendar.js"',
        'src="/static/admin/js/admin/DateTimeShortcuts.js"',
    ):
        assert attendu in tete, attendu
    # Chaque script une seule fois, les traductions avant les scripts qui les lisent.
    assert tete.count("admin/js/calendar.js") == 1 and tete.count("admin/js/core.js") == 1
    assert tete.index(reverse("admin:jsi18n")) < tete.index("admin/js/calendar.js")


def test_les_autres_formulaires_du_guichet_ont_aussi_leur_media(client, parent, agent_accueil):
    client.force_login(agent_accueil)
    type_piece = f.TypePieceFactory(nom="Assurance", concerne="famille")
    reponse = client.get(_url("guichet_piece", parent.famille), {"type": type_piece.pk})
    assert reponse.status_code == 200
    tete = reponse.content.decode().split("</head>")[0]
    assert str(reponse.context["media"]) in tete and 'src="/static/admin/js/core.js"' in tete
