"""Fermeture exceptionnelle d'une structure ou d'une seule de ses activités (grève, intempéries,
bâtiment) : qui est touché, et la déclaration elle-même (jours « Fermeture » dans tous les
plannings, réservations annulées).

Les familles sont prévenues au-dessus (messagerie.fermetures) : `enfants` n'importe pas la
messagerie. L'aperçu et la déclaration lisent les enfants touchés par la même fonction
(`fermeture_touches`) : les nombres montrés avant de confirmer sont ceux de ce qui est fait.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from enfants import calendrier
from enfants.models import Activite, Fermeture, Inscription, Reservation, Structure
from enfants.planning import activite_ouverte

FERMETURE_DATES = "La date de fin est avant la date de début."
FERMETURE_PASSEE = "Une fermeture exceptionnelle se déclare pour aujourd'hui ou plus tard."
FERMETURE_TROP_LONGUE = "Une fermeture exceptionnelle dure {maximum} jours au plus."
FERMETURE_JOURS_MAX = 31
FERMETURE_ACTIVITE = "Cette activité n'est pas une activité de la structure choisie."


class FermetureErreur(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Touches:
    """Les enfants touchés par une fermeture : par famille, chaque enfant (prénom) et ses jours."""

    # {famille_id: {enfant_id: (prénom, {jours})}}
    familles: dict[int, dict[int, tuple[str, set[datetime.date]]]] = field(default_factory=dict)
    reservations: int = 0

    @property
    def nombre_familles(self) -> int:
        return len(self.familles)

    @property
    def nombre_enfants(self) -> int:
        return sum(len(e) for e in self.familles.values())

    def ajouter(self, famille_id: int, enfant_id: int, prenom: str, jour: datetime.date) -> None:
        enfants = self.familles.setdefault(famille_id, {})
        enfants.setdefault(enfant_id, (prenom, set()))[1].add(jour)


def fermeture_verifier(*, date_debut: datetime.date, date_fin: datetime.date) -> None:
    if date_fin < date_debut:
        raise FermetureErreur(FERMETURE_DATES)
    if date_debut < timezone.localdate():
        raise FermetureErreur(FERMETURE_PASSEE)
    if (date_fin - date_debut).days >= FERMETURE_JOURS_MAX:
        raise FermetureErreur(FERMETURE_TROP_LONGUE.format(maximum=FERMETURE_JOURS_MAX))


def _activites(structure: Structure, activite: Activite | None) -> Q:
    """Les inscriptions concernées : celles de l'activité seule, ou de toute la structure."""
    if activite is not None:
        return Q(activite=activite)
    return Q(activite__structure=structure)


def fermeture_touches(
    *,
    structure: Structure,
    date_debut: datetime.date,
    date_fin: datetime.date,
    activite: Activite | None = None,
) -> Touches:
    """Les enfants qui devaient venir (à la structure, ou à la seule `activite`) : une
    réservation vivante ces jours-là, ou un contrat régulier un jour où l'activité accueille
    (ni férié, ni déjà fermé). Trois requêtes."""
    touches = Touches()
    feries = calendrier.feries(date_debut, date_fin)
    vacances = calendrier.vacances(date_debut, date_fin)
    deja: dict = {}
    for f in Fermeture.objects.filter(
        structure=structure, date_debut__lte=date_fin, date_fin__gte=date_debut
    ):
        jour = max(f.date_debut, date_debut)
        while jour <= min(f.date_fin, date_fin):
            deja.setdefault(Fermeture.cle(f.structure_id, f.activite_id), set()).add(jour)
            jour += datetime.timedelta(days=1)
    for famille_id, enfant_id, prenom, jour in Reservation.objects.filter(
        _activites_reservation(structure, activite),
        date__range=(date_debut, date_fin),
        etat__in=Reservation.ETATS_ACTIFS,
    ).values_list(
        "inscription__enfant__famille_id", "inscription__enfant_id", "inscription__enfant__prenom", "date"
    ):
        touches.ajouter(famille_id, enfant_id, prenom, jour)
        touches.reservations += 1
    regulieres = (
        Inscription.objects.filter(
            _activites(structure, activite), date_debut__lte=date_fin, date_fin__gte=date_debut
        )
        .exclude(jours_reguliers="")
        .select_related("activite", "enfant")
    )
    for inscription in regulieres:
        fermes = Fermeture.jours_de(deja, inscription.activite)
        jour = max(date_debut, inscription.date_debut)
        while jour <= min(date_fin, inscription.date_fin):
            if (
                str(jour.weekday()) in inscription.jours_reguliers
                and jour not in feries
                and jour not in fermes
                and activite_ouverte(inscription.activite, jour, vacances)
            ):
                enfant = inscription.enfant
                touches.ajouter(enfant.famille_id, enfant.pk, enfant.prenom, jour)
            jour += datetime.timedelta(days=1)
    return touches


def _activites_reservation(structure: Structure, activite: Activite | None) -> Q:
    if activite is not None:
        return Q(inscription__activite=activite)
    return Q(inscription__activite__structure=structure)


@transaction.atomic
def fermeture_exceptionnelle_declarer(
    *,
    structure: Structure,
    date_debut: datetime.date,
    date_fin: datetime.date,
    motif: str,
    agent,
    activite: Activite | None = None,
) -> tuple[Fermeture, Touches]:
    """Ferme la structure ces jours-là (« Fermeture » dans chaque planning) et annule les
    réservations vivantes de ces jours (jamais facturées : `Reservation.fermeture`, marquées dans
    l'export). Renvoie la fermeture et les enfants touchés, lus avant l'annulation."""
    fermeture_verifier(date_debut=date_debut, date_fin=date_fin)
    if activite is not None and activite.structure_id != structure.pk:
        raise FermetureErreur(FERMETURE_ACTIVITE)
    # Une déclaration à la fois par structure : deux agents qui ferment la même structure en même
    # temps ne comptent pas deux fois les mêmes réservations.
    Structure.objects.select_for_update().get(pk=structure.pk)
    touches = fermeture_touches(
        structure=structure, date_debut=date_debut, date_fin=date_fin, activite=activite
    )
    maintenant = timezone.now()
    fermeture = Fermeture.objects.create(
        structure=structure,
        activite=activite,
        date_debut=date_debut,
        date_fin=date_fin,
        motif=motif,
        exceptionnelle=True,
        declaree_par=agent,
    )
    Reservation.objects.filter(
        _activites_reservation(structure, activite),
        date__range=(date_debut, date_fin),
        etat__in=Reservation.ETATS_ACTIFS,
    ).update(
        etat=Reservation.Etat.ANNULEE,
        fermeture=fermeture,
        decidee_le=maintenant,
        decidee_par=agent,
        # `update` ne touche pas `auto_now` : l'export doit voir ces jours changés (régularisation).
        modifie_le=maintenant,
    )
    return fermeture, touches
