"""Champs de modèle communs à plusieurs applications.

Ce sont des fonctions qui construisent le champ : le champ construit est exactement celui
qu'écrivaient les modèles (mêmes arguments), donc aucune migration ne change.
"""

from django.conf import settings
from django.db import models


def lien_utilisateur(verbose_name, *, blank=True):
    """Le compte qui a fait une action (demandée, décidée, pointée par…).

    Gardé vide si le compte est supprimé (la trace de l'action reste) ; pas d'accès inverse
    depuis l'utilisateur (`related_name="+"`).
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name="+",
        verbose_name=verbose_name,
    )
