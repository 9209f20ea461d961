from django.apps import AppConfig


class EnfantsConfig(AppConfig):
    name = "enfants"
    verbose_name = "Enfants"
