"""Exporte en CSV les mandats SEPA nouveaux, amendés et révoqués pas encore exportés."""

import io

from django.core.management.base import BaseCommand
from django.db import transaction

from facturation.services import mandats_exporter


class Command(BaseCommand):
    help = "Exporte (une seule fois chacun) les mandats SEPA nouveaux, amendés et révoqués en CSV."

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="Chemin du fichier CSV à écrire")

    def handle(self, *args, fichier, **options):
        # Tout ou rien : les mouvements ne sont marqués exportés que si le fichier est écrit (une
        # écriture impossible annule la transaction ; ils restent à exporter).
        tampon = io.StringIO()
        with transaction.atomic():
            nombre = mandats_exporter(sortie=tampon)
            with open(fichier, "w", encoding="utf-8", newline="") as sortie:
                sortie.write(tampon.getvalue())
        self.stdout.write(f"{nombre} mouvement(s) de mandat exporté(s) dans {fichier}.")
