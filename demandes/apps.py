from django.apps import AppConfig


class DemandesConfig(AppConfig):
    name = "demandes"
    verbose_name = "Demandes"

    def ready(self):
        # Les types de demande s'enregistrent dans le registre à l'import.
        # Le dossier de campagne s'ajoute au bloc « À faire » de l'accueil.
        from demandes import (  # noqa: F401
            campagnes,
            types_compte,
            types_enfants,
            types_inscriptions,
            types_planning,
        )
