"""Anonymise les familles inactives (RGPD) ; `--dry-run` exécute la même purge et l'annule :
il liste les familles et compte ce qui serait effacé, sans rien écrire."""

from django.core.management.base import BaseCommand

from portail import purge


class Command(BaseCommand):
    help = (
        "Anonymise les familles inactives depuis PURGE_ANNEES_INACTIVITE ans (3 par défaut) : "
        "identités, coordonnées, santé, messages et demandes effacés ; factures et règlements "
        "conservés."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Liste les familles concernées sans rien modifier."
        )
        parser.add_argument(
            "--annees", type=int, default=None, help="Durée d'inactivité en années (défaut : le réglage)."
        )

    def handle(self, *args, dry_run=False, annees=None, **options):
        limite = purge.date_limite(annees=annees)
        rapport = purge.familles_purger(limite=limite, simulation=dry_run)
        verbe = "seraient anonymisées" if dry_run else "anonymisées"
        self.stdout.write(
            f"Familles inactives depuis le {limite:%d/%m/%Y} : {len(rapport.familles)} {verbe}."
        )
        for numero in rapport.familles:
            self.stdout.write(f"  - {numero}")
        # La simulation exécute le même code (puis l'annule) : ses comptes sont ceux d'une purge.
        self.stdout.write(
            f"{'Seraient effacés' if dry_run else 'Effacés'} : {rapport.enfants} fiches d'enfant "
            f"anonymisées, {rapport.messages} messages et fils, {rapport.demandes} demandes ; "
            f"{rapport.comptes} comptes désactivés ; {rapport.traces} traces de connexion de plus "
            "d'un an. Factures et règlements conservés."
        )
