import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.tasks import default_task_backend

from familles.models import Responsable
from messagerie import services
from messagerie.models import Fil, Notification
from messagerie.tasks import notification_envoyer_tache
from tests.factories import fil_avec_messages

pytestmark = pytest.mark.django_db

TEXTE_SECRET = "Le PAI de Léa est à renouveler avant le 12 mai"


class ServeurEnPanne(EmailBackend):
    """Un serveur de courriel qui échoue `pannes` fois, puis fonctionne."""

    pannes = 0

    def send_messages(self, messages):
        if ServeurEnPanne.pannes > 0:
            ServeurEnPanne.pannes -= 1
            raise smtplib.SMTPServerDisconnected("Connexion perdue")
        return super().send_messages(messages)


@pytest.fixture
def taches(settings):
    """Les tâches sont mises en file (DummyBackend) ; le test exécute la file à la main."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


def _executer_la_file(backend):
    """Le travail du worker : exécuter les tâches en attente, dans l'ordre."""
    executees = 0
    while backend.results:
        resultat = backend.results.pop(0)
        resultat.task.call(*resultat.args, **resultat.kwargs)
        executees += 1
    return executees


def test_le_courriel_part_apres_validation_en_tache_sans_contenu(
    parent, agent, taches, django_capture_on_commit_callbacks, settings
):
    settings.PORTAIL_URL = "https://portail.leves.fr"
    fil = fil_avec_messages(famille=parent.famille, recus=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_structure_repondre(fil=fil, agent=agent, texte=TEXTE_SECRET)
        # Rien n'est envoyé dans la requête : ni avant, ni pendant la transaction.
        assert mail.outbox == [] and taches.results == []
    assert mail.outbox == []  # toujours rien : la tâche attend le worker
    assert len(taches.results) == 1
    assert _executer_la_file(taches) == 1
    assert len(mail.outbox) == 1
    courriel = mail.outbox[0]
    principal = parent.famille.responsables.get(role=Responsable.Role.PRINCIPAL)
    assert courriel.to == [principal.email]
    assert "Un nouveau message vous attend sur le Portail Famille" in courriel.body
    assert "https://portail.leves.fr/messagerie/" in courriel.body
    tout = courriel.subject + courriel.body
    for secret in (TEXTE_SECRET, "PAI", fil.objet, principal.nom, principal.prenom, parent.famille.numero):
        assert secret not in tout
    assert Notification.objects.get().envoyee_le is not None


def test_pas_de_courriel_quand_la_famille_ne_l_accepte_pas(
    parent, agent, taches, django_capture_on_commit_callbacks
):
    Responsable.objects.filter(famille=parent.famille).update(autorisation_courriel=False)
    fil = fil_avec_messages(famille=parent.famille, recus=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_structure_repondre(fil=fil, agent=agent, texte="Réponse")
    assert taches.results == [] and not Notification.objects.exists()
    _executer_la_file(taches)
    assert mail.outbox == []
    # Le message lui-même est bien arrivé.
    assert fil.messages.filter(de_la_famille=False).count() == 1


def test_un_message_du_parent_ne_declenche_pas_de_courriel(
    parent, taches, django_capture_on_commit_callbacks
):
    fil = fil_avec_messages(famille=parent.famille, recus=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_famille_repondre(fil=fil, auteur=parent, texte="Merci")
    assert taches.results == []


def test_serveur_en_panne_le_courriel_est_retente_et_le_message_conserve(
    parent, agent, taches, django_capture_on_commit_callbacks, settings
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.ServeurEnPanne"}}
    ServeurEnPanne.pannes = 2
    with django_capture_on_commit_callbacks(execute=True):
        fil = services.message_systeme_envoyer(
            famille=parent.famille, objet="Votre demande", texte="Votre demande a été acceptée."
        )
    # 1re tentative : panne → la tâche se reprogramme plus tard.
    premiere = taches.results.pop(0)
    assert premiere.task.call(**premiere.kwargs) is False
    notification = Notification.objects.get()
    assert notification.tentatives == 1 and notification.envoyee_le is None
    assert "SMTPServerDisconnected" in notification.derniere_erreur
    relance = taches.results[0]
    assert relance.kwargs == {"notification_id": notification.pk, "tentative": 2}
    assert relance.task.run_after is not None
    # 2e panne puis succès.
    assert _executer_la_file(taches) == 2
    notification.refresh_from_db()
    assert notification.tentatives == 3 and notification.envoyee_le is not None
    assert notification.derniere_erreur == ""
    assert len(mail.outbox) == 1
    # Le message n'a jamais dépendu du courriel.
    assert Fil.objects.get(pk=fil.pk).messages.get().texte == "Votre demande a été acceptée."


def test_abandon_apres_le_nombre_maximal_de_tentatives(parent, taches, settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.ServeurEnPanne"}}
    settings.MESSAGERIE_NOTIFICATION_TENTATIVES_MAX = 3
    ServeurEnPanne.pannes = 10
    notification = Notification.objects.create(famille=parent.famille)
    notification_envoyer_tache.call(notification_id=notification.pk)
    assert _executer_la_file(taches) == 2
    notification.refresh_from_db()
    assert notification.tentatives == 3 and notification.envoyee_le is None
    assert taches.results == [] and mail.outbox == []
    ServeurEnPanne.pannes = 0


def test_message_systeme_dans_la_boite_de_la_famille(client_parent, parent):
    services.message_systeme_envoyer(
        famille=parent.famille, objet="Demande acceptée", texte="Votre changement d'adresse est accepté."
    )
    page = client_parent.get("/messagerie/").content.decode()
    assert "Demande acceptée" in page and "CCAS de Lèves" in page
    assert "1 nouveau message" in page


def test_la_tache_de_notification_tourne_avec_le_backend_immediat(
    parent, agent, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    fil = fil_avec_messages(famille=parent.famille, recus=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_structure_repondre(fil=fil, agent=agent, texte="Réponse")
    assert len(mail.outbox) == 1
