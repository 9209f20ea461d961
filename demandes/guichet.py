"""Le guichet : un agent agit pour une famille (issue 22, « agir pour cette famille »).

Pour une famille sans internet, ou venue à l'accueil, l'agent fait une demande, une réservation,
une absence ou le dépôt d'une pièce **par les mêmes services** que le portail, avec lui-même comme
auteur (`auteur=` / `par=`) : les règles (délais, places, conditions, pièces demandées) sont
celles de la famille, la Liste des demandes de la famille affiche « Fait par l'accueil du CCAS
le … », et chaque acte a sa trace dans le journal d'audit (action « Au guichet : … »).

L'agent ne prend jamais la session de la famille : il ne voit ni ne change son mot de passe, ne
paie pas, ne lit pas ses messages. Chaque fonction revérifie la permission (une vue oubliée ne
suffit pas à agir).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from commun.audit import audit_enregistrer
from demandes import registre
from demandes import services as demandes_services
from enfants import services as planning
from familles import services as familles_services

PERMISSION = "familles.agir_pour_famille"
MESSAGE_PERMISSION = (
    "Agir pour une famille demande la permission « Agir pour une famille (accueil du CCAS) »."
)
ACTION_PREFIXE = "Au guichet : "


def peut_agir(agent) -> bool:
    return bool(agent is not None and agent.is_staff and agent.has_perm(PERMISSION))


def _verifier(agent) -> None:
    if not peut_agir(agent):
        raise PermissionDenied(MESSAGE_PERMISSION)


def _tracer(*, agent, famille, objet: str, action: str, apres: dict, sensible: bool = False) -> None:
    audit_enregistrer(
        auteur=agent,
        famille=famille,
        objet=objet,
        action=ACTION_PREFIXE + action,
        apres=apres,
        sensible=sensible,
    )


@transaction.atomic
def guichet_demande_creer(*, agent, famille, type_code: str, formulaire, enfant=None):
    """Une demande (Mon compte, fiche d'un enfant, nouvel enfant) faite pour la famille ; elle
    entre dans la file de modération comme celle d'un parent."""
    _verifier(agent)
    type_ = registre.type_demande(type_code)
    if type_.sensible and not demandes_services.peut_voir_sanitaire(agent):
        raise PermissionDenied(demandes_services.MESSAGE_PERMISSION_SANITAIRE)
    demande = demandes_services.demande_creer(
        famille=famille, type_code=type_code, formulaire=formulaire, enfant=enfant, auteur=agent
    )
    _tracer(
        agent=agent,
        famille=famille,
        objet=f"Demande n° {demande.pk} ({type_.libelle})",
        action="demande faite pour la famille",
        apres={} if type_.sensible else dict(demande.apres),
        sensible=type_.sensible,
    )
    return demande


@transaction.atomic
def guichet_reservation_demander(*, agent, famille, inscription, date, liste_attente: bool = False):
    """Une réservation demandée pour la famille (mêmes règles que sur le portail)."""
    _verifier(agent)
    if inscription.enfant.famille_id != famille.pk:
        raise PermissionDenied("Cette inscription n'est pas celle d'un enfant de la famille.")
    reservation = planning.reservation_demander(
        inscription=inscription, date=date, par=agent, liste_attente=liste_attente
    )
    _tracer(
        agent=agent,
        famille=famille,
        objet=f"Réservation n° {reservation.pk} ({reservation})",
        action="réservation demandée pour la famille",
        apres={"Jour": f"{date:%d/%m/%Y}", "État": reservation.get_etat_display()},
    )
    return reservation


@transaction.atomic
def guichet_absence_declarer(*, agent, famille, inscription, date, motif: str, certificat=None):
    """Une absence déclarée pour la famille (mêmes délais que sur le portail)."""
    _verifier(agent)
    if inscription.enfant.famille_id != famille.pk:
        raise PermissionDenied("Cette inscription n'est pas celle d'un enfant de la famille.")
    absence = planning.absence_declarer(
        inscription=inscription, date=date, motif=motif, certificat=certificat, par=agent
    )
    _tracer(
        agent=agent,
        famille=famille,
        objet=f"Absence n° {absence.pk} ({absence})",
        action="absence déclarée pour la famille",
        apres={"Jour": f"{date:%d/%m/%Y}", "Motif": motif, "État": absence.get_etat_display()},
    )
    return absence


@transaction.atomic
def guichet_piece_deposer(*, agent, famille, type_piece, fichiers: list, enfant=None):
    """Une pièce apportée à l'accueil (scannée), déposée pour la famille ; elle attend la
    vérification comme un dépôt du portail."""
    _verifier(agent)
    if type_piece.sanitaire and not familles_services.peut_voir_sanitaire(agent):
        raise PermissionDenied(familles_services.MESSAGE_PIECE_PERMISSION_SANITAIRE)
    piece = familles_services.piece_deposer(
        famille=famille, type_piece=type_piece, fichiers=fichiers, auteur=agent, enfant=enfant
    )
    _tracer(
        agent=agent,
        famille=famille,
        objet=f"Pièce n° {piece.pk} ({piece})",
        action="pièce déposée pour la famille",
        apres={"Fichiers": ", ".join(f.nom for f in piece.fichiers.all())},
        sensible=type_piece.sanitaire,
    )
    return piece
