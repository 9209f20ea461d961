"""Contrôle au démarrage : l'ICS du créancier (réglage CCAS_ICS) a un format et une clé valides."""

from django.conf import settings
from django.core.checks import Error, register
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
