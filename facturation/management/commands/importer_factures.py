from facturation.importation import factures_importer
from facturation.management.commands._import_commun import CommandeImport, nombre


class Command(CommandeImport):
    help = (
        "Importe les factures exportées du logiciel de facturation (CSV, une ligne par ligne de "
        "facture ; format décrit dans le README). Tout ou rien, rejouable sans doublon."
    )

    def importer(self, *, chemin, progression):
        return factures_importer(chemin=chemin, progression=progression)

    deja_importes = "Factures déjà importées, ignorées"

    def comptes(self, rapport):
        return rapport.factures_creees, rapport.factures_ignorees

    def ligne_crees(self, rapport, *, dry_run: bool) -> str:
        verbe = "seraient créées" if dry_run else "créées"
        return (
            f"Factures {verbe} : {rapport.factures_creees} "
            f"({nombre(rapport.lignes_creees, 'ligne', 'lignes')}, "
            f"{nombre(rapport.familles_nombre, 'famille', 'familles')}, "
            f"total {self.montant(rapport.montant_total)})."
        )
