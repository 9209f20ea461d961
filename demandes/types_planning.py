"""Les demandes du planning : réservations et absences qui attendent la décision d'un agent.

La réservation (ou l'absence) existe déjà dans le planning, « en cours de traitement » ; la
demande la porte dans la file de modération et la Liste des demandes. Accepter ou refuser la
demande appelle le service du planning (capacité revérifiée sous verrou).
"""

from django.core.exceptions import ValidationError
from django.dispatch import receiver

from demandes.registre import COTE_ENFANTS, TypeDemande, enregistrer
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
    return lambda *, demande, donnees, auteur: appeler(demande=demande, donnees=donnees,
                                                       agent=auteur)


RESERVATION = enregistrer(TypeDemande(
    code="reservation", libelle="Réservation", cote=COTE_ENFANTS, categorie="Réservations",
    formulaire=enfants_forms.ReservationDecisionForm, arguments=_arguments,
    creation=True, unique_en_attente=False, limite_par_heure=False,
    appliquer=_appliquer(planning.reservation_accepter, "reservation"),
    refuser=_service(planning.reservation_refuser, "reservation"),
    annuler=lambda *, demande, donnees: planning.reservation_annuler(
        reservation=donnees["reservation"]),
))
ABSENCE = enregistrer(TypeDemande(
    code="absence", libelle="Absence", cote=COTE_ENFANTS, categorie="Absences",
    formulaire=enfants_forms.AbsenceDecisionForm, arguments=_arguments,
    creation=True, unique_en_attente=False, limite_par_heure=False,
    appliquer=_appliquer(planning.absence_accepter, "absence"),
    refuser=_service(planning.absence_refuser, "absence"),
    annuler=lambda *, demande, donnees: planning.absence_annuler(absence=donnees["absence"]),
))
TYPES = {Reservation: (RESERVATION, "reservation"), Absence: (ABSENCE, "absence")}


@receiver(planning.demande_planning_soumise, dispatch_uid="demandes_planning_en_file")
def mettre_en_file(sender, objet, auteur=None, **kwargs):
    """Une réservation ou une absence attend un agent : une demande dans la file de modération."""
    from demandes.services import demande_creer

    type_, cle = TYPES[sender]
    enfant = objet.inscription.enfant
    formulaire = type_.construire(famille=enfant.famille, enfant=enfant, data={cle: objet.pk})
    demande_creer(famille=enfant.famille, type_code=type_.code, formulaire=formulaire,
                  enfant=enfant, auteur=auteur)


def file_completer(*, famille) -> None:
    """Met dans la file les réservations et absences de la famille encore en attente (démo)."""
    for objet in Reservation.objects.filter(
            inscription__enfant__famille=famille,
            etat__in=[Reservation.Etat.EN_COURS, Reservation.Etat.EN_ATTENTE]):
        mettre_en_file(Reservation, objet)
    for objet in Absence.objects.filter(inscription__enfant__famille=famille,
                                        etat=Absence.Etat.EN_COURS):
        mettre_en_file(Absence, objet)
