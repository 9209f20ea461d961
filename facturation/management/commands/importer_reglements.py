from facturation.importation import reglements_importer
from facturation.management.commands._import_commun import CommandeImport, nombre


class Command(CommandeImport):
    help = (
        "Importe les règlements enregistrés dans le logiciel de facturation (chèque, espèces, "
        "CESU, prélèvement, virement ; format décrit dans le README). Tout ou rien, rejouable."
    )

    def importer(self, *, chemin, progression):
        return reglements_importer(chemin=chemin, progression=progression)

    def resume(self, rapport, *, dry_run: bool) -> str:
        verbe = "seraient créés" if dry_run else "créés"
        lignes = [
            f"{nombre(rapport.lignes_lues, 'ligne lue', 'lignes lues')}.",
            f"Règlements {verbe} : {rapport.reglements_crees} "
            f"({nombre(rapport.familles_nombre, 'famille', 'familles')}, "
            f"total {self.montant(rapport.montant_total)}).",
        ]
        if rapport.reglements_ignores:
            lignes.append(f"Règlements déjà importés, ignorés : {rapport.reglements_ignores}.")
        if rapport.reglements_crees == 0 and rapport.reglements_ignores:
            lignes.append("Rien de nouveau : ce fichier a déjà été importé.")
        if dry_run:
            lignes.append("Simulation (--dry-run) : rien n'a été enregistré.")
        return "\n".join(lignes)
