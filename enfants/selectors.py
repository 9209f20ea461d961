"""Lectures des enfants, toujours bornées à une famille.

Planning : les données de l'agenda du mois et du flux iCalendar.
"""

import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

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


class Evenement(NamedTuple):
    """Une réservation, une absence ou un pointage du mois, tel que l'agenda le lit."""

    inscription_id: int
    date: datetime.date
    etat: str = ""
    motif_refus: str = ""
    present: bool = False


def _date(valeur) -> datetime.date:
    # PostgreSQL rend des dates ; SQLite, dans une UNION, du texte ISO.
    return valeur if isinstance(valeur, datetime.date) else datetime.date.fromisoformat(valeur)


def _evenements_du_mois(inscription_ids: list[int], structure_ids: set[int],
                        debut: datetime.date, fin: datetime.date) -> dict[str, list]:
    """Réservations, absences, pointages et fermetures du mois : une seule requête (UNION ALL).

    Le chemin le plus fréquenté du portail : l'ORM composait quatre requêtes (préchargements)
    en plus de temps que la base n'en met à les exécuter (docs/performance.md)."""
    resultat: dict[str, list] = {"R": [], "A": [], "P": [], "F": []}
    if not inscription_ids:
        return resultat
    marques_i = ", ".join(["%s"] * len(inscription_ids))
    marques_s = ", ".join(["%s"] * len(structure_ids)) or "NULL"
    # Noms de tables et de colonnes fixes (modèles) ; toutes les valeurs sont des paramètres.
    sql = f"""
        SELECT 'R', inscription_id, date, date, etat, motif_refus, 0 FROM {Reservation._meta.db_table}
         WHERE inscription_id IN ({marques_i}) AND date BETWEEN %s AND %s
        UNION ALL
        SELECT 'A', inscription_id, date, date, etat, '', 0 FROM {Absence._meta.db_table}
         WHERE inscription_id IN ({marques_i}) AND date BETWEEN %s AND %s
        UNION ALL
        SELECT 'P', inscription_id, date, date, '', '', CASE WHEN present THEN 1 ELSE 0 END
          FROM {Presence._meta.db_table}
         WHERE inscription_id IN ({marques_i}) AND date BETWEEN %s AND %s
        UNION ALL
        SELECT 'F', structure_id, date_debut, date_fin, '', '', 0 FROM {Fermeture._meta.db_table}
         WHERE structure_id IN ({marques_s}) AND date_debut <= %s AND date_fin >= %s
    """  # noqa: S608  # nosec B608 (noms fixes, valeurs en paramètres)
    parametres = [*inscription_ids, debut, fin] * 3 + [*structure_ids, fin, debut]
    with connection.cursor() as curseur:
        curseur.execute(sql, parametres)
        for genre, cle, date, date_fin, etat, motif, present in curseur.fetchall():
            if genre == "F":
                resultat["F"].append((cle, _date(date), _date(date_fin)))
            else:
                resultat[genre].append(Evenement(cle, _date(date), etat, motif, bool(present)))
    return resultat


def planning_donnees(*, famille, enfant: Enfant, annee: int, mois: int,
                     aujourdhui: datetime.date | None = None) -> dict:
    """Tout ce que la page du planning affiche, en deux requêtes quel que soit le volume :
    les inscriptions de l'enfant (celles du mois et celles en cours à `aujourdhui`), puis les
    réservations, absences, pointages et fermetures du mois."""
    aujourdhui = aujourdhui or timezone.localdate()
    jours = calendrier.jours_du_mois(annee, mois)
    debut, fin = jours[0], jours[-1]
    toutes = []
    if enfant.famille_id == famille.pk:  # jamais l'enfant d'une autre famille
        # Requête la plus simple possible (ni jointure sur l'enfant, ni tri sur les tables
        # jointes) : sa composition par l'ORM coûtait plus que son exécution.
        toutes = sorted(
            Inscription.objects.filter(enfant_id=enfant.pk, date_fin__gte=min(debut, aujourdhui))
            .select_related("activite__structure").order_by(),
            key=lambda i: (i.activite.structure.nom, i.activite.nom, i.date_debut, i.pk),
        )
    liste = [i for i in toutes if i.date_debut <= fin and i.date_fin >= debut]
    structure_ids = {i.activite.structure_id for i in liste}
    evenements = _evenements_du_mois([i.pk for i in liste], structure_ids, debut, fin)
    fermetures_du_mois: dict[int, set[datetime.date]] = {}
    for structure_id, date_debut, date_fin in evenements["F"]:
        jour = max(date_debut, debut)
        while jour <= min(date_fin, fin):
            fermetures_du_mois.setdefault(structure_id, set()).add(jour)
            jour += datetime.timedelta(days=1)
    return {
        "inscriptions": liste,
        "inscriptions_en_cours": [i for i in toutes if i.date_fin >= aujourdhui],
        "reservations": evenements["R"],
        "absences": evenements["A"],
        "presences": evenements["P"],
        "fermetures": fermetures_du_mois,
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
