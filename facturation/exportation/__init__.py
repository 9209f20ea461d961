"""Export des consommations vers le logiciel de facturation (format décrit dans le README).

Une ligne par enfant × jour × activité où il y a quelque chose à facturer ou à savoir (réservé
et présent, absent excusé, absent facturé, présent sans réservation, régulier…), pour les
activités des structures d'une régie (`Regie.structures`). Exporter une période la clôt pour
la régie : le fichier est gardé (`PeriodeClose.fichier`), l'exporter de nouveau rend les mêmes
octets ; les familles ne changent plus ses jours (`enfants.clotures`). Ce qu'un agent change
ensuite sur un jour clos est une régularisation, exportée une fois, par l'export suivant de la
régie, avec sa période d'origine.
"""

from facturation.exportation.consommations import (
    ExportInvalide,
    Ligne,
    RapportExport,
    consommations_exporter,
    consommations_lignes,
    jour_clos,
)

__all__ = [
    "ExportInvalide",
    "Ligne",
    "RapportExport",
    "consommations_exporter",
    "consommations_lignes",
    "jour_clos",
]
