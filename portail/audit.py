"""Écriture du journal d'audit (appelée par les services de chaque application)."""

from portail.models import Audit


def audit_enregistrer(
    *,
    auteur,
    famille,
    objet: str,
    action: str,
    avant: dict | None = None,
    apres: dict | None = None,
    sensible: bool = False,
) -> Audit:
    """Ajoute une trace ; pour une donnée sensible, les valeurs ne sont jamais conservées."""
    avant = dict(avant or {})
    apres = dict(apres or {})
    champs = sorted(set(avant) | set(apres))
    if sensible:
        avant, apres = {}, {}
    return Audit.objects.create(
        auteur=auteur if getattr(auteur, "pk", None) else None,
        famille=famille,
        objet=str(objet)[:200],
        action=str(action)[:200],
        avant=avant,
        apres=apres,
        champs=champs,
        sensible=sensible,
    )
