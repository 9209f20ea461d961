"""Contrôle au démarrage : l'ICS du créancier (réglage CCAS_ICS) a un format et une clé valides."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ValidationError

from facturation.sepa import ics_normaliser


@register()
def ics_verifier(app_configs, **kwargs):
    ics = getattr(settings, "CCAS_ICS", "")
    if not ics:
        return []  # prélèvement non configuré : aucun mandat ne sera créé
    try:
        ics_normaliser(ics)
    except ValidationError as erreur:
        return [Error(f"CCAS_ICS = {ics!r} : {erreur.messages[0]}", id="facturation.E001")]
    return []


@register()
def paiement_verifier(app_configs, **kwargs):
    """Les réglages du paiement en ligne (le prestataire se choisit par régie, dans
    l'administration ; ici, seulement ce que l'environnement fournit)."""
    avertissements = []
    if bool(getattr(settings, "STRIPE_SECRET_KEY", "")) != bool(
        getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
    ):
        avertissements.append(
            Warning(
                "Stripe à moitié configuré : il faut STRIPE_SECRET_KEY et STRIPE_WEBHOOK_SECRET ; "
                "sans les deux, les régies « Stripe » n'ont pas de paiement en ligne.",
                id="facturation.W002",
            )
        )
    if getattr(settings, "PAYFIP_URL_SERVICE", "") and not settings.DEBUG:
        avertissements.append(
            Warning(
                f"PAYFIP_URL_SERVICE = {settings.PAYFIP_URL_SERVICE!r} : les régies PayFiP ne parlent pas "
                "au web service de la DGFiP (réglage réservé aux tests).",
                id="facturation.W003",
            )
        )
    return avertissements
