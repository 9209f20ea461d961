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

    @property
    def site_header(self):
        return f"Portail Famille — {settings.NOM_CCAS}"

    def has_permission(self, request):
        autorise = super().has_permission(request)
        if autorise and settings.ADMIN_DOUBLE_AUTHENTIFICATION:
            return request.user.is_verified()
        return autorise

    def login(self, request, extra_context=None):
        if settings.ADMIN_DOUBLE_AUTHENTIFICATION:
            from django_otp.admin import OTPAdminAuthenticationForm

            self.login_form = OTPAdminAuthenticationForm
            self.login_template = "admin/connexion_otp.html"
        else:
            self.login_form = None
            self.login_template = None
        return super().login(request, extra_context)
