from django.apps import AppConfig


class CommunConfig(AppConfig):
    name = "commun"
    verbose_name = "Journal d'audit"

    def ready(self):
        from commun import journal  # noqa: F401  (branche les signaux du journal de sécurité)
