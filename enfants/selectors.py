"""Lectures des enfants, toujours bornées à une famille."""

from django.db.models import QuerySet

from enfants.models import Enfant


def enfants(*, famille) -> QuerySet[Enfant]:
    """Les enfants de la famille, du plus âgé au plus jeune."""
    return Enfant.objects.filter(famille=famille).order_by("date_naissance", "prenom")


def enfants_fiche(*, famille) -> QuerySet[Enfant]:
    """Les enfants avec toute leur fiche jointe (nombre de requêtes constant)."""
    return enfants(famille=famille).select_related(
        "autorisations", "donnees_sanitaires"
    ).prefetch_related("personnes_autorisees", "vaccinations")
