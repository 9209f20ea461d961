"""Données de démonstration : l'exemple du guide pour la famille DUPONT, passé par l'import.

AL-12 (243,20 €) et AL-36 (120,60 €) facturées le 08/04/2015, AL-228 (chèque, 243,20 €) qui
règle AL-12 : le solde du compte est de 120,60 € dû, AL-36 est impayée.

Pour l'attestation de frais de garde : AL-40 (garde et repas de TOM, 5 ans au 1er janvier 2025),
réglée par AL-240 en février 2025 : l'attestation 2025 de la famille atteste 48,00 € (le repas
est exclu).

La famille MARTIN paie par prélèvement : son mandat SEPA (RUM PF-<N° Famille>-001) est créé avec
l'ICS de démonstration, le PDF se télécharge depuis Mon compte.
"""

import datetime
import tempfile
from pathlib import Path

from django.db import transaction

from enfants.models import Activite, Structure
from facturation import importation, services
from facturation.models import Regie
from familles.demo import NUMERO_DUPONT, NUMERO_MARTIN
from familles.models import Famille

CODE_REGIE = "AL"
NOM_REGIE = "Régie garderie ALSH"
MODALITES = (
    "Par chèque à l'ordre du Trésor Public, déposé ou envoyé au CCAS de Lèves, "
    "Place de l'Hôtel de Ville, 28300 Lèves ; en espèces ou CESU à l'accueil du CCAS ; "
    "par carte bancaire sur le Portail Famille."
)

CSV_FACTURES = f"""numero_facture;numero_famille;regie;date_facture;date_echeance;periode_debut;periode_fin;enfant;libelle;quantite;prix_unitaire;montant;nature
AL-12;{NUMERO_DUPONT};AL;08/04/2015;30/04/2015;01/02/2015;31/03/2015;LÉA;Garderie matin;38;3,20;121,60;garde
AL-12;{NUMERO_DUPONT};AL;08/04/2015;30/04/2015;01/02/2015;31/03/2015;TOM;Garderie soir;38;3,20;121,60;garde
AL-36;{NUMERO_DUPONT};AL;08/04/2015;30/04/2015;01/04/2015;30/04/2015;LÉA;ALSH Mercredi après-midi;4;12,50;50,00;garde
AL-36;{NUMERO_DUPONT};AL;08/04/2015;30/04/2015;01/04/2015;30/04/2015;TOM;Garderie matin;18;3,20;57,60;garde
AL-36;{NUMERO_DUPONT};AL;08/04/2015;30/04/2015;01/04/2015;30/04/2015;TOM;Restauration midi;4;3,25;13,00;repas
"""

CSV_FACTURES_GARDE = f"""numero_facture;numero_famille;regie;date_facture;date_echeance;periode_debut;periode_fin;enfant;libelle;quantite;prix_unitaire;montant;nature
AL-40;{NUMERO_DUPONT};AL;31/01/2025;28/02/2025;01/01/2025;31/01/2025;TOM;Garderie matin;15;3,20;48,00;garde
AL-40;{NUMERO_DUPONT};AL;31/01/2025;28/02/2025;01/01/2025;31/01/2025;TOM;Restauration midi;4;3,25;13,00;repas
"""

CSV_REGLEMENTS_GARDE = f"""numero_reglement;numero_famille;regie;date;mode;montant;numero_facture
AL-240;{NUMERO_DUPONT};AL;10/02/2025;Chèque;61,00;AL-40
"""

CSV_REGLEMENTS = f"""numero_reglement;numero_famille;regie;date;mode;montant;numero_facture
AL-228;{NUMERO_DUPONT};AL;08/04/2015;Chèque;243,20;AL-12
"""


# Les codes de prestation du logiciel de facturation des activités de démonstration (export
# des consommations) ; la régie facture toutes les structures de la démonstration.
CODES_FACTURATION = {
    "Crèche journée": "CREJ",
    "ALSH Mercredi après-midi": "ALMA",
    "ALSH Vacances après-midi": "ALVA",
    "ALSH Vacances journée": "ALVJ",
    "ALSH Vacances matin": "ALVM",
    "Garderie matin": "GARM",
    "Garderie soir": "GARS",
    "Restauration midi": "REST",
}


def regie_creer() -> Regie:
    regie, _ = Regie.objects.update_or_create(
        code=CODE_REGIE,
        defaults={
            "nom": NOM_REGIE,
            "modalites_paiement": MODALITES,
            # Stripe (la banque simulée sans clés) ; choisir « PayFiP » dans l'administration
            # fait passer la démonstration par le PayFiP simulé, numéro client fictif.
            "prestataire_paiement": Regie.PrestatairePaiement.STRIPE,
            "payfip_numcli": "123456",
        },
    )
    regie.structures.add(*Structure.objects.all())
    for nom, code in CODES_FACTURATION.items():
        Activite.objects.filter(nom=nom, code_facturation="").update(code_facturation=code)
    return regie


# ICS de démonstration (clé correcte, identifiant fictif) : en production, le réglage CCAS_ICS.
ICS_DEMO = "FR72ZZZ123456"
# IBAN et BIC de démonstration (IBAN de test valide, compte fictif).
IBAN_DEMO, BIC_DEMO = "FR7630006000011234567890189", "AGRIFRPP882"


def mandat_demo_creer() -> None:
    famille = Famille.objects.get(numero=NUMERO_MARTIN)
    if famille.mandats.exists():
        return
    Famille.objects.filter(pk=famille.pk).update(
        prelevement_automatique=True, iban=IBAN_DEMO, bic=BIC_DEMO, titulaire_compte="SOPHIE MARTIN"
    )
    services.mandat_appliquer(famille=famille, date=datetime.date(2026, 9, 1), ics=ICS_DEMO)


@transaction.atomic
def creer() -> list:
    regie_creer()
    mandat_demo_creer()
    with tempfile.TemporaryDirectory() as dossier:
        factures = Path(dossier) / "factures.csv"
        factures.write_text(CSV_FACTURES, encoding="utf-8")
        reglements = Path(dossier) / "reglements.csv"
        reglements.write_text(CSV_REGLEMENTS, encoding="utf-8")
        importation.factures_importer(chemin=factures)
        importation.reglements_importer(chemin=reglements)
        factures.write_text(CSV_FACTURES_GARDE, encoding="utf-8")
        reglements.write_text(CSV_REGLEMENTS_GARDE, encoding="utf-8")
        importation.factures_importer(chemin=factures)
        importation.reglements_importer(chemin=reglements)
    return []
