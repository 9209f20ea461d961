"""Ce que les deux commandes d'import partagent : options, barre d'avancement, rapport."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commun.formats import euros
from commun.formats import nombre_fr as nombre
from facturation.importation import ImportEnCours, ImportInvalide


class CommandeImport(BaseCommand):
    objet = "factures"

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path, help="Fichier CSV exporté du logiciel de facturation.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Valide le fichier et dit ce qui serait créé, sans rien écrire.",
        )
        parser.add_argument(
            "--progression",
            action="store_true",
            help="Affiche l'avancement même hors terminal (sur la sortie d'erreur).",
        )

    # « Factures déjà importées, ignorées : 3. » : la phrase des objets déjà là, à compléter.
    deja_importes = ""

    def importer(self, *, chemin, progression):  # pragma: no cover - redéfinie
        raise NotImplementedError

    def comptes(self, rapport) -> tuple[int, int]:  # pragma: no cover - redéfinie
        """(créés, ignorés car déjà importés)."""
        raise NotImplementedError

    def ligne_crees(self, rapport, *, dry_run: bool) -> str:  # pragma: no cover - redéfinie
        """« Factures créées : 2 (…). »"""
        raise NotImplementedError

    def resume(self, rapport, *, dry_run: bool) -> str:
        crees, ignores = self.comptes(rapport)
        lignes = [
            f"{nombre(rapport.lignes_lues, 'ligne lue', 'lignes lues')}.",
            self.ligne_crees(rapport, dry_run=dry_run),
        ]
        if ignores:
            lignes.append(f"{self.deja_importes} : {ignores}.")
        if crees == 0 and ignores:
            lignes.append("Rien de nouveau : ce fichier a déjà été importé.")
        if dry_run:
            lignes.append("Simulation (--dry-run) : rien n'a été enregistré.")
        return "\n".join(lignes)

    def handle(self, *args, fichier: Path, dry_run=False, progression=False, **options):
        if not fichier.is_file():
            raise CommandError(f"Fichier introuvable : {fichier}")
        afficher = progression or self.stderr.isatty()
        try:
            with transaction.atomic():
                rapport = self.importer(chemin=fichier, progression=self._barre if afficher else None)
                if dry_run:
                    transaction.set_rollback(True)
        except ImportEnCours as erreur:
            raise CommandError(f"Import refusé : {erreur}.") from None
        except ImportInvalide as erreur:
            if afficher:
                self.stderr.write("")
            for ligne in erreur.erreurs:
                self.stderr.write(str(ligne))
            if erreur.nombre > len(erreur.erreurs):
                autres = erreur.nombre - len(erreur.erreurs)
                self.stderr.write(f"… et {nombre(autres, 'autre erreur', 'autres erreurs')} (non affichées).")
            raise CommandError(
                f"Import refusé : {nombre(erreur.nombre, 'erreur', 'erreurs')} dans "
                f"{fichier.name}. Rien n'a été enregistré."
            ) from None
        if afficher:
            self.stderr.write("")
        self.stdout.write(self.resume(rapport, dry_run=dry_run))

    def _barre(self, lus: int, total: int, lignes: int) -> None:
        part = lus / total if total else 1
        pleins = int(part * 30)
        self.stderr.write(
            f"\r[{'#' * pleins}{'.' * (30 - pleins)}] {part:4.0%} — "
            f"{nombre(lignes, 'ligne lue', 'lignes lues')}",
            ending="",
        )
        self.stderr.flush()

    @staticmethod
    def montant(valeur) -> str:
        return euros(valeur).replace("\u00a0", " ").replace("\u202f", " ")
