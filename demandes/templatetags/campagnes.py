"""Le lien vers le dossier des campagnes ouvertes, dans le menu de Mon compte.

Le menu est un gabarit de `familles` (qui ne connaît pas les campagnes) : il charge cette
bibliothèque. Une requête par page (les campagnes ouvertes à la famille), gardée sur la requête
HTTP si le menu est rendu deux fois. Le lien reste après l'envoi du dossier (le dossier envoyé se
consulte jusqu'à la fermeture de la campagne).
"""

from dataclasses import dataclass

from django import template
from django.urls import reverse

from demandes.campagnes import titre_dossier
from enfants.selectors import campagnes_ouvertes

register = template.Library()


@dataclass(frozen=True)
class LienDossier:
    pk: int
    titre: str
    url: str


@register.simple_tag(takes_context=True)
def dossiers_ouverts(context) -> list[LienDossier]:
    """Les dossiers des campagnes ouvertes à la famille connectée (« Dossier 2027-2028 »)."""
    request = context.get("request")
    famille = getattr(request, "famille", None)
    if famille is None:
        return []
    liens = getattr(request, "_dossiers_ouverts", None)
    if liens is None:
        liens = [
            LienDossier(
                pk=c.pk,
                titre=titre_dossier(c),
                url=reverse("demandes:campagne", kwargs={"pk": c.pk}),
            )
            for c in campagnes_ouvertes(famille=famille)
        ]
        request._dossiers_ouverts = liens
    return liens
