"""Les listes d'attente : un seul point d'entrée pour traiter les propositions de place expirées.

Une place libérée (jour d'activité ou inscription) est proposée au premier de la liste d'attente,
qui a `LISTE_ATTENTE_DELAI_HEURES` heures pour l'accepter ; passé ce délai, elle passe au suivant.
Chaque sorte de liste (réservations des jours dans `enfants`, demandes d'inscription dans
`demandes`) enregistre ici sa fonction de traitement ; la commande `manage.py listes_attente`
(lancée toutes les quelques minutes par le planificateur, voir README) les appelle toutes.

    from enfants.listes_attente import traitement_enregistrer

    @traitement_enregistrer("inscriptions")
    def propositions_expirees_traiter(*, maintenant) -> int: ...  # nombre de propositions traitées
"""

import datetime
from collections.abc import Callable

Traitement = Callable[..., int]
_TRAITEMENTS: dict[str, Traitement] = {}


def traitement_enregistrer(nom: str) -> Callable[[Traitement], Traitement]:
    """Enregistre la fonction qui traite les propositions expirées d'une sorte de liste."""

    def enregistrer(fonction: Traitement) -> Traitement:
        _TRAITEMENTS[nom] = fonction
        return fonction

    return enregistrer


def propositions_expirees_traiter(*, maintenant: datetime.datetime) -> dict[str, int]:
    """Appelle chaque traitement enregistré ; renvoie le nombre de propositions traitées par sorte."""
    return {nom: fonction(maintenant=maintenant) for nom, fonction in sorted(_TRAITEMENTS.items())}
