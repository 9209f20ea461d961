"""Tâches de fond de la messagerie (framework de tâches de Django ; `manage.py db_worker`)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from messagerie import notifications, services

logger = logging.getLogger(__name__)


def _reessayer(notification_id: int, tentative: int) -> None:
    """Un nouvel essai plus tard, à délai doublé à chaque échec ; abandon au-delà du maximum."""
    if tentative >= settings.MESSAGERIE_NOTIFICATION_TENTATIVES_MAX:
        logger.error("Notification %s abandonnée après %s tentatives.", notification_id, tentative)
        notifications.notification_abandonner(notification_id=notification_id)
        return
    delai = timedelta(seconds=settings.MESSAGERIE_NOTIFICATION_DELAI * 2 ** (tentative - 1))
    tache = notification_envoyer_tache
    if tache.get_backend().supports_defer:
        tache = tache.using(run_after=timezone.now() + delai)
    tache.enqueue(notification_id=notification_id, tentative=tentative + 1)


@task()
def notification_envoyer_tache(notification_id: int, tentative: int = 1) -> bool:
    """Envoie une notification (courriel ou SMS) ; en cas d'échec, se reprogramme avec un délai
    croissant."""
    if notifications.notification_envoyer(notification_id=notification_id):
        return True
    _reessayer(notification_id, tentative)
    return False


@task()
def notifications_envoyer_tache(notification_ids: list[int]) -> bool:
    """Envoie un lot de notifications ; chaque échec a son propre nouvel essai plus tard."""
    tout_envoye = True
    for notification_id in notification_ids:
        if not notifications.notification_envoyer(notification_id=notification_id):
            tout_envoye = False
            _reessayer(notification_id, 1)
    return tout_envoye


@task()
def diffusion_executer_tache(diffusion_id: int) -> int:
    """Crée les messages d'une diffusion (un fil par famille destinataire)."""
    return services.diffusion_executer(diffusion_id=diffusion_id).nombre_familles


@task()
def attestations_fiscales_envoyer_tache(annee: int, agent_id: int | None = None) -> dict:
    """Dépose l'attestation de frais de garde de l'année chez chaque famille concernée (une fois)."""
    from familles.models import Utilisateur

    agent = Utilisateur.objects.filter(pk=agent_id).first() if agent_id else None
    return services.attestations_fiscales_envoyer(annee=annee, agent=agent)
