"""Lectures des demandes, toujours bornées à une famille."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from demandes import registre
from demandes.models import Demande


def demandes(*, famille) -> QuerySet[Demande]:
    """Les demandes de la famille (annulées comprises), l'enfant joint."""
    return Demande.objects.filter(famille=famille).select_related("enfant")


def demandes_recentes(*, famille, cote: str, categorie: str | None = None) -> QuerySet[Demande]:
    """Liste des demandes : toutes celles en attente, et les décidées depuis moins d'un mois."""
    depuis = timezone.now() - timedelta(days=getattr(settings, "DEMANDES_DUREE_AFFICHAGE_JOURS", 31))
    codes = [t.code for t in registre.types(cote) if not categorie or t.categorie == categorie]
    return (
        demandes(famille=famille)
        .filter(type__in=codes)
        .exclude(statut=Demande.Statut.ANNULEE)
        .filter(Q(statut=Demande.Statut.EN_ATTENTE) | Q(cree_le__gte=depuis) | Q(decide_le__gte=depuis))
        .order_by("-cree_le", "-pk")
    )
