"""Le choix du prestataire : par régie (administration, `Regie.prestataire_paiement`), d'après
les réglages de l'environnement (clés Stripe, DEMO). Seul le paquet `facturation.paiement`
l'utilise."""

from django.conf import settings

from facturation.models import EvenementPaiement, PaiementEnLigne, Regie
from facturation.paiement.prestataires.base import Prestataire
from facturation.paiement.prestataires.payfip import PayFiP
from facturation.paiement.prestataires.payfip_simule import PayFiPSimule
from facturation.paiement.prestataires.simulee import BanqueSimulee
from facturation.paiement.prestataires.stripe import Stripe, configure

STRIPE = Stripe()
SIMULEE = BanqueSimulee()
PAYFIP = PayFiP()
PAYFIP_SIMULE = PayFiPSimule()
PAR_CODE: dict[str, Prestataire] = {p.code: p for p in (STRIPE, SIMULEE, PAYFIP, PAYFIP_SIMULE)}


def pour_regie(regie: Regie) -> Prestataire | None:
    """Le prestataire qui encaisse pour la régie ; None : pas de paiement en ligne.

    Stripe sans clés : la banque simulée en démonstration (DEMO=1), sinon rien. PayFiP : le
    PayFiP simulé en démonstration (jamais la DGFiP), sinon le vrai avec le numéro client."""
    choix = regie.prestataire_paiement
    if choix == Regie.PrestatairePaiement.STRIPE:
        if configure():
            return STRIPE
        return SIMULEE if settings.DEMO else None
    if choix == Regie.PrestatairePaiement.SIMULE:
        return SIMULEE if settings.DEMO else None
    if choix == Regie.PrestatairePaiement.PAYFIP:
        if settings.DEMO:
            return PAYFIP_SIMULE
        return PAYFIP if regie.payfip_numcli else None
    return None


def pour_paiement(paiement: PaiementEnLigne) -> Prestataire:
    return PAR_CODE[paiement.prestataire]


def pour_evenement(evenement: EvenementPaiement) -> Prestataire:
    """Les événements au schéma de Stripe (Stripe, banque simulée) se lisent de même ; ceux de
    PayFiP, par le prestataire de leur tentative."""
    if evenement.type.startswith("payfip."):
        code = (
            PaiementEnLigne.objects.filter(session_id=evenement.session_id)
            .values_list("prestataire", flat=True)
            .first()
        )
        return PAYFIP_SIMULE if code == PaiementEnLigne.Prestataire.PAYFIP_SIMULE else PAYFIP
    return STRIPE
