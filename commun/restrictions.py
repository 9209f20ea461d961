"""Restrictions d'un compte de parent posées par un agent (décision de justice, issue 22).

Un responsable peut être privé de réservations, de paiement en ligne ou de demandes : le serveur
refuse l'action (vue et service), et le portail n'en affiche pas les boutons. Les champs vivent
sur le compte de connexion (`familles.Utilisateur`), lu à chaque requête : aucune requête de plus.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied

from commun import journal

RESERVATIONS = "reservations_interdites"
PAIEMENT = "paiement_interdit"
DEMANDES = "demandes_interdites"

MESSAGE_RESERVATIONS = (
    "Votre compte ne permet pas de réserver, d'annuler ni de déclarer une absence : le CCAS a "
    "posé cette restriction. Pour toute question, contactez l'accueil du CCAS."
)
MESSAGE_PAIEMENT = (
    "Votre compte permet de consulter les factures mais pas de les payer en ligne : le CCAS a "
    "posé cette restriction. Pour toute question, contactez l'accueil du CCAS."
)
MESSAGE_DEMANDES = (
    "Votre compte ne permet pas d'envoyer de demande au CCAS : le CCAS a posé cette restriction. "
    "Pour toute question, contactez l'accueil du CCAS."
)
MESSAGES = {RESERVATIONS: MESSAGE_RESERVATIONS, PAIEMENT: MESSAGE_PAIEMENT, DEMANDES: MESSAGE_DEMANDES}


class RestrictionRefusee(PermissionDenied):
    """L'action est interdite à ce compte ; `message` est montré au parent (page 403)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def est_restreint(utilisateur, restriction: str) -> bool:
    return bool(getattr(utilisateur, restriction, False))


def restriction_verifier(utilisateur, restriction: str) -> None:
    """Lève RestrictionRefusee si le compte porte cette restriction."""
    if est_restreint(utilisateur, restriction):
        raise RestrictionRefusee(MESSAGES[restriction])


def restriction(restriction_nom: str):
    """Une vue d'action du portail (formulaire et envoi) refusée au compte restreint."""

    def decorateur(vue):
        @wraps(vue)
        def enveloppe(request, *args, **kwargs):
            if est_restreint(request.user, restriction_nom):
                journal.evenement(
                    "restriction_refusee",
                    request=request,
                    identifiant=request.user.get_username(),
                    restriction=restriction_nom,
                    chemin=request.path,
                )
                raise RestrictionRefusee(MESSAGES[restriction_nom])
            return vue(request, *args, **kwargs)

        # Lu par `lien_permis` (les décorateurs extérieurs recopient l'attribut avec `wraps`).
        enveloppe.restriction = restriction_nom  # type: ignore[attr-defined]
        return enveloppe

    return decorateur


def lien_permis(utilisateur, url: str) -> bool:
    """Le lien mène-t-il à une vue que ce compte peut ouvrir ? (le bloc « À faire » de l'accueil
    ne propose pas à un parent restreint une action que le serveur lui refuserait)."""
    from urllib.parse import urlsplit

    from django.urls import Resolver404, resolve

    try:
        vue = resolve(urlsplit(url).path).func
    except Resolver404:
        return True
    restriction_nom = getattr(vue, "restriction", None)
    return restriction_nom is None or not est_restreint(utilisateur, restriction_nom)
