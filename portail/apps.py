from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortailConfig(AppConfig):
    default = True
    name = "portail"
    verbose_name = "Portail"

    def ready(self):
        # Le compteur des connexions des familles (statistiques du portail).
        from portail import statistiques  # noqa: F401


class PortailAdminConfig(admin_apps.AdminConfig):
    """L'administration Django, servie par le site du portail (double authentification)."""

    default = False
    default_site = "portail.sites.PortailAdminSite"
