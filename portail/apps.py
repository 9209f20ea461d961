from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortailConfig(AppConfig):
    default = True
    name = "portail"
    verbose_name = "Portail"

    def ready(self):
        from django.db.models.signals import post_migrate

        # Le compteur des connexions des familles (statistiques du portail).
        from portail import statistiques  # noqa: F401

        # Les déclencheurs qui tiennent la version des données de chaque famille (clé des caches
        # par famille), recalculés depuis les modèles après chaque migration.
        post_migrate.connect(_versions_installer, sender=self, dispatch_uid="portail_versions")


# Les applications du portail dont les tables montent la version des familles, et les tables
# qu'aucune page mise en cache ne lit (écrites souvent : les monter viderait les caches pour rien).
APPLICATIONS_VERSIONNEES = (
    "familles",
    "enfants",
    "facturation",
    "messagerie",
    "demandes",
    "commun",
    "portail",
)
TABLES_SANS_VERSION = ("commun.Audit", "portail.ConnexionsSemaine")


def _versions_installer(sender, using="default", **kwargs):
    from commun import versions
    from familles.models import Famille

    versions.installer(
        racine=Famille, applications=APPLICATIONS_VERSIONNEES, exclus=TABLES_SANS_VERSION, using=using
    )


class PortailAdminConfig(admin_apps.AdminConfig):
    """L'administration Django, servie par le site du portail (double authentification)."""

    default = False
    default_site = "portail.sites.PortailAdminSite"
