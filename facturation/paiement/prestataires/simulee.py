"""La banque simulée de la démonstration (DEMO=1) : une page du portail tient lieu de page
Stripe ; « Payer » signe un événement au schéma de Stripe, livré au même code que le webhook."""

import json
import secrets

from django.urls import reverse

from facturation.models import EvenementPaiement, PaiementEnLigne
from facturation.paiement.prestataires.base import Prestataire
from facturation.paiement.prestataires.stripe import COMPLETED, centimes, lire_session, metadata

SECRET_DEMO = "whsec_banque_simulee_demonstration"  # noqa: S105  # nosec B105 (démonstration seulement)


class BanqueSimulee(Prestataire):
    code = PaiementEnLigne.Prestataire.SIMULE
    simulation = "une banque simulée"

    def demarrer(self, *, paiement, factures, urls):
        url = urls.base + reverse("banque_simulee:banque", kwargs={"pk": paiement.pk})
        return f"cs_demo_{secrets.token_hex(12)}", url

    def lire(self, evenement: EvenementPaiement):
        return lire_session(evenement)


def evenement_paye(paiement: PaiementEnLigne) -> bytes:
    """Ce que Stripe enverrait après un paiement réussi de la tentative."""
    factures = [ligne.facture for ligne in paiement.lignes.select_related("facture")]
    donnees = {
        "id": f"evt_demo_{secrets.token_hex(12)}",
        "object": "event",
        "type": COMPLETED,
        "data": {
            "object": {
                "id": paiement.session_id,
                "object": "checkout.session",
                "amount_total": centimes(paiement.montant),
                "currency": "eur",
                "payment_status": "paid",
                "status": "complete",
                "client_reference_id": str(paiement.facture_id),
                "customer_email": paiement.email,
                "customer_details": {"email": paiement.email},
                "metadata": metadata(paiement, factures),
            }
        },
    }
    return json.dumps(donnees).encode()
