"""Le site d'administration du CCAS : en français, double authentification pour les agents.

Module à part (sans enregistrement de modèles) : `default_site` l'importe pendant la découverte
des modules admin ; y enregistrer des modèles les perdrait.
"""

from django.conf import settings
from django.contrib import admin


class PortailAdminSite(admin.AdminSite):
    """Exige, quand ADMIN_DOUBLE_AUTHENTIFICATION est actif, un code TOTP vérifié.

    Le réglage est lu à chaque requête (et non à l'import) pour que les tests puissent le
    basculer ; en production il est actif par défaut.
    """

    site_title = "Portail Famille"
    index_title = "Administration du CCAS"
    # L'accueil de l'administration est la liste de travail de l'agent (portail.a_traiter).
    index_template = "admin/a_traiter.html"

    @property
    def site_header(self):
        return f"Portail Famille — {settings.NOM_CCAS}"

    def has_permission(self, request):
        autorise = super().has_permission(request)
        if autorise and settings.ADMIN_DOUBLE_AUTHENTIFICATION:
            return request.user.is_verified()
        return autorise

    def index(self, request, extra_context=None):
        # Importé ici : ce module est lu pendant la découverte des modules admin, avant les modèles.
        from portail import a_traiter

        extra_context = {
            **(extra_context or {}),
            "files_a_traiter": a_traiter.files_a_traiter(request=request, site=self),
            "outils_agent": a_traiter.outils_agent(request=request),
        }
        return super().index(request, extra_context)

    def get_urls(self):
        from django.urls import path

        from portail import statistiques

        return [
            path(
                "statistiques/",
                self.admin_view(statistiques.page),
                name="portail_statistiques",
            ),
            path(
                "statistiques/statistiques.csv",
                self.admin_view(statistiques.csv_telecharger),
                name="portail_statistiques_csv",
            ),
            *super().get_urls(),
        ]

    def login(self, request, extra_context=None):
        if settings.ADMIN_DOUBLE_AUTHENTIFICATION:
            from django_otp.admin import OTPAdminAuthenticationForm

            self.login_form = OTPAdminAuthenticationForm
            self.login_template = "admin/connexion_otp.html"
        else:
            self.login_form = None
            self.login_template = None
        return super().login(request, extra_context)
