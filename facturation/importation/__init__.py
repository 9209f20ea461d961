"""Import des exports CSV du logiciel de facturation : factures et règlements.

- `lecture` : le fichier (encodage, CSV strict, en-tête), les valeurs (dates, montants), les
  erreurs et le rapport ; la forme commune des deux imports (lire → valider → lot → écrire) ;
- `factures`, `reglements` : chacun son import, sous cette forme ;
- `postgresql` : verrou consultatif et écritures rapides (`unnest`, `COPY`) sur PostgreSQL.

Tout ou rien : le fichier est lu en flux, validé ligne à ligne, écrit par lots dans la transaction
de l'appelant ; s'il y a la moindre erreur, la lecture va jusqu'au bout pour les signaler toutes,
puis `ImportInvalide` est levée (l'appelant annule la transaction : rien n'est écrit).
Idempotent : une facture (ou un règlement) déjà importée à l'identique est ignorée ; si son
contenu diffère, c'est une erreur (une facture émise ne se modifie pas : on émet un avoir).

Mémoire constante, quelle que soit la taille du fichier : rien ne s'accumule d'une ligne à
l'autre au-delà d'un lot. Une facture (ou un règlement) déjà écrite par le même import, plus haut
dans le fichier, se reconnaît en base (identifiant au-delà du plus grand existant au départ).
Sur PostgreSQL, un verrou consultatif (transactionnel) empêche deux imports simultanés.
"""

from facturation.importation.factures import factures_importer
from facturation.importation.lecture import (
    Erreur,
    ImportInvalide,
    Rapport,
    ValeurInvalide,
    lire_date,
    lire_montant,
)
from facturation.importation.postgresql import ImportEnCours
from facturation.importation.reglements import numero_reglement_verifier, reglements_importer

__all__ = [
    "Erreur",
    "ImportEnCours",
    "ImportInvalide",
    "Rapport",
    "ValeurInvalide",
    "factures_importer",
    "lire_date",
    "lire_montant",
    "numero_reglement_verifier",
    "reglements_importer",
]
