from django.apps import AppConfig


class DemandesConfig(AppConfig):
    name = "demandes"
    verbose_name = "Demandes"

    def ready(self):
        # Les types de demande s'enregistrent dans le registre à l'import.
        # Le dossier de campagne et les places proposées s'ajoutent au bloc « À faire » de l'accueil.
        from demandes import (  # noqa: F401
            campagnes,
            places_proposees,
            types_compte,
            types_enfants,
            types_inscriptions,
            types_planning,
        )
