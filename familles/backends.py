"""L'authentification du portail : celle de Django, la famille et son responsable titulaire lus
avec l'utilisateur."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import FilteredRelation, OuterRef, Q, Subquery

from commun.models import Version
from commun.versions import COMMUNE
from familles.models import Responsable


class PortailBackend(ModelBackend):
    """Chaque requête d'un parent recharge son compte depuis la session ; la famille et son
    responsable titulaire (affiché par l'accueil, le planning, Mon compte) viennent dans la même
    requête SQL (jointures) au lieu de deux autres (docs/performance.md)."""

    def get_user(self, user_id):
        modele = get_user_model()
        try:
            utilisateur = (
                modele._default_manager.select_related("famille")
                .annotate(
                    principal=FilteredRelation(
                        "famille__responsables",
                        condition=Q(famille__responsables__role=Responsable.Role.PRINCIPAL),
                    )
                )
                .select_related("principal")
                # Les versions des données de la famille et des données communes : la clé des
                # caches par famille (commun.cache_famille), lues avant toute donnée de la page.
                .annotate(
                    version_famille=Subquery(
                        Version.objects.filter(cle=OuterRef("famille_id")).values("valeur")[:1]
                    ),
                    version_commune=Subquery(Version.objects.filter(cle=COMMUNE).values("valeur")[:1]),
                )
                .get(pk=user_id)
            )
        except modele.DoesNotExist:
            return None
        if utilisateur.famille is not None:
            utilisateur.famille.principal_charge(getattr(utilisateur, "principal", None))
        return utilisateur if self.user_can_authenticate(utilisateur) else None
