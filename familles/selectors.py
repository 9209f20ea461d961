"""Lectures des familles : toujours jointes, toujours bornées à une famille."""

from familles.models import Famille


def famille_detail(*, famille_id: int) -> Famille:
    """La famille avec ses responsables préchargés (deux requêtes, quel que soit l'usage)."""
    return Famille.objects.prefetch_related("responsables").get(pk=famille_id)

