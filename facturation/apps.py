from django.apps import AppConfig


class FacturationConfig(AppConfig):
    name = "facturation"
    verbose_name = "Facturation"

    def ready(self):
        # La condition « factures impayées » des réservations (registre d'`enfants`).
        from facturation import checks, conditions_reservation  # noqa: F401
