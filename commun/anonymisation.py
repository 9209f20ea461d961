"""Outils partagés des anonymisations RGPD (chaque application anonymise ses propres tables ;
`portail.purge` les orchestre, une transaction par famille)."""

from collections.abc import Iterable
from functools import partial

from django.db import transaction

NOM_ANONYME = "ANONYME"
TEXTE_EFFACE = "(effacé)"


def fichiers_supprimer_apres_validation(fichiers: Iterable) -> int:
    """Supprime du stockage les fichiers donnés (valeurs de `FileField`) une fois la transaction
    validée : si elle est annulée (erreur, simulation), les fichiers restent. Renvoie leur nombre."""
    a_supprimer = [(fichier.storage, fichier.name) for fichier in fichiers if fichier]
    for stockage, nom in a_supprimer:
        transaction.on_commit(partial(stockage.delete, nom))
    return len(a_supprimer)
