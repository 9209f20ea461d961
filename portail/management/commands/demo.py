"""Charge les données de démonstration : comptes, puis ce que chaque application y ajoute."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Ordre de chargement : chaque module `<app>.demo` expose `creer()` ; les suivants s'appuient
# sur les précédents (les familles d'abord).
# Un nom pointé désigne le module lui-même (le dossier annuel de familles vient après les enfants).
APPLICATIONS_DEMO = (
    "familles",
    "enfants",
    "facturation",
    "messagerie",
    "demandes",
    "familles.demo_dossier",
    # Les campagnes d'inscription demandent les pièces et les textes du dossier annuel.
    "demandes.demo_campagnes",
)


class Command(BaseCommand):
    help = "Crée les données de démonstration (jamais en production sans --force)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Autorise la commande quand DEBUG est désactivé."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Les données de démonstration ne se chargent qu'en développement (DEBUG=1) ou avec --force."
            )
        comptes = []
        for nom in APPLICATIONS_DEMO:
            chemin = nom if "." in nom else f"{nom}.demo"
            try:
                module = import_module(chemin)
            except ModuleNotFoundError as erreur:
                if erreur.name != chemin:
                    raise
                continue
            comptes.extend(module.creer() or [])
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write("Comptes de démonstration :")
        for role, identifiant, mot_de_passe in comptes:
            self.stdout.write(f"  - {role} : identifiant « {identifiant} », mot de passe « {mot_de_passe} »")
