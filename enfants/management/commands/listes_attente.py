"""`manage.py listes_attente` : passe au suivant les places proposées et non acceptées à temps."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from enfants.listes_attente import propositions_expirees_traiter


class Command(BaseCommand):
    help = "Traite les propositions de place expirées des listes d'attente (à lancer toutes les 5 minutes)."

    def handle(self, *args, **options):
        for nom, nombre in propositions_expirees_traiter(maintenant=timezone.now()).items():
            self.stdout.write(f"{nom} : {nombre} proposition(s) expirée(s) traitée(s)")
