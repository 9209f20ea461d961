"""Ce que dit le planning d'un jour d'une inscription : régulier, réservé, absent, présent…

Une seule règle, lue par lots d'inscriptions en un nombre fixe de requêtes : l'export des
consommations vers la facturation (facturation.exportation) et les listes du jour des
animateurs (enfants.listes_terrain) s'en servent toutes deux.
"""

import datetime
import itertools
from collections.abc import Iterable, Iterator

from django.db.models import Q

from enfants.models import Absence, CleFermeture, Fermeture, Inscription, Presence, Reservation
from enfants.planning import activite_ouverte

# Les statuts d'un jour (colonne « statut » de l'export, README).
RESERVE_PRESENT = "reserve_present"
RESERVE = "reserve"
REGULIER = "regulier"
ABSENT_EXCUSE = "reserve_absent_excuse"
ABSENT_FACTURE = "absent_facture"
ABSENCE_EN_COURS = "absence_en_cours"
PRESENT_SANS_RESERVATION = "present_sans_reservation"
# Fermeture exceptionnelle (issue 21) : le jour réservé ou régulier a été annulé par le CCAS ;
# jamais facturable, marqué pour que le logiciel de facturation ne le facture pas.
ANNULE_FERMETURE = "annule_fermeture"

# L'enfant est attendu (ou était là) : contrat régulier ou réservation, sans absence déclarée.
ATTENDUS = {REGULIER, RESERVE, RESERVE_PRESENT, PRESENT_SANS_RESERVATION}


def statut_du_jour(
    *, regulier: bool, reservee: bool, absence: str | None, presence: bool | None
) -> str | None:
    if absence == Absence.Etat.EXCUSEE:
        return ABSENT_EXCUSE
    if absence == Absence.Etat.FACTUREE:
        return ABSENT_FACTURE
    if absence == Absence.Etat.EN_COURS:
        return ABSENCE_EN_COURS
    reserve = regulier or reservee
    if presence is True:
        return RESERVE_PRESENT if reserve else PRESENT_SANS_RESERVATION
    if presence is False and reserve:
        return ABSENT_FACTURE  # pointé absent sans absence déclarée
    if regulier:
        return REGULIER
    if reservee:
        return RESERVE
    return None


def fermetures_des_structures(
    structures: Iterable[int], *, du: datetime.date, au: datetime.date
) -> dict[CleFermeture, list[tuple[datetime.date, datetime.date, bool]]]:
    """Les fermetures qui touchent la période (une requête) : par structure, ou par activité pour
    celles d'une seule activité (`Fermeture.cle`) ; chacune (du, au, exceptionnelle)."""
    fermetures: dict[CleFermeture, list[tuple[datetime.date, datetime.date, bool]]] = {}
    for f in Fermeture.objects.filter(
        structure_id__in=list(structures), date_debut__lte=au, date_fin__gte=du
    ):
        fermetures.setdefault(Fermeture.cle(f.structure_id, f.activite_id), []).append(
            (f.date_debut, f.date_fin, f.exceptionnelle)
        )
    return fermetures


def _fermeture_du_jour(fermetures: dict, activite, jour: datetime.date) -> bool | None:
    """None : ouvert ; sinon, la fermeture du jour est-elle exceptionnelle ?"""
    trouvee = None
    for cle in (activite.structure_id, ("activite", activite.pk)):
        for a, b, exceptionnelle in fermetures.get(cle, []):
            if a <= jour <= b:
                trouvee = bool(trouvee) or exceptionnelle
    return trouvee


def jours_des_inscriptions(
    lot: list[Inscription], *, du, au, feries, vacances, fermetures
) -> Iterator[tuple[Inscription, datetime.date, str]]:
    """(inscription, jour, statut) de chaque jour de la période qui a un statut, dans l'ordre du
    lot puis des jours ; trois requêtes (réservations, absences, pointages) pour tout le lot.
    `lot` : inscriptions avec leur activité (`select_related("activite")`)."""
    ids = [i.pk for i in lot]
    # Les réservations acceptées, et celles annulées par une fermeture exceptionnelle (ces
    # jours-là, comme les jours réguliers de ces fermetures plus bas : « annule_fermeture », non
    # facturable) : une requête.
    reservees, annules_fermeture = set(), set()
    for i, d, etat in Reservation.objects.filter(
        Q(etat=Reservation.Etat.ACCEPTEE) | Q(etat=Reservation.Etat.ANNULEE, fermeture__isnull=False),
        inscription_id__in=ids,
        date__range=(du, au),
    ).values_list("inscription_id", "date", "etat"):
        (reservees if etat == Reservation.Etat.ACCEPTEE else annules_fermeture).add((i, d))
    absences = {
        (i, d): etat
        for i, d, etat in Absence.objects.filter(
            inscription_id__in=ids,
            date__range=(du, au),
            etat__in=[Absence.Etat.EN_COURS, Absence.Etat.EXCUSEE, Absence.Etat.FACTUREE],
        ).values_list("inscription_id", "date", "etat")
    }
    presences = {
        (i, d): p
        for i, d, p in Presence.objects.filter(inscription_id__in=ids, date__range=(du, au)).values_list(
            "inscription_id", "date", "present"
        )
    }
    jours_par_inscription: dict[int, set[datetime.date]] = {}
    for i, d in itertools.chain(reservees, absences, presences, annules_fermeture):
        jours_par_inscription.setdefault(i, set()).add(d)
    for inscription in lot:
        activite = inscription.activite
        debut, fin = max(du, inscription.date_debut), min(au, inscription.date_fin)
        jours = set(jours_par_inscription.get(inscription.pk, ()))
        reguliers = set()
        if inscription.jours_reguliers:
            jour = debut
            while jour <= fin:
                if (
                    str(jour.weekday()) in inscription.jours_reguliers
                    and jour not in feries
                    and activite_ouverte(activite, jour, vacances)
                ):
                    fermee = _fermeture_du_jour(fermetures, activite, jour)
                    if fermee is None:
                        reguliers.add(jour)
                    elif fermee:
                        annules_fermeture.add((inscription.pk, jour))
                        jours.add(jour)
                jour += datetime.timedelta(days=1)
        jours |= reguliers
        for jour in sorted(j for j in jours if debut <= j <= fin):
            cle = (inscription.pk, jour)
            statut = (
                ANNULE_FERMETURE
                if cle in annules_fermeture
                else statut_du_jour(
                    regulier=jour in reguliers,
                    reservee=cle in reservees,
                    absence=absences.get(cle),
                    presence=presences.get(cle),
                )
            )
            if statut is not None:
                yield inscription, jour, statut
