"""Équipe un agent d'une application d'authentification (TOTP) pour l'administration."""

import segno
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from familles.models import Utilisateur


class Command(BaseCommand):
    help = (
        "Crée l'appareil TOTP d'un agent et affiche l'adresse otpauth:// (et un QR code) à "
        "scanner dans son application d'authentification."
    )

    def add_arguments(self, parser):
        parser.add_argument("identifiant")
        parser.add_argument(
            "--remplacer", action="store_true", help="Supprime les appareils existants de l'agent."
        )

    def handle(self, *args, identifiant, remplacer=False, **options):
        try:
            agent = Utilisateur.objects.get(username=identifiant, is_staff=True)
        except Utilisateur.DoesNotExist as erreur:
            raise CommandError(f"Aucun agent (membre du personnel) « {identifiant} ».") from erreur
        existants = TOTPDevice.objects.filter(user=agent)
        if existants.exists() and not remplacer:
            raise CommandError("Cet agent a déjà un appareil : ajoutez --remplacer pour le changer.")
        existants.delete()
        appareil = TOTPDevice.objects.create(user=agent, name="Application d'authentification")
        self.stdout.write(f"Adresse à ajouter dans l'application d'authentification :\n{appareil.config_url}")
        segno.make(appareil.config_url).terminal(out=self.stdout, compact=True)
