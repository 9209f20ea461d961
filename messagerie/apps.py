from django.apps import AppConfig


class MessagerieConfig(AppConfig):
    name = "messagerie"
    verbose_name = "Messagerie"

    def ready(self):
        # Les listes du jour d'`enfants` ne montrent que les structures de l'agent (registre).
        from enfants.structures_agent import structures_agent_enregistrer
        from messagerie.selectors import structures_de_l_agent

        structures_agent_enregistrer(structures_de_l_agent)
