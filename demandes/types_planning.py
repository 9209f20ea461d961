"""Les demandes du planning : réservations et absences des familles.

La réservation (ou l'absence) existe déjà dans le planning. Si elle attend un agent (« en cours
de traitement »), la demande la porte dans la file de modération et la Liste des demandes ;
accepter ou refuser la demande appelle le service du planning (capacité revérifiée sous verrou).
Si le service du planning l'a décidée d'office (acceptation automatique, absence excusée dans
le délai ou facturée hors délai), la demande est seulement consignée, déjà décidée, pour que la
famille la retrouve dans la Liste des demandes : la décision reste celle du service.
"""

from django.core.exceptions import ValidationError
from django.dispatch import receiver

from demandes.registre import COTE_ENFANTS, TypeDemande, enregistrer
from enfants import calendrier
from enfants import forms as enfants_forms
from enfants import services as planning
from enfants.models import Absence, Reservation


def _arguments(*, famille, enfant):
    return {"enfant": enfant}


def _service(service, cle):
    """Adapte un service du planning au registre ; un refus de règle devient une DemandeErreur."""

    def appeler(*, demande, donnees, agent, motif=None):
        from demandes.services import DemandeErreur

        try:
            service(**{cle: donnees[cle], "agent": agent, "motif": motif})
        except ValidationError as erreur:
            raise DemandeErreur(" ".join(erreur.messages)) from erreur

    return appeler


def _appliquer(service, cle):
    appeler = _service(service, cle)
    return lambda *, demande, donnees, auteur: appeler(demande=demande, donnees=donnees, agent=auteur)


def _informations_reservation(demande) -> list[tuple[str, str]]:
    """Les places restantes le jour de la réservation, au moment où l'agent regarde."""
    reservation = (
        Reservation.objects.select_related("inscription__activite")
        .filter(pk=demande.donnees.get("reservation"))
        .first()
    )
    if reservation is None:
        return []
    places = planning.places_du_jour(activite=reservation.inscription.activite, jour=reservation.date)
    return [("Places le jour demandé", places.texte)]


def _type_du_planning(*, cle, accepter, refuser, annuler, **champs):
    """Un type de demande du planning : la réservation ou l'absence (`donnees[cle]`) existe déjà ;
    accepter, refuser ou annuler la demande appelle le service du planning sur elle."""
    return enregistrer(
        TypeDemande(
            cote=COTE_ENFANTS,
            arguments=_arguments,
            creation=True,
            unique_en_attente=False,
            limite_par_heure=False,
            appliquer=_appliquer(accepter, cle),
            refuser=_service(refuser, cle),
            annuler=lambda *, demande, donnees: annuler(**{cle: donnees[cle]}),
            **champs,
        )
    )


RESERVATION = _type_du_planning(
    code="reservation",
    libelle="Réservation",
    categorie="Réservations",
    message_acceptee="Demande n° {pk} : réservation acceptée.",
    informations=_informations_reservation,
    formulaire=enfants_forms.ReservationDecisionForm,
    cle="reservation",
    accepter=planning.reservation_accepter,
    refuser=planning.reservation_refuser,
    annuler=planning.reservation_annuler,
)
ABSENCE = _type_du_planning(
    code="absence",
    libelle="Absence",
    categorie="Absences",
    message_acceptee="Demande n° {pk} : absence excusée.",
    formulaire=enfants_forms.AbsenceDecisionForm,
    cle="absence",
    accepter=planning.absence_accepter,
    refuser=planning.absence_refuser,
    annuler=planning.absence_annuler,
)
TYPES = {Reservation: (RESERVATION, "reservation"), Absence: (ABSENCE, "absence")}


MOTIF_FACTUREE = "Déclarée hors délai, sans certificat médical : l'absence est facturée."


def _decision_d_office(objet) -> tuple[str, str] | None:
    """(statut, motif) de la demande si le service du planning a déjà décidé, sinon None."""
    from demandes.models import Demande

    if isinstance(objet, Reservation):
        if objet.etat == Reservation.Etat.ACCEPTEE:
            return Demande.Statut.ACCEPTEE, ""
        return None
    if objet.etat == Absence.Etat.EXCUSEE:
        return Demande.Statut.ACCEPTEE, ""
    if objet.etat == Absence.Etat.FACTUREE:
        return Demande.Statut.REFUSEE, MOTIF_FACTUREE
    return None


@receiver(planning.demande_planning_soumise, dispatch_uid="demandes_planning_en_file")
def mettre_en_file(sender, objet, auteur=None, **kwargs):
    """Une réservation ou une absence demandée : une demande dans la Liste des demandes, et dans
    la file de modération si elle attend un agent."""
    from demandes.services import demande_consigner, demande_creer_dans_la_transaction

    type_, cle = TYPES[sender]
    enfant = objet.inscription.enfant
    decision = _decision_d_office(objet)
    if decision is None:
        formulaire = type_.construire(famille=enfant.famille, enfant=enfant, data={cle: objet.pk})
        demande_creer_dans_la_transaction(
            famille=enfant.famille, type_code=type_.code, formulaire=formulaire, enfant=enfant, auteur=auteur
        )
        return
    statut, motif = decision
    texte = str(objet) if sender is Reservation else f"{objet} — {objet.get_etat_display()}"
    demande_consigner(
        famille=enfant.famille,
        type_code=type_.code,
        enfant=enfant,
        donnees={cle: objet.pk},
        apres={cle: texte},
        statut=statut,
        motif=motif,
        auteur=auteur,
    )


@receiver(planning.demande_planning_retiree, dispatch_uid="demandes_planning_retiree")
def retirer(sender, objet, **kwargs):
    """La famille a retiré une absence : la demande qui la portait est annulée (elle quitte la
    Liste des demandes et la file de modération)."""
    from django.utils import timezone

    from demandes.models import Demande

    type_, cle = TYPES[sender]
    Demande.objects.filter(
        type=type_.code,
        famille_id=objet.inscription.enfant.famille_id,
        statut__in=[Demande.Statut.EN_ATTENTE, Demande.Statut.ACCEPTEE],
        **{f"donnees__{cle}": objet.pk},
    ).update(statut=Demande.Statut.ANNULEE, decide_le=timezone.now())


def file_completer(*, famille) -> None:
    """Met dans la file les réservations et absences de la famille encore en attente (démo)."""
    for objet in Reservation.objects.filter(
        inscription__enfant__famille=famille,
        etat__in=[Reservation.Etat.EN_COURS, Reservation.Etat.EN_ATTENTE, Reservation.Etat.PROPOSEE],
    ):
        mettre_en_file(Reservation, objet)
    for objet in Absence.objects.filter(inscription__enfant__famille=famille, etat=Absence.Etat.EN_COURS):
        mettre_en_file(Absence, objet)


# --- Listes d'attente des jours : la famille est prévenue d'une place proposée ---------------


def _demande_de_reservation(reservation_pk: int, famille_id: int):
    from demandes.models import Demande

    return Demande.objects.filter(
        type=RESERVATION.code,
        famille_id=famille_id,
        statut=Demande.Statut.EN_ATTENTE,
        donnees__reservation=reservation_pk,
    )


@receiver(planning.place_proposee, dispatch_uid="demandes_place_proposee")
def prevenir_place_proposee(sender, reservation_id, **kwargs):
    """Une place proposée (après validation) : un message dans la boîte de réception (le jour,
    l'enfant, la limite, le lien) et un courriel sans contenu personnel qui donne le lien."""
    from django.conf import settings
    from django.urls import reverse

    from demandes.services import _courriel_decision_envoyer
    from messagerie import services as messagerie_services

    reservation = (
        Reservation.objects.select_related("inscription__enfant__famille", "inscription__activite")
        .filter(pk=reservation_id, etat=Reservation.Etat.PROPOSEE)
        .first()
    )
    if reservation is None:  # déjà acceptée, refusée ou expirée entre-temps
        return
    famille = reservation.inscription.enfant.famille
    lien = settings.PORTAIL_URL.rstrip("/") + reverse("enfants:proposition", args=[reservation.pk])
    limite = planning.texte_limite(reservation.proposition_limite)
    jour = calendrier.date_longue(reservation.date)
    messagerie_services.message_systeme_envoyer(
        famille=famille,
        objet=f"Une place s'est libérée le {jour}",
        texte=(
            f"Une place s'est libérée le {jour} pour {reservation.inscription.enfant.prenom} "
            f"({reservation.inscription.activite.nom}), qui était sur la liste d'attente.\n\n"
            f"Elle vous est proposée : acceptez-la ou refusez-la avant le {limite} :\n{lien}\n\n"
            "Sans réponse, elle passera au suivant de la liste d'attente."
        ),
        notifier=False,
    )
    _courriel_decision_envoyer(
        famille=famille,
        sujet=f"Une place vous est proposée — {settings.NOM_CCAS}",
        phrase=(
            "Une place s'est libérée pour une de vos demandes en liste d'attente. "
            f"Répondez avant le {limite}."
        ),
        type_="place",
        ou="et la réponse à donner dans le Portail Famille",
        chemin=reverse("enfants:proposition", args=[reservation.pk]),
    )


MOTIF_PROPOSITION_EXPIREE = (
    "La place proposée n'a pas été acceptée avant la date limite : elle est passée au suivant."
)


@receiver(planning.proposition_terminee, dispatch_uid="demandes_proposition_terminee")
def decider_selon_proposition(sender, objet, acceptee, auteur=None, motif=None, **kwargs):
    """La demande de réservation qui portait la proposition : acceptée avec elle ; annulée si la
    famille refuse la place ; refusée (motif) si la proposition a expiré ou si le jour est arrivé
    sans place libérée (`motif`)."""
    from django.utils import timezone

    from demandes.models import Demande

    demandes = _demande_de_reservation(objet.pk, objet.inscription.enfant.famille_id)
    if acceptee:
        demandes.update(statut=Demande.Statut.ACCEPTEE, decide_le=timezone.now())
    elif getattr(auteur, "pk", None):
        demandes.update(statut=Demande.Statut.ANNULEE, decide_le=timezone.now())
    else:
        demandes.update(
            statut=Demande.Statut.REFUSEE,
            motif=motif or MOTIF_PROPOSITION_EXPIREE,
            decide_le=timezone.now(),
        )


MOTIF_PLACE_REPRISE = (
    "Déclarée hors délai, mais la place a été reprise par un enfant de la liste d'attente : "
    "l'absence n'est pas facturée."
)


@receiver(planning.absence_non_facturee, dispatch_uid="demandes_absence_non_facturee")
def absence_plus_facturee(sender, objet, **kwargs):
    """Une absence facturée dont la place est reprise : sa demande (consignée « refusée :
    facturée ») devient acceptée, avec l'explication, et la famille est prévenue."""
    from django.db import transaction
    from django.utils import timezone

    from demandes.models import Demande
    from messagerie import services as messagerie_services

    famille = objet.inscription.enfant.famille
    Demande.objects.filter(type=ABSENCE.code, famille_id=famille.pk, donnees__absence=objet.pk).exclude(
        statut=Demande.Statut.ANNULEE
    ).update(statut=Demande.Statut.ACCEPTEE, motif=MOTIF_PLACE_REPRISE, decide_le=timezone.now())
    jour = calendrier.date_longue(objet.date)
    prenom = objet.inscription.enfant.prenom
    transaction.on_commit(
        lambda: messagerie_services.message_systeme_envoyer(
            famille=famille,
            objet=f"Absence du {jour} : non facturée",
            texte=(
                f"La place de {prenom} le {jour} a été reprise par un enfant de la liste "
                "d'attente : l'absence déclarée ne sera pas facturée."
            ),
        )
    )


# --- Confirmation de chaque réservation ou absence (issue 21) ------------------------------
# Désactivée par défaut : seuls les comptes qui l'ont cochée dans « Mes notifications » la
# reçoivent. Une demande de plusieurs jours (une période) ne fait qu'une confirmation : une
# seule par famille et par transaction, prévue après validation.


class _Confirmation:
    """Le rappel après validation qui prévoit la confirmation d'une famille (reconnaissable dans
    la liste des rappels de la connexion : un seul par famille et par transaction)."""

    def __init__(self, famille_id: int):
        self.famille_id = famille_id

    def __call__(self) -> None:
        from django.db import transaction
        from django.urls import reverse

        from messagerie import notifications

        with transaction.atomic():
            notifications.notifier(
                familles=[self.famille_id],
                type_=notifications.Type.CONFIRMATION,
                lien=reverse("demandes:liste"),
            )


@receiver(planning.demande_planning_soumise, dispatch_uid="messagerie_confirmation_planning")
def confirmer(sender, objet, **kwargs):
    from django.db import connection, transaction

    famille_id = objet.inscription.enfant.famille_id
    if any(getattr(rappel, "famille_id", None) == famille_id for _, rappel, _ in connection.run_on_commit):
        return
    transaction.on_commit(_Confirmation(famille_id))
