from django.apps import AppConfig


class FacturationConfig(AppConfig):
    name = "facturation"
    verbose_name = "Facturation"

    def ready(self):
        # La condition « factures impayées » des réservations (registre d'`enfants`).
        # Les jours des périodes exportées vers la facturation, clos pour les familles.
        from enfants.clotures import cloture_enregistrer
        from facturation import checks, conditions_reservation  # noqa: F401
        from facturation.exportation import jour_clos
        from facturation.exportation.consommations import suppressions_suivre

        cloture_enregistrer(jour_clos)
        # Une suppression sur un jour clos fait recalculer la période au prochain export.
        suppressions_suivre()
