"""Les demandes d'inscription à une activité : accorder une place (ou mettre en liste d'attente),
accepter en masse selon les places, proposer une place libérée au premier de la liste d'attente,
et la réponse de la famille (accepter ou refuser la place proposée, délai dépassé).

L'inscription est créée par `enfants.services.inscriptions.inscription_creer`, sous le verrou de
la ligne de l'activité : toute écriture qui prend une place (inscription, proposition) commence
par ce verrou, si bien que deux libérations simultanées font deux propositions à deux familles
différentes, jamais deux fois la même.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from commun.audit import audit_enregistrer
from demandes import registre, selectors
from demandes.models import Demande
from demandes.selectors import CODE_INSCRIPTION
from enfants import selectors as enfants_selectors
from enfants.listes_attente import traitement_enregistrer
from enfants.services import inscriptions as enfants_inscriptions
from messagerie import services as messagerie_services

logger = logging.getLogger(__name__)

PROPOSITION_PLUS_VALABLE = "Cette place n'est plus proposée : la demande a déjà été traitée."
PROPOSITION_EXPIREE = (
    "Le délai pour accepter cette place est passé (le {limite}) : elle est proposée à la famille suivante."
)
MOTIF_PLACE_REFUSEE = "Vous avez refusé la place proposée le {date}."
MOTIF_PLACE_EXPIREE = (
    "La place proposée n'a pas été acceptée avant le {limite} : elle est passée à la famille suivante."
)
PLACE_PRISE = "Plus de place libre sur cette période : la demande reste en liste d'attente."


def _dates(demande: Demande) -> tuple[datetime.date, datetime.date]:
    return (
        datetime.date.fromisoformat(demande.donnees["date_debut"]),
        datetime.date.fromisoformat(demande.donnees["date_fin"]),
    )


def _chevauche(periode, debut, fin) -> bool:
    return periode[0] <= fin and periode[1] >= debut


def _propositions(*, activite_id: int, sauf: int | None = None) -> list[tuple[datetime.date, datetime.date]]:
    """Les périodes des places proposées (pas encore acceptées) de l'activité : elles sont retenues."""
    demandes = Demande.objects.filter(
        type=CODE_INSCRIPTION, statut=Demande.Statut.PROPOSEE, donnees__activite=activite_id
    ).exclude(pk=sauf)
    return [_dates(d) for d in demandes.only("donnees")]


def places_retenues(*, activite_id: int, debut, fin, sauf: int | None = None) -> int:
    return sum(_chevauche(p, debut, fin) for p in _propositions(activite_id=activite_id, sauf=sauf))


def _inscrire(*, demande: Demande, donnees: dict, auteur, motif: str):
    """Crée l'inscription de la demande sous verrou de l'activité, places proposées retenues ;
    activité complète : `registre.EN_LISTE_ATTENTE`."""
    from demandes.services import DemandeErreur

    activite = enfants_inscriptions.activite_verrouiller(activite_id=donnees["activite"].pk)
    retenues = places_retenues(
        activite_id=activite.pk, debut=donnees["date_debut"], fin=donnees["date_fin"], sauf=demande.pk
    )
    try:
        return enfants_inscriptions.inscription_creer(
            enfant=demande.enfant,
            activite=activite,
            date_debut=donnees["date_debut"],
            date_fin=donnees["date_fin"],
            jours_reguliers=donnees.get("jours_reguliers") or "",
            auteur=auteur,
            motif=motif,
            places_retenues=retenues,
        )
    except enfants_inscriptions.InscriptionComplete:
        return registre.EN_LISTE_ATTENTE
    except ValidationError as erreur:
        raise DemandeErreur(" ".join(erreur.messages)) from erreur


def appliquer(*, demande: Demande, donnees: dict, auteur):
    """Le service du type `inscription_activite` (registre) : l'inscription, ou la liste d'attente."""
    return _inscrire(demande=demande, donnees=donnees, auteur=auteur, motif=registre.motif_acceptee(demande))


@dataclass
class Bilan:
    acceptees: int = 0
    en_liste_attente: int = 0
    erreurs: int = 0

    @property
    def texte(self) -> str:
        """« 12 demandes acceptées, 5 en liste d'attente. »"""
        s = "s" if self.acceptees > 1 else ""
        texte = f"{self.acceptees} demande{s} acceptée{s}, {self.en_liste_attente} en liste d'attente"
        if self.erreurs:
            texte += f", {self.erreurs} non traitée{'s' if self.erreurs > 1 else ''} (voir les erreurs)"
        return texte + "."


def demandes_accepter_en_masse(*, demandes, agent, erreur=None) -> Bilan:
    """Accepte les demandes en attente dans l'ordre d'arrivée (date, puis numéro) : tant qu'il
    reste des places, l'inscription est créée ; ensuite, la demande va en liste d'attente à sa
    position. Une transaction par demande : une erreur n'empêche pas les suivantes (`erreur`
    reçoit la demande et le message)."""
    from demandes.services import DemandeErreur, demande_accepter

    bilan = Bilan()
    for demande in sorted(demandes, key=lambda d: (d.cree_le, d.pk)):
        try:
            demande = demande_accepter(demande=demande, agent=agent)
        except (DemandeErreur, PermissionDenied) as exc:
            bilan.erreurs += 1
            if erreur is not None:
                erreur(demande, getattr(exc, "message", str(exc)))
            continue
        if demande.statut == Demande.Statut.LISTE_ATTENTE:
            bilan.en_liste_attente += 1
        else:
            bilan.acceptees += 1
    return bilan


# --- Places libérées : proposer au premier de la liste d'attente ---------------------------


@transaction.atomic
def propositions_faire(*, activite_id: int, maintenant: datetime.datetime | None = None) -> list[Demande]:
    """Propose les places libres de l'activité aux premières demandes de sa liste d'attente
    (ordre d'arrivée), chacune pour `LISTE_ATTENTE_DELAI_HEURES` heures ; renvoie les demandes
    proposées. Idempotent : sans place libre, rien ne change."""
    from enfants.models import Activite

    maintenant = maintenant or timezone.now()
    try:
        activite = enfants_inscriptions.activite_verrouiller(activite_id=activite_id)
    except Activite.DoesNotExist:
        return []
    attente = list(selectors.liste_attente(activite_id=activite_id).select_for_update())
    if not attente:
        return []
    retenues = _propositions(activite_id=activite_id)
    periodes = [_dates(d) for d in attente]
    occupees = list(
        enfants_selectors.inscriptions_qui_chevauchent(
            activite_id=activite_id, debut=min(p[0] for p in periodes), fin=max(p[1] for p in periodes)
        ).values_list("date_debut", "date_fin")
    )
    limite = maintenant + datetime.timedelta(hours=settings.LISTE_ATTENTE_DELAI_HEURES)
    proposees = []
    for demande, (debut, fin) in zip(attente, periodes, strict=True):
        if activite.places_inscription is not None:
            prises = sum(_chevauche(p, debut, fin) for p in occupees) + sum(
                _chevauche(p, debut, fin) for p in retenues
            )
            if prises >= activite.places_inscription:
                continue
        demande.statut = Demande.Statut.PROPOSEE
        demande.proposition_limite = limite
        demande.save(update_fields=["statut", "proposition_limite"])
        retenues.append((debut, fin))
        proposees.append(demande)
        audit_enregistrer(
            auteur=None,
            famille=demande.famille,
            objet=f"Demande n° {demande.pk} (Inscription à une activité)",
            action=f"Place libérée proposée jusqu'au {timezone.localtime(limite):%d/%m/%Y %H:%M}",
        )
        demande_id = demande.pk
        transaction.on_commit(lambda demande_id=demande_id: _notifier_proposition(demande_id=demande_id))
    return proposees


def propositions_faire_apres_validation(*, activite_id: int) -> None:
    """Après la validation de la transaction en cours (place libérée par une suppression, une
    fin avancée ou une capacité augmentée) : propose les places libres."""
    # robust : la suppression ou l'enregistrement est fait ; une erreur ici est journalisée, et
    # la prochaine passe de `manage.py listes_attente` propose la place (filet de sécurité).
    transaction.on_commit(lambda: propositions_faire(activite_id=activite_id), robust=True)


def _verrouiller_proposee(demande: Demande, famille) -> Demande:
    from demandes.services import DemandeDejaTraitee

    demande = Demande.objects.select_for_update().get(pk=demande.pk, famille=famille, type=CODE_INSCRIPTION)
    if demande.statut != Demande.Statut.PROPOSEE:
        raise DemandeDejaTraitee(PROPOSITION_PLUS_VALABLE)
    return demande


@transaction.atomic
def proposition_accepter(*, demande: Demande, famille, auteur, maintenant=None) -> Demande:
    """La famille accepte la place proposée avant la date limite : l'inscription est créée."""
    from demandes.services import DemandeErreur, DemandeInvalide, _notifier_decision, formulaire_revalide

    maintenant = maintenant or timezone.now()
    demande = _verrouiller_proposee(demande, famille)
    if demande.proposition_limite is not None and demande.proposition_limite <= maintenant:
        raise DemandeErreur(
            PROPOSITION_EXPIREE.format(
                limite=f"{timezone.localtime(demande.proposition_limite):%d/%m/%Y à %H:%M}"
            )
        )
    formulaire = formulaire_revalide(demande)
    if not formulaire.is_valid():
        raise DemandeInvalide(" ".join(e for erreurs in formulaire.errors.values() for e in erreurs))
    donnees = {nom: formulaire.cleaned_data[nom] for nom in demande.donnees if nom in formulaire.cleaned_data}
    resultat = _inscrire(
        demande=demande,
        donnees=donnees,
        auteur=auteur,
        motif=f"Place proposée acceptée (demande n° {demande.pk})",
    )
    if resultat is registre.EN_LISTE_ATTENTE:  # jamais si les places retenues sont justes
        raise DemandeErreur(PLACE_PRISE)
    demande.statut = Demande.Statut.ACCEPTEE
    demande.decide_le = maintenant
    demande.save(update_fields=["statut", "decide_le"])
    audit_enregistrer(
        auteur=auteur,
        famille=demande.famille,
        objet=f"Demande n° {demande.pk} (Inscription à une activité)",
        action="Place proposée acceptée par la famille",
    )
    demande_id = demande.pk
    transaction.on_commit(lambda: _notifier_decision(demande_id=demande_id))
    return demande


def _place_passe_au_suivant(demande: Demande, *, motif: str, auteur, action: str) -> None:
    demande.statut = Demande.Statut.REFUSEE
    demande.motif = motif
    demande.decide_le = timezone.now()
    demande.save(update_fields=["statut", "motif", "decide_le"])
    audit_enregistrer(
        auteur=auteur,
        famille=demande.famille,
        objet=f"Demande n° {demande.pk} (Inscription à une activité)",
        action=action,
    )
    propositions_faire_apres_validation(activite_id=demande.donnees["activite"])


@transaction.atomic
def proposition_refuser(*, demande: Demande, famille, auteur) -> Demande:
    """La famille refuse la place proposée : elle passe au suivant de la liste d'attente."""
    demande = _verrouiller_proposee(demande, famille)
    _place_passe_au_suivant(
        demande,
        motif=MOTIF_PLACE_REFUSEE.format(date=f"{timezone.localdate():%d/%m/%Y}"),
        auteur=auteur,
        action="Place proposée refusée par la famille",
    )
    return demande


@traitement_enregistrer("inscriptions")
def propositions_expirees_traiter(*, maintenant: datetime.datetime) -> int:
    """Les places proposées et non acceptées à temps passent au suivant (`manage.py listes_attente`)."""
    nombre = 0
    expirees = Demande.objects.filter(
        type=CODE_INSCRIPTION, statut=Demande.Statut.PROPOSEE, proposition_limite__lte=maintenant
    ).values_list("pk", flat=True)
    for pk in list(expirees):
        with transaction.atomic():
            demande = Demande.objects.select_for_update().get(pk=pk)
            if demande.statut != Demande.Statut.PROPOSEE or demande.proposition_limite > maintenant:
                continue  # acceptée ou refusée entre-temps
            limite = f"{timezone.localtime(demande.proposition_limite):%d/%m/%Y à %H:%M}"
            _place_passe_au_suivant(
                demande,
                motif=MOTIF_PLACE_EXPIREE.format(limite=limite),
                auteur=None,
                action=f"Place proposée non acceptée avant le {limite} : passée à la suivante",
            )
            demande_id = demande.pk
            transaction.on_commit(lambda demande_id=demande_id: _notifier_expiration(demande_id=demande_id))
            nombre += 1
    # Filet de sécurité : une place libérée sans signal (mise à jour en masse, erreur après
    # validation) est proposée ici ; sans place libre, rien ne change.
    activites = (
        Demande.objects.filter(type=CODE_INSCRIPTION, statut=Demande.Statut.LISTE_ATTENTE)
        .values_list("donnees__activite", flat=True)
        .distinct()
    )
    for activite_id in sorted(set(activites)):
        propositions_faire(activite_id=activite_id, maintenant=maintenant)
    return nombre


# --- Notifications ------------------------------------------------------------------------


def _url_proposition(demande_id: int) -> str:
    return settings.PORTAIL_URL.rstrip("/") + reverse("demandes:proposition", kwargs={"pk": demande_id})


def _notifier_proposition(*, demande_id: int) -> None:
    """Une place est proposée : un message dans la boîte de réception et un courriel, chacun avec
    le lien pour accepter ou refuser la place et la date limite."""
    from demandes.services import _courriel_decision_envoyer

    demande = Demande.objects.select_related("famille", "enfant").get(pk=demande_id)
    limite = f"{timezone.localtime(demande.proposition_limite):%d/%m/%Y à %H:%M}"
    activite = demande.apres.get("activite", "")
    lien = _url_proposition(demande_id)
    messagerie_services.message_systeme_envoyer(
        famille=demande.famille,
        objet=f"Une place s'est libérée : « {activite} »",
        texte=(
            f"Une place s'est libérée pour {demande.enfant.prenom} : « {activite} » "
            f"(demande du {timezone.localtime(demande.cree_le):%d/%m/%Y}, en liste d'attente).\n\n"
            f"Acceptez-la ou refusez-la avant le {limite} : {lien}\n\n"
            "Passé ce délai, elle sera proposée à la famille suivante."
        ),
        notifier=False,
    )
    _courriel_decision_envoyer(
        famille=demande.famille,
        sujet=f"Une place vous est proposée — {settings.NOM_CCAS}",
        phrase=f"Une place s'est libérée pour votre demande d'inscription : acceptez-la avant le {limite}.",
        type_="place",
        ou="et la réponse à donner sur le Portail Famille",
        chemin=reverse("demandes:proposition", kwargs={"pk": demande_id}),
    )


def _notifier_expiration(*, demande_id: int) -> None:
    demande = Demande.objects.select_related("famille").get(pk=demande_id)
    messagerie_services.message_systeme_envoyer(
        famille=demande.famille,
        objet="Place proposée : délai dépassé",
        texte=demande.motif + "\n\nLe détail est dans l'onglet « Liste des demandes ».",
        notifier=False,
    )
