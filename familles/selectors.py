"""Lectures des familles : toujours jointes, toujours bornées à une famille."""

from django.db.models import QuerySet

from familles.models import Famille, Responsable


def famille_detail(*, famille_id: int) -> Famille:
    """La famille avec ses responsables préchargés (deux requêtes, quel que soit l'usage)."""
    return Famille.objects.prefetch_related("responsables").get(pk=famille_id)


def responsables(*, famille: Famille) -> QuerySet[Responsable]:
    """Les responsables d'une famille, le titulaire du compte d'abord."""
    return Responsable.objects.filter(famille=famille).order_by("-role")
