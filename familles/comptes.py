"""Qui a fait une action : le responsable d'un compte de parent, ou l'accueil du CCAS (issue 22).

Un compte de parent est rattaché à un responsable (`Utilisateur.responsable`) ; un compte sans
famille est celui d'un agent, qui agit pour la famille au guichet. Ces fonctions ne lisent rien
en base si le responsable a été joint (`select_related("cree_par__responsable")`).
"""

import datetime

from django.utils import timezone

ACCUEIL_CCAS = "l'accueil du CCAS"


def est_agent(utilisateur) -> bool:
    return utilisateur is not None and utilisateur.famille_id is None


def auteur_nom(utilisateur) -> str:
    """« JEANNE DUPONT » (le responsable du compte), « l'accueil du CCAS » (un agent), ou ""."""
    if utilisateur is None:
        return ""
    if est_agent(utilisateur):
        return ACCUEIL_CCAS
    if utilisateur.responsable_id is not None:
        return utilisateur.responsable.nom_complet
    return (utilisateur.get_full_name() or utilisateur.get_username()).upper()


def fait_par_texte(utilisateur, date: datetime.datetime | None) -> str:
    """Ce que la famille lit d'une demande : « Par JEANNE DUPONT » ou « Fait par l'accueil du
    CCAS le 02/12/2026 à 10:15 »."""
    if utilisateur is None:
        return ""
    if est_agent(utilisateur):
        if date is None:
            return f"Fait par {ACCUEIL_CCAS}"
        locale = timezone.localtime(date)
        return f"Fait par {ACCUEIL_CCAS} le {locale:%d/%m/%Y} à {locale:%H:%M}"
    return f"Par {auteur_nom(utilisateur)}"
