from facturation.importation import factures_importer
from facturation.management.commands._import_commun import CommandeImport, nombre


class Command(CommandeImport):
    help = (
        "Importe les factures exportées du logiciel de facturation (CSV, une ligne par ligne de "
        "facture ; format décrit dans le README). Tout ou rien, rejouable sans doublon."
    )

    def importer(self, *, chemin, progression):
        return factures_importer(chemin=chemin, progression=progression)

    def resume(self, rapport, *, dry_run: bool) -> str:
        verbe = "seraient créées" if dry_run else "créées"
        lignes = [
            f"{nombre(rapport.lignes_lues, 'ligne lue', 'lignes lues')}.",
            f"Factures {verbe} : {rapport.factures_creees} "
            f"({nombre(rapport.lignes_creees, 'ligne', 'lignes')}, "
            f"{nombre(rapport.familles_nombre, 'famille', 'familles')}, "
            f"total {self.montant(rapport.montant_total)}).",
        ]
        if rapport.factures_ignorees:
            lignes.append(f"Factures déjà importées, ignorées : {rapport.factures_ignorees}.")
        if rapport.factures_creees == 0 and rapport.factures_ignorees:
            lignes.append("Rien de nouveau : ce fichier a déjà été importé.")
        if dry_run:
            lignes.append("Simulation (--dry-run) : rien n'a été enregistré.")
        return "\n".join(lignes)
