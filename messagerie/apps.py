from django.apps import AppConfig


class MessagerieConfig(AppConfig):
    name = "messagerie"
    verbose_name = "Messagerie"

    def ready(self):
        from django.db.models.signals import post_migrate

        # Les listes du jour d'`enfants` ne montrent que les structures de l'agent (registre).
        from enfants.structures_agent import structures_agent_enregistrer
        from messagerie.selectors import structures_de_l_agent

        structures_agent_enregistrer(structures_de_l_agent)
        # Le compte d'un second responsable : les messages déjà reçus ne lui sont pas nouveaux.
        from familles.services import second_compte_cree_enregistrer
        from messagerie.services import messages_anterieurs_marquer

        second_compte_cree_enregistrer(messages_anterieurs_marquer)
        # Les déclencheurs qui tiennent le nombre de non-lus de chaque fil (`declencheurs`).
        post_migrate.connect(_declencheurs_installer, sender=self, dispatch_uid="messagerie_non_lus")


def _declencheurs_installer(sender, using="default", **kwargs):
    from messagerie import declencheurs

    declencheurs.installer(using=using)
