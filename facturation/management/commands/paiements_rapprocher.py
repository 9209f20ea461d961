from django.core.management.base import BaseCommand, CommandError

from facturation import paiement


class Command(BaseCommand):
    help = (
        "Rapproche avec Stripe : encaisse les sessions payées ces derniers jours dont "
        "l'événement n'est jamais arrivé (webhook perdu)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jours", type=int, default=3)

    def handle(self, *args, jours=3, **options):
        if not paiement.stripe_configure():
            raise CommandError("Stripe n'est pas configuré (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET).")
        rattrapees = paiement.rapprocher(jours=jours)
        self.stdout.write(f"{rattrapees} session(s) payée(s) rattrapée(s) sur les {jours} derniers jours.")
