"""Stripe Checkout : une session par tentative (un article par facture), les événements du
webhook signés (HMAC-SHA256, en-tête Stripe-Signature), la liste des sessions payées pour le
rapprochement."""

import json
import logging
from datetime import timedelta
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils import timezone

from facturation.models import EvenementPaiement, Facture, PaiementEnLigne
from facturation.paiement.prestataires.base import (
    ATTENTE,
    ECHEC,
    EXPIRE,
    IGNORE,
    PAYE,
    Constat,
    Prestataire,
    Urls,
)

logger = logging.getLogger(__name__)

COMPLETED = "checkout.session.completed"
ASYNC_OK = "checkout.session.async_payment_succeeded"
ASYNC_ECHEC = "checkout.session.async_payment_failed"
EXPIRED = "checkout.session.expired"
TYPES_TRAITES = frozenset({COMPLETED, ASYNC_OK, ASYNC_ECHEC, EXPIRED})
MOTIF_DIFFERE = "Paiement différé : en attente de confirmation de la banque."


def configure() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def _paquet():
    # Le client et son transport HTTP sont lus sur le paquet, où les tests les remplacent.
    from facturation import paiement

    return paiement


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, http_client=_paquet().HTTP_CLIENT, max_network_retries=2
    )


def centimes(montant: Decimal) -> int:
    return int((montant * 100).to_integral_value())


def metadata(paiement: PaiementEnLigne, factures: list[Facture] | None = None) -> dict:
    """`facture_id` : la première facture ; `factures` (plusieurs factures seulement) : toutes."""
    facture = paiement.facture
    donnees = {
        "facture_id": str(facture.pk),
        "facture_numero": facture.numero,
        "regie": facture.regie.code,
        "famille_numero": paiement.famille.numero,
        "paiement_id": str(paiement.pk),
        "tentative": str(paiement.tentative),
    }
    if factures and len(factures) > 1:
        donnees["factures"] = ",".join(str(f.pk) for f in factures)
    return donnees


def lire_session(evenement: EvenementPaiement) -> Constat:
    """Un événement au schéma de Stripe (Stripe ou la banque simulée) : il contient la session."""
    session = json.loads(evenement.payload)["data"]["object"]
    if evenement.type == COMPLETED:
        if session.get("payment_status") == "paid":
            return Constat(PAYE, session)
        return Constat(ATTENTE, session, motif=MOTIF_DIFFERE)
    if evenement.type == ASYNC_OK:
        return Constat(PAYE, session)
    if evenement.type == ASYNC_ECHEC:
        return Constat(ECHEC, session)
    if evenement.type == EXPIRED:
        return Constat(EXPIRE, session)
    return Constat(IGNORE, session)


class Stripe(Prestataire):
    code = PaiementEnLigne.Prestataire.STRIPE
    # Stripe impose au moins 30 minutes ; la marge couvre le délai de l'appel.
    duree = timedelta(minutes=35)
    erreurs = (stripe.StripeError,)

    def demarrer(self, *, paiement, factures, urls: Urls):
        facture = factures[0][0]
        donnees = metadata(paiement, [f for f, _ in factures])
        numeros = ", ".join(f.numero for f, _ in factures)
        session = (
            _paquet()
            .client()
            .v1.checkout.sessions.create(
                params={
                    "mode": "payment",
                    "line_items": [
                        {
                            "quantity": 1,
                            "price_data": {
                                "currency": "eur",
                                "unit_amount": centimes(reste),
                                "product_data": {"name": f"Facture {f.numero} — {f.regie.nom}"},
                            },
                        }
                        for f, reste in factures
                    ],
                    "customer_email": paiement.email,
                    "client_reference_id": str(facture.pk),
                    "metadata": donnees,
                    "payment_intent_data": {
                        "receipt_email": paiement.email,
                        "metadata": donnees,
                        "description": f"Facture{'s' if len(factures) > 1 else ''} {numeros}",
                    },
                    "success_url": urls.retour,
                    "cancel_url": urls.annulation,
                    "expires_at": int(paiement.expire_le.timestamp()),
                    "locale": "fr",
                },
                options={"idempotency_key": paiement.cle_idempotence},
            )
        )
        return session.id, session.url

    def expirer(self, *, paiement, strict):
        """`strict` : si Stripe ne répond pas, on refuse d'ouvrir une autre session (le parent
        pourrait payer les deux) ; sinon (annulation par le parent) on note seulement l'incident."""
        if not (paiement.session_id and configure()):
            return
        try:
            _paquet().client().v1.checkout.sessions.expire(paiement.session_id)
        except stripe.InvalidRequestError:
            # Déjà expirée ou payée : si elle est payée, le webhook l'encaissera (en avoir si
            # la facture a été réglée entre-temps).
            logger.warning("Session %s non expirée chez Stripe", paiement.session_id)
        except stripe.StripeError:
            logger.exception("Session %s : Stripe injoignable", paiement.session_id)
            if strict:
                raise

    def lire(self, evenement):
        return lire_session(evenement)

    def sessions_payees(self, *, jours: int):
        """Les sessions payées chez Stripe ces `jours` derniers jours (rapprochement)."""
        depuis = int((timezone.now() - timedelta(days=jours)).timestamp())
        sessions = (
            _paquet()
            .client()
            .v1.checkout.sessions.list(
                params={"created": {"gte": depuis}, "status": "complete", "limit": 100}
            )
        )
        for session in sessions.auto_paging_iter():
            if session.payment_status == "paid":
                yield session.id, session.to_dict()
