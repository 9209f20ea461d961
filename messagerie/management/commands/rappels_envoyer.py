"""Prévoit les rappels dus (factures, réservations, documents) et les met en file d'envoi.

À lancer régulièrement (cron, toutes les heures par exemple) ; rejouable : un rappel déjà prévu
pour une famille et un canal ne l'est pas une seconde fois. `--dry-run` calcule les mêmes
rappels puis annule tout (rien n'est enregistré, rien ne part)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from commun.formats import nombre_fr
from messagerie import rappels


class Command(BaseCommand):
    help = "Prévoit les rappels dus (courriel, SMS) et les met en file d'envoi ; rejouable."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="dit ce qui serait prévu, sans rien prévoir"
        )

    def handle(self, *args, dry_run: bool, **options):
        with transaction.atomic():
            rapport = rappels.rappels_envoyer()
            if dry_run:
                transaction.set_rollback(True)
        detail = ", ".join(f"{sorte} : {nombre}" for sorte, nombre in sorted(rapport.prevues.items()))
        total = nombre_fr(rapport.total, "notification prévue", "notifications prévues")
        self.stdout.write(
            f"Rappels{' (simulation, rien enregistré)' if dry_run else ''} : {total}"
            f"{f' ({detail})' if detail else ''} ; remises en file : {rapport.relancees}."
        )
