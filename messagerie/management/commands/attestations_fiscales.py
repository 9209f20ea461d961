"""Envoie en masse les attestations de frais de garde d'une année : un message dans la boîte de
réception de chaque famille concernée, le PDF en pièce jointe. Rejouable : une famille qui a
déjà reçu l'attestation de l'année ne la reçoit pas deux fois."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commun.formats import nombre_fr
from facturation import attestations
from familles.models import Famille
from messagerie import services
from messagerie.models import AttestationEnvoyee


class Command(BaseCommand):
    help = "Dépose l'attestation de frais de garde de l'année dans la boîte de chaque famille concernée."

    def add_arguments(self, parser):
        parser.add_argument("--annee", type=int, required=True, help="année civile (finie) : 2025")
        parser.add_argument(
            "--dry-run", action="store_true", help="dit ce qui serait envoyé, sans rien envoyer"
        )

    def handle(self, *args, annee: int, dry_run: bool, **options):
        if not attestations.annee_disponible(annee):
            raise CommandError(
                f"L'année {annee} n'est pas finie : son attestation sera disponible à partir du "
                f"1er janvier {annee + 1}."
            )
        if not settings.CCAS_SIRET and not dry_run:
            raise CommandError("Réglage CCAS_SIRET vide : le SIRET doit figurer sur l'attestation.")
        deja = set(AttestationEnvoyee.objects.filter(annee=annee).values_list("famille_id", flat=True))
        envoyees = ignorees = sans_objet = 0
        for famille_id in attestations.familles_concernees(annee=annee):
            if famille_id in deja:
                ignorees += 1
                continue
            famille = Famille.objects.get(pk=famille_id)
            if dry_run:
                if attestations.attestation(famille=famille, annee=annee).enfants:
                    envoyees += 1
                else:
                    sans_objet += 1
                continue
            if services.attestation_fiscale_envoyer(famille=famille, annee=annee) is None:
                sans_objet += 1
            else:
                envoyees += 1
        verbe = "seraient envoyées" if dry_run else "envoyée(s)"
        self.stdout.write(
            f"Attestations {annee} : {nombre_fr(envoyees, 'famille', 'familles')} — {verbe} ; "
            f"{ignorees} déjà envoyée(s) (ignorées) ; {sans_objet} sans frais à attester "
            f"({timezone.localtime():%d/%m/%Y %H:%M})."
        )
