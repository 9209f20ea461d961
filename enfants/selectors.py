"""Lectures des enfants, toujours bornées à une famille.

Planning : les données de l'agenda du mois et du flux iCalendar.
"""

import datetime

from django.db.models import Prefetch, Q, QuerySet

from enfants import calendrier
from enfants.models import Absence, Enfant, Fermeture, Inscription, Presence, Reservation


def enfants(*, famille) -> QuerySet[Enfant]:
    """Les enfants de la famille, du plus âgé au plus jeune."""
    return Enfant.objects.filter(famille=famille).order_by("date_naissance", "prenom")


def enfants_avec_inscriptions(*, famille, jour: datetime.date) -> QuerySet[Enfant]:
    """Les enfants avec leurs inscriptions en cours à `jour` (attribut `inscriptions_en_cours`),
    activité et structure jointes : deux requêtes quel que soit le nombre d'enfants."""
    en_cours = Inscription.objects.filter(date_debut__lte=jour, date_fin__gte=jour).select_related(
        "activite__structure").order_by("activite__structure__nom", "activite__nom")
    return enfants(famille=famille).prefetch_related(
        Prefetch("inscriptions", queryset=en_cours, to_attr="inscriptions_en_cours"))


def enfants_fiche(*, famille) -> QuerySet[Enfant]:
    """Les enfants avec toute leur fiche jointe (nombre de requêtes constant)."""
    return enfants(famille=famille).select_related(
        "autorisations", "donnees_sanitaires"
    ).prefetch_related("personnes_autorisees", "vaccinations")


# --- Planning ---

def enfants_de_la_famille(*, famille) -> QuerySet[Enfant]:
    """Les enfants de la famille."""
    return Enfant.objects.filter(famille=famille)


def inscriptions(*, famille) -> QuerySet[Inscription]:
    """Les inscriptions des enfants de la famille, avec leur activité et sa structure."""
    return Inscription.objects.filter(enfant__famille=famille).select_related(
        "enfant", "activite__structure"
    )


def inscriptions_en_cours(*, famille, enfant: Enfant, jour: datetime.date) -> QuerySet[Inscription]:
    """Les inscriptions d'un enfant qui ne sont pas terminées à cette date."""
    return inscriptions(famille=famille).filter(enfant=enfant, date_fin__gte=jour)


def reservations(*, famille) -> QuerySet[Reservation]:
    return Reservation.objects.filter(inscription__enfant__famille=famille).select_related(
        "inscription__enfant", "inscription__activite__structure"
    )


def absences(*, famille) -> QuerySet[Absence]:
    return Absence.objects.filter(inscription__enfant__famille=famille).select_related(
        "inscription__enfant", "inscription__activite__structure"
    )


def fermetures(*, structure_ids, debut: datetime.date, fin: datetime.date
               ) -> dict[int, set[datetime.date]]:
    """Les jours de fermeture entre deux dates, par structure : {structure_id: {dates}}."""
    resultat: dict[int, set[datetime.date]] = {}
    for f in Fermeture.objects.filter(structure_id__in=structure_ids, date_debut__lte=fin,
                                      date_fin__gte=debut):
        jour = max(f.date_debut, debut)
        while jour <= min(f.date_fin, fin):
            resultat.setdefault(f.structure_id, set()).add(jour)
            jour += datetime.timedelta(days=1)
    return resultat


def planning_donnees(*, famille, enfant: Enfant, annee: int, mois: int) -> dict:
    """Tout ce que l'agenda d'un mois affiche, en cinq requêtes quel que soit le volume."""
    jours = calendrier.jours_du_mois(annee, mois)
    debut, fin = jours[0], jours[-1]
    dans_le_mois = Q(date__gte=debut, date__lte=fin)
    liste = list(
        inscriptions(famille=famille)
        .filter(enfant=enfant, date_debut__lte=fin, date_fin__gte=debut)
        .prefetch_related(
            Prefetch("reservations", queryset=Reservation.objects.filter(dans_le_mois),
                     to_attr="reservations_du_mois"),
            Prefetch("absences", queryset=Absence.objects.filter(dans_le_mois),
                     to_attr="absences_du_mois"),
            Prefetch("presences", queryset=Presence.objects.filter(dans_le_mois),
                     to_attr="presences_du_mois"),
        )
    )
    return {
        "inscriptions": liste,
        "reservations": [r for i in liste for r in i.reservations_du_mois],
        "absences": [a for i in liste for a in i.absences_du_mois],
        "presences": [p for i in liste for p in i.presences_du_mois],
        "fermetures": fermetures(structure_ids={i.activite.structure_id for i in liste},
                                 debut=debut, fin=fin) if liste else {},
        "feries": calendrier.feries(debut, fin),
        "vacances": calendrier.vacances(debut, fin),
    }


def flux_calendrier_donnees(*, enfant: Enfant, debut: datetime.date, fin: datetime.date) -> dict:
    """Les inscriptions d'un enfant et leurs jours réservés, absences et demandes pour le flux iCal."""
    liste = list(
        Inscription.objects.filter(enfant=enfant, date_debut__lte=fin, date_fin__gte=debut)
        .select_related("activite__structure")
        .prefetch_related(
            Prefetch("reservations",
                     queryset=Reservation.objects.filter(date__gte=debut, date__lte=fin),
                     to_attr="reservations_du_mois"),
            Prefetch("absences", queryset=Absence.objects.filter(date__gte=debut, date__lte=fin),
                     to_attr="absences_du_mois"),
        )
    )
    return {
        "inscriptions": liste,
        "fermetures": fermetures(structure_ids={i.activite.structure_id for i in liste},
                                 debut=debut, fin=fin) if liste else {},
        "feries": calendrier.feries(debut, fin),
        "vacances": calendrier.vacances(debut, fin),
    }
