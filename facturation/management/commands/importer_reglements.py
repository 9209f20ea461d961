from facturation.importation import reglements_importer
from facturation.management.commands._import_commun import CommandeImport, nombre


class Command(CommandeImport):
    help = (
        "Importe les règlements enregistrés dans le logiciel de facturation (chèque, espèces, "
        "CESU, prélèvement, virement ; format décrit dans le README). Tout ou rien, rejouable."
    )

    def importer(self, *, chemin, progression):
        return reglements_importer(chemin=chemin, progression=progression)

    deja_importes = "Règlements déjà importés, ignorés"

    def comptes(self, rapport):
        return rapport.reglements_crees, rapport.reglements_ignores

    def ligne_crees(self, rapport, *, dry_run: bool) -> str:
        verbe = "seraient créés" if dry_run else "créés"
        return (
            f"Règlements {verbe} : {rapport.reglements_crees} "
            f"({nombre(rapport.familles_nombre, 'famille', 'familles')}, "
            f"total {self.montant(rapport.montant_total)})."
        )
