from django.apps import AppConfig


class DemandesConfig(AppConfig):
    name = "demandes"
    verbose_name = "Demandes"

    def ready(self):
        # Les types de demande s'enregistrent dans le registre à l'import.
        from demandes import types_compte, types_enfants, types_inscriptions, types_planning  # noqa: F401
