"""L'authentification du portail : celle de Django, la famille lue avec l'utilisateur."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PortailBackend(ModelBackend):
    """Chaque requête d'un parent recharge son compte depuis la session ; la famille vient dans
    la même requête SQL (jointure) au lieu d'une seconde (docs/performance.md)."""

    def get_user(self, user_id):
        modele = get_user_model()
        try:
            utilisateur = modele._default_manager.select_related("famille").get(pk=user_id)
        except modele.DoesNotExist:
            return None
        return utilisateur if self.user_can_authenticate(utilisateur) else None
