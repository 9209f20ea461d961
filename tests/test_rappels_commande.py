"""`manage.py rappels_envoyer` (issue 21) : les rappels dus, une seule fois chacun, enregistrés
(quoi, quand, quel canal, résultat), et la vue de l'administration de ce qui est parti."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from facturation.models import Facture
from familles.models import PieceJustificative
from messagerie.models import Notification
from tests.factories import (
    ActiviteFactory,
    CampagneFactory,
    EnfantFactory,
    FactureFactory,
    InscriptionFactory,
    UtilisateurFactory,
    agent_ccas,
    famille_avec_parent,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _envoyer(*args) -> str:
    import io

    sortie = io.StringIO()
    call_command("rappels_envoyer", *args, stdout=sortie)
    return sortie.getvalue()


@pytest.fixture
def dus():
    """Une facture disponible et à échéance dans 5 jours, une en retard, une payée ; une campagne
    dont les réservations ouvrent demain ; une pièce qui expire dans 10 jours."""
    aujourdhui = timezone.localdate()
    parent, autre = famille_avec_parent(), famille_avec_parent()
    a_regler = FactureFactory(famille=parent.famille, date_echeance=aujourdhui + datetime.timedelta(days=5))
    FactureFactory(famille=autre.famille, date_echeance=aujourdhui - datetime.timedelta(days=3))
    # Les vieilles factures ne sont plus « disponibles » (importées il y a longtemps).
    Facture.objects.update(date_import=timezone.now() - datetime.timedelta(days=30))
    Facture.objects.filter(pk=a_regler.pk).update(date_import=timezone.now())
    activite = ActiviteFactory()
    InscriptionFactory(enfant=EnfantFactory(famille=autre.famille), activite=activite)
    campagne = CampagneFactory(
        reservation_ouverture=timezone.now() + datetime.timedelta(hours=20),
        reservation_fermeture=timezone.now() + datetime.timedelta(days=20),
    )
    campagne.activites.add(activite)
    from tests.factories import TypePieceFactory

    PieceJustificative.objects.create(
        famille=parent.famille,
        type_piece=TypePieceFactory(),
        statut=PieceJustificative.Statut.VALIDEE,
        valide_jusqu_au=aujourdhui + datetime.timedelta(days=10),
    )
    return parent, autre


def test_la_commande_prevoit_et_envoie_chaque_rappel_du(dus):
    parent, autre = dus
    sortie = _envoyer()
    attendus = {
        (parent.famille_id, "facture"),
        (parent.famille_id, "echeance"),
        (parent.famille_id, "piece"),
        (autre.famille_id, "echeance"),
        (autre.famille_id, "reservations"),
    }
    assert set(Notification.objects.values_list("famille_id", "type")) == attendus
    assert set(Notification.objects.values_list("statut", flat=True)) == {"envoyee"}
    assert set(Notification.objects.values_list("canal", flat=True)) == {"courriel"}
    assert len(mail.outbox) == 5 and "5 notifications prévues" in sortie
    # Chaque ligne dit quoi, quand, par où, à qui.
    ligne = Notification.objects.get(famille=parent.famille, type="echeance")
    assert ligne.envoyee_le is not None and ligne.adresse and ligne.cle.startswith("echeance:")


def test_deux_passages_dans_l_heure_n_envoient_rien_deux_fois(dus):
    _envoyer()
    nombre, courriels = Notification.objects.count(), len(mail.outbox)
    sortie = _envoyer()
    assert Notification.objects.count() == nombre and len(mail.outbox) == courriels
    assert "0 notification prévue" in sortie


def test_une_facture_payee_n_est_pas_rappelee(dus):
    parent, _autre = dus
    from facturation.models import Affectation
    from tests.factories import ReglementFactory

    facture = Facture.objects.get(famille=parent.famille)
    reglement = ReglementFactory(famille=parent.famille, regie=facture.regie, montant=facture.montant)
    Affectation.objects.create(reglement=reglement, facture=facture, montant=facture.montant)
    _envoyer()
    assert not Notification.objects.filter(famille=parent.famille, type="echeance").exists()
    # Elle reste annoncée comme disponible (ce rappel ne dépend pas du paiement).
    assert Notification.objects.filter(famille=parent.famille, type="facture").exists()


def test_simulation_rien_n_est_enregistre(dus):
    sortie = _envoyer("--dry-run")
    assert "simulation" in sortie and not Notification.objects.exists() and mail.outbox == []


def test_les_notifications_en_attente_dont_l_heure_est_venue_sont_remises_en_file(dus):
    parent, _ = dus
    oubliee = Notification.objects.create(
        famille=parent.famille,
        adresse="x@example.org",
        date_creation=timezone.now() - datetime.timedelta(hours=2),
    )
    _envoyer()
    oubliee.refresh_from_db()
    assert oubliee.statut == "envoyee"


# --- Administration : ce qui est parti, ce qui a échoué ------------------------------------------


@pytest.mark.django_db
def test_l_agent_voit_ce_qui_est_parti_et_ce_qui_a_echoue(client, dus):
    parent, _ = dus
    Notification.objects.create(
        famille=parent.famille, statut="echec", derniere_erreur="EchecSMS: Brevo a répondu 503"
    )
    agent = agent_ccas()
    client.force_login(agent)
    url = reverse("admin:messagerie_notification_changelist")
    page = client.get(url, {"statut": "echec"}).content.decode()
    assert "Brevo a répondu 503" in page
    # Lecture seule : ni ajout ni modification.
    assert client.get(reverse("admin:messagerie_notification_add")).status_code == 403


@pytest.mark.django_db
def test_sans_droit_de_voir_pas_de_liste(client, dus):
    agent = UtilisateurFactory(is_staff=True, famille=None)
    agent.user_permissions.add(*Permission.objects.filter(codename="view_fil"))
    client.force_login(agent)
    assert client.get(reverse("admin:messagerie_notification_changelist")).status_code == 403
