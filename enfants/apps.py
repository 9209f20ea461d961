from django.apps import AppConfig


class EnfantsConfig(AppConfig):
    name = "enfants"
    verbose_name = "Enfants"

    def ready(self):
        # Les listes d'attente des jours : signaux des modèles (capacité, inscriptions) et
        # traitement des propositions expirées (registre de `enfants.listes_attente`).
        from enfants.services import planning  # noqa: F401
