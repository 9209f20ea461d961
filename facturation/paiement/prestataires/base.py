"""Ce qu'un prestataire de paiement en ligne fait pour le portail : ouvrir une page de paiement,
lire une notification stockée, dire où en est un paiement. Le reste (verrous, idempotence,
encaissement, avoirs signalés) est écrit une fois, dans `facturation.paiement`."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from facturation.models import EvenementPaiement, Facture, PaiementEnLigne, Regie

# Ce qu'un prestataire constate d'un paiement (`Constat.resultat`).
PAYE = "paye"
ATTENTE = "attente"
ECHEC = "echec"
EXPIRE = "expire"
ANNULE = "annule"
IGNORE = "ignore"


@dataclass(frozen=True)
class Urls:
    """Les adresses absolues que le prestataire reçoit pour une tentative."""

    base: str
    retour: str  # la page de retour du portail (GET)
    annulation: str
    # Le retour que le prestataire poste (PayFiP) : sans jeton CSRF, redirigé vers `retour`.
    retour_externe: str
    notification: str  # de serveur à serveur


@dataclass
class Constat:
    """Ce qu'un prestataire dit d'un paiement, dans la forme commune du portail.

    `session` : `id` (la référence chez le prestataire, `PaiementEnLigne.session_id`),
    `amount_total` (centimes), `currency`, `client_reference_id` et `metadata.facture_id` (la
    facture que le prestataire a fait payer), `metadata.famille_numero`, `metadata.regie`,
    `customer_email` : c'est la forme d'une session Stripe Checkout, que le portail a gardée.
    `definitif` faux : rien n'est encore joué, l'événement sera traité de nouveau (rejeu de la
    notification, retour du parent, `paiements_rapprocher`).
    """

    resultat: str
    session: dict = field(default_factory=dict)
    motif: str = ""
    definitif: bool = True


class Prestataire:
    """L'interface ; chaque prestataire (`stripe`, `payfip`, `simulee`, `payfip_simule`) la
    réalise."""

    code: str = ""
    # Faux : une transaction ne paie qu'une dette (PayFiP : un `refdet`).
    plusieurs_factures: bool = True
    duree: timedelta = timedelta(minutes=35)
    # Les erreurs qui disent « le prestataire ne répond pas » (rien n'est débité).
    erreurs: tuple[type[BaseException], ...] = ()
    # Le nom montré en démonstration (« une banque simulée ») ; vide : un vrai prestataire.
    simulation: str = ""
    # Le prestataire répond à « où en est ce paiement ? » (retour du parent, rapprochement).
    interrogeable: bool = False

    def demarrer(
        self, *, paiement: PaiementEnLigne, factures: list[tuple[Facture, Decimal]], urls: Urls
    ) -> tuple[str, str]:
        """Ouvre la page de paiement : (référence chez le prestataire, adresse de la page)."""
        raise NotImplementedError

    def expirer(self, *, paiement: PaiementEnLigne, strict: bool) -> None:
        """Ferme la page de paiement chez le prestataire s'il le permet."""

    def lire(self, evenement: EvenementPaiement) -> Constat:
        """Ce que dit un événement stocké (peut interroger le prestataire)."""
        raise NotImplementedError

    def minimum(self, regie: Regie) -> Decimal:
        return Decimal("0.01")
