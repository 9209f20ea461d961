from django.core.management.base import BaseCommand, CommandError

from facturation import paiement


class Command(BaseCommand):
    help = (
        "Rapproche avec les prestataires : encaisse les paiements de ces derniers jours dont la "
        "notification n'est jamais arrivée (sessions payées chez Stripe, opérations PayFiP "
        "demandées une à une)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jours", type=int, default=3)

    def handle(self, *args, jours=3, **options):
        if not paiement.rapprochement_possible():
            raise CommandError(
                "Aucun prestataire à rapprocher : ni Stripe (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET), "
                "ni régie PayFiP."
            )
        rattrapees = paiement.rapprocher(jours=jours)
        self.stdout.write(f"{rattrapees} session(s) payée(s) rattrapée(s) sur les {jours} derniers jours.")
