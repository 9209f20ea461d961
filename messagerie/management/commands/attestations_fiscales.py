"""Envoie en masse les attestations de frais de garde d'une année : un message dans la boîte de
réception de chaque famille concernée, le PDF en pièce jointe. Rejouable : une famille qui a
déjà reçu l'attestation de l'année ne la reçoit pas deux fois."""

from django.core.management.base import BaseCommand, CommandError

from commun.formats import nombre_fr
from messagerie import services


class Command(BaseCommand):
    help = "Dépose l'attestation de frais de garde de l'année dans la boîte de chaque famille concernée."

    def add_arguments(self, parser):
        parser.add_argument("--annee", type=int, required=True, help="année civile (finie) : 2025")
        parser.add_argument(
            "--dry-run", action="store_true", help="dit ce qui serait envoyé, sans rien envoyer"
        )

    def handle(self, *args, annee: int, dry_run: bool, **options):
        erreur = services.attestations_fiscales_refus(annee=annee, simulation=dry_run)
        if erreur:
            raise CommandError(erreur)
        compte = services.attestations_fiscales_envoyer(annee=annee, simulation=dry_run)
        envoyees = nombre_fr(compte["envoyees"], "famille", "familles")
        self.stdout.write(
            f"Attestations {annee} {'à envoyer (simulation, rien envoyé)' if dry_run else 'envoyées'} : "
            f"{envoyees} ; déjà envoyées (ignorées) : {compte['deja_envoyees']} ; "
            f"sans frais à attester : {compte['sans_objet']}."
        )
