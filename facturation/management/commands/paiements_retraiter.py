from django.core.management.base import BaseCommand, CommandError

from facturation import paiement
from facturation.models import EvenementPaiement


class Command(BaseCommand):
    help = "Retraite les événements de paiement en ligne restés en échec."

    def handle(self, *args, **options):
        resultats = paiement.evenements_retraiter()
        echecs = [e for e in resultats if e.statut == EvenementPaiement.Statut.ECHEC]
        self.stdout.write(
            f"{len(resultats) - len(echecs)} événement(s) traité(s), {len(echecs)} toujours en échec."
        )
        if echecs:
            for evenement in echecs:
                self.stderr.write(f"{evenement.evenement_id} : {evenement.erreur}")
            raise CommandError("Des événements restent en échec.")
