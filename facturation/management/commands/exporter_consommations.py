"""Exporte les consommations d'une période vers le logiciel de facturation et la clôt."""

import datetime
import shutil
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commun.formats import nombre_fr as nombre
from enfants.models import Structure
from facturation.exportation import ExportInvalide, consommations_exporter
from facturation.models import Regie


def _date(texte: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(texte, "%d/%m/%Y").date()
    except ValueError:
        raise CommandError(
            f"Date invalide : « {texte} » (attendu JJ/MM/AAAA, par exemple 01/11/2026)."
        ) from None


class Command(BaseCommand):
    help = (
        "Exporte les consommations (une ligne par enfant, jour et activité ; format décrit dans le "
        "README) d'une période et la clôt pour la régie. Une période déjà close rend le même fichier."
    )

    def add_arguments(self, parser):
        parser.add_argument("--du", required=True, help="Premier jour, JJ/MM/AAAA.")
        parser.add_argument("--au", required=True, help="Dernier jour, JJ/MM/AAAA.")
        parser.add_argument("--regie", help="Code de la régie (AL) ; facultatif s'il n'y en a qu'une.")
        parser.add_argument("--structure", help="Nom exact d'une structure de la régie (sinon toutes).")
        parser.add_argument("--sortie", type=Path, help="Fichier CSV écrit (sinon la sortie standard).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Calcule l'export sans rien clore ni enregistrer."
        )
        parser.add_argument(
            "--reverifier-tout",
            action="store_true",
            help="Recalcule toutes les périodes closes de la régie pour les régularisations (sinon "
            "seulement celles dont une réservation, absence, présence, inscription, activité ou "
            "fermeture a changé depuis leur dernière vérification).",
        )

    def handle(
        self,
        *args,
        du,
        au,
        regie=None,
        structure=None,
        sortie=None,
        dry_run=False,
        reverifier_tout=False,
        **options,
    ):
        debut, fin = _date(du), _date(au)
        if regie:
            objet_regie = Regie.objects.filter(code=regie).first()
            if objet_regie is None:
                codes = ", ".join(Regie.objects.values_list("code", flat=True)) or "aucune"
                raise CommandError(f"Régie inconnue : « {regie} » (régies : {codes}).")
        else:
            regies = list(Regie.objects.all()[:2])
            if len(regies) != 1:
                codes = ", ".join(Regie.objects.values_list("code", flat=True)) or "aucune"
                raise CommandError(f"Précisez la régie (--regie) : {codes}.")
            objet_regie = regies[0]
        objet_structure = None
        if structure:
            objet_structure = Structure.objects.filter(nom=structure).first()
            if objet_structure is None:
                raise CommandError(f"Structure inconnue : « {structure} ».")
        try:
            rapport = consommations_exporter(
                regie=objet_regie,
                du=debut,
                au=fin,
                structure=objet_structure,
                dry_run=dry_run,
                reverifier_tout=reverifier_tout,
            )
        except ExportInvalide as erreur:
            raise CommandError(f"Export refusé : {erreur}") from None
        if not dry_run:
            # Copié par blocs depuis le fichier gardé : jamais entier en mémoire.
            with rapport.ouvrir() as source:
                if sortie:
                    with sortie.open("wb") as destination:
                        shutil.copyfileobj(source, destination)
                else:
                    shutil.copyfileobj(source, sys.stdout.buffer)
                    sys.stdout.flush()
        lignes = [
            f"Régie {objet_regie.code}, du {debut:%d/%m/%Y} au {fin:%d/%m/%Y} : "
            f"{nombre(rapport.lignes, 'ligne', 'lignes')} "
            f"(dont {rapport.facturables} facturables, {rapport.regularisations} régularisations).",
        ]
        if rapport.deja_close:
            lignes.append("Période déjà close : le fichier est celui du premier export, à l'identique.")
        elif dry_run:
            lignes.append("Simulation (--dry-run) : aucun fichier écrit, la période n'est pas close.")
        else:
            lignes.append("Période close : les familles ne peuvent plus modifier ces jours.")
        self.stderr.write("\n".join(lignes))
