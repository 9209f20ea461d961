"""Lectures des enfants, toujours bornées à une famille.

Planning : les données de l'agenda du mois et du flux iCalendar.
"""

import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from commun.sql import requetes_preparees
from enfants import calendrier
from enfants.models import (
    Absence,
    Activite,
    Enfant,
    Fermeture,
    FluxCalendrier,
    Inscription,
    Presence,
    Reservation,
    Structure,
)
from messagerie.selectors import messages_non_lus_sql


def enfants(*, famille) -> QuerySet[Enfant]:
    """Les enfants de la famille, du plus âgé au plus jeune."""
    return Enfant.objects.filter(famille=famille).order_by("date_naissance", "prenom")


def enfants_avec_inscriptions(*, famille, jour: datetime.date) -> QuerySet[Enfant]:
    """Les enfants avec leurs inscriptions en cours à `jour` (attribut `inscriptions_en_cours`),
    activité et structure jointes : deux requêtes quel que soit le nombre d'enfants."""
    en_cours = (
        Inscription.objects.filter(date_debut__lte=jour, date_fin__gte=jour)
        .select_related("activite__structure")
        .order_by("activite__structure__nom", "activite__nom")
    )
    return enfants(famille=famille).prefetch_related(
        Prefetch("inscriptions", queryset=en_cours, to_attr="inscriptions_en_cours")
    )


def enfants_fiche(*, famille) -> QuerySet[Enfant]:
    """Les enfants avec toute leur fiche jointe (nombre de requêtes constant)."""
    return (
        enfants(famille=famille)
        .select_related("autorisations", "donnees_sanitaires")
        .prefetch_related("personnes_autorisees", "vaccinations")
    )


# --- Planning ---


def enfants_de_la_famille(*, famille) -> QuerySet[Enfant]:
    """Les enfants de la famille."""
    return Enfant.objects.filter(famille=famille)


def inscriptions(*, famille) -> QuerySet[Inscription]:
    """Les inscriptions des enfants de la famille, avec leur activité et sa structure."""
    return Inscription.objects.filter(enfant__famille=famille).select_related("enfant", "activite__structure")


def absences(*, famille) -> QuerySet[Absence]:
    """Les absences déclarées pour les enfants de la famille, avec l'inscription et l'activité."""
    return Absence.objects.filter(inscription__enfant__famille=famille).select_related(
        "inscription__enfant", "inscription__activite__structure"
    )


def fermetures(*, structure_ids, debut: datetime.date, fin: datetime.date) -> dict[int, set[datetime.date]]:
    """Les jours de fermeture entre deux dates, par structure : {structure_id: {dates}}."""
    resultat: dict[int, set[datetime.date]] = {}
    for f in Fermeture.objects.filter(
        structure_id__in=structure_ids, date_debut__lte=fin, date_fin__gte=debut
    ):
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
    pk: int = 0


def _date(valeur) -> datetime.date:
    # PostgreSQL rend des dates ; SQLite, dans une UNION, du texte ISO.
    return valeur if isinstance(valeur, datetime.date) else datetime.date.fromisoformat(valeur)


def _heure(valeur) -> datetime.time:
    # « 12:00:00 » sur les deux bases (CAST … AS TEXT).
    return datetime.time.fromisoformat(valeur)


def _planning_sql() -> str:
    """La requête unique de la page du planning (UNION ALL de lignes de même forme :
    genre, id, cle, date 1, date 2, texte 1 à 4, entier, texte 5). Les délais des activités
    (ligne « T ») disent quels jours il est encore temps de réserver ou d'annuler une absence."""
    t = {
        m.__name__: m._meta.db_table
        for m in (
            Enfant,
            FluxCalendrier,
            Inscription,
            Activite,
            Structure,
            Reservation,
            Absence,
            Presence,
            Fermeture,
        )
    }
    # Noms de tables fixes (modèles) ; toutes les valeurs sont des paramètres nommés.
    return f"""
        WITH ins AS (
            SELECT i.id, i.activite_id, i.date_debut, i.date_fin, i.jours_reguliers
              FROM {t["Inscription"]} i JOIN {t["Enfant"]} e ON e.id = i.enfant_id
             WHERE i.enfant_id = %(enfant)s AND e.famille_id = %(famille)s
               AND i.date_fin >= %(borne)s
        ), du_mois AS (
            SELECT id FROM ins WHERE date_debut <= %(fin)s AND date_fin >= %(debut)s
        )
        SELECT 'E', e.id, e.famille_id, NULL, NULL, e.nom, e.prenom, f.jeton, NULL,
               {messages_non_lus_sql()}, NULL
          FROM {t["Enfant"]} e LEFT JOIN {t["FluxCalendrier"]} f ON f.enfant_id = e.id
         WHERE e.id = %(enfant)s AND e.famille_id = %(famille)s
        UNION ALL
        SELECT 'I', ins.id, ins.activite_id, ins.date_debut, ins.date_fin, ins.jours_reguliers,
               a.nom, a.jours_ouverture, a.periode, a.structure_id, s.nom
          FROM ins JOIN {t["Activite"]} a ON a.id = ins.activite_id
          JOIN {t["Structure"]} s ON s.id = a.structure_id
        UNION ALL
        SELECT 'T', a.id, a.delai_reservation, NULL, NULL, CAST(a.heure_limite AS TEXT), NULL,
               NULL, NULL, a.delai_absence, CAST(a.horizon_reservation AS TEXT)
          FROM {t["Activite"]} a
         WHERE a.id IN (SELECT i.activite_id FROM ins i JOIN du_mois m ON m.id = i.id)
        UNION ALL
        SELECT 'R', r.id, r.inscription_id, r.date, NULL, r.etat, r.motif_refus, NULL, NULL,
               NULL, NULL
          FROM {t["Reservation"]} r
         WHERE r.inscription_id IN (SELECT id FROM du_mois)
           AND r.date BETWEEN %(debut)s AND %(fin)s
        UNION ALL
        SELECT 'A', a.id, a.inscription_id, a.date, NULL, a.etat, NULL, NULL, NULL, NULL, NULL
          FROM {t["Absence"]} a
         WHERE a.inscription_id IN (SELECT id FROM du_mois)
           AND a.date BETWEEN %(debut)s AND %(fin)s
        UNION ALL
        SELECT 'P', p.id, p.inscription_id, p.date, NULL, NULL, NULL, NULL, NULL,
               CASE WHEN p.present THEN 1 ELSE 0 END, NULL
          FROM {t["Presence"]} p
         WHERE p.inscription_id IN (SELECT id FROM du_mois)
           AND p.date BETWEEN %(debut)s AND %(fin)s
        UNION ALL
        SELECT 'F', fe.id, fe.structure_id, fe.date_debut, fe.date_fin, NULL, NULL, NULL, NULL,
               NULL, NULL
          FROM {t["Fermeture"]} fe
         WHERE fe.structure_id IN (SELECT a.structure_id FROM du_mois
                                     JOIN {t["Inscription"]} i ON i.id = du_mois.id
                                     JOIN {t["Activite"]} a ON a.id = i.activite_id)
           AND fe.date_debut <= %(fin)s AND fe.date_fin >= %(debut)s
        ORDER BY 1, 2
    """  # noqa: S608  # nosec B608 (noms fixes, valeurs en paramètres)


def planning_page(  # noqa: C901 — temporaire : découpé par s17-sql
    *, famille, enfant_id: int, annee: int, mois: int, aujourdhui: datetime.date | None = None
) -> dict | None:
    """Tout ce que la page du planning affiche, en une seule requête SQL quel que soit le
    volume : l'enfant de la famille (et le jeton de son flux iCal), ses inscriptions (celles du
    mois et celles en cours à `aujourdhui`), les réservations, absences, pointages et
    fermetures du mois, et le nombre de messages non lus de l'en-tête. None si l'enfant n'est
    pas un enfant de cette famille.

    C'est la page la plus fréquentée après l'accueil : l'ORM y composait six requêtes en plus
    de temps que la base n'en mettait à les exécuter (docs/performance.md). Les objets rendus
    ne portent que les champs que la page lit ; un autre champ serait lu à la demande."""
    aujourdhui = aujourdhui or timezone.localdate()
    jours = calendrier.jours_du_mois(annee, mois)
    debut, fin = jours[0], jours[-1]
    parametres = {
        "enfant": enfant_id,
        "famille": famille.pk,
        "debut": debut,
        "fin": fin,
        "borne": min(debut, aujourdhui),
        "faux": False,
    }
    with requetes_preparees(), connection.cursor() as curseur:
        curseur.execute(_planning_sql(), parametres)
        lignes = curseur.fetchall()
    base = connection.alias
    enfant, jeton, non_lus = None, None, None
    structures: dict[int, Structure] = {}
    activites: dict[int, Activite] = {}
    toutes, reservations, absences, presences = [], [], [], []
    fermetures_du_mois: dict[int, set[datetime.date]] = {}
    for genre, pk, cle, date1, date2, t1, t2, t3, t4, entier, t5 in lignes:
        if genre == "E":
            enfant = Enfant.from_db(base, ["id", "famille_id", "nom", "prenom"], [pk, cle, t1, t2])
            jeton, non_lus = t3, entier
        elif genre == "I":
            if entier not in structures:
                structures[entier] = Structure.from_db(base, ["id", "nom"], [entier, t5])
            if cle not in activites:
                activite = Activite.from_db(
                    base,
                    ["id", "structure_id", "nom", "jours_ouverture", "periode"],
                    [cle, entier, t2, t3, t4],
                )
                activite.structure = structures[entier]
                activites[cle] = activite
            inscription = Inscription.from_db(
                base,
                ["id", "enfant_id", "activite_id", "date_debut", "date_fin", "jours_reguliers"],
                [pk, enfant_id, cle, _date(date1), _date(date2), t1],
            )
            inscription.activite = activites[cle]
            toutes.append(inscription)
        elif genre == "T":
            # Après les « I » (ORDER BY 1) : l'activité est déjà là.
            activite = activites[pk]
            activite.delai_reservation, activite.delai_absence = cle, entier
            activite.heure_limite = _heure(t1)
            activite.horizon_reservation = int(t5)
        elif genre == "R":
            reservations.append(Evenement(cle, _date(date1), t1, t2 or ""))
        elif genre == "A":
            absences.append(Evenement(cle, _date(date1), t1, pk=pk))
        elif genre == "P":
            presences.append(Evenement(cle, _date(date1), present=bool(entier)))
        elif genre == "F":
            jour, jusqu_au = max(_date(date1), debut), min(_date(date2), fin)
            while jour <= jusqu_au:
                fermetures_du_mois.setdefault(cle, set()).add(jour)
                jour += datetime.timedelta(days=1)
    if enfant is None:
        return None
    for inscription in toutes:
        inscription.enfant = enfant
    toutes.sort(key=lambda i: (i.activite.structure.nom, i.activite.nom, i.date_debut, i.pk))
    return {
        "enfant": enfant,
        "flux_jeton": jeton,
        "messages_non_lus": non_lus,  # le compteur de l'en-tête, lu dans la même requête
        "inscriptions": [i for i in toutes if i.date_debut <= fin and i.date_fin >= debut],
        "inscriptions_en_cours": [i for i in toutes if i.date_fin >= aujourdhui],
        "reservations": reservations,
        "absences": absences,
        "presences": presences,
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
            Prefetch(
                "reservations",
                queryset=Reservation.objects.filter(date__gte=debut, date__lte=fin),
                to_attr="reservations_du_mois",
            ),
            Prefetch(
                "absences",
                queryset=Absence.objects.filter(date__gte=debut, date__lte=fin),
                to_attr="absences_du_mois",
            ),
        )
    )
    return {
        "inscriptions": liste,
        "fermetures": fermetures(structure_ids={i.activite.structure_id for i in liste}, debut=debut, fin=fin)
        if liste
        else {},
        "feries": calendrier.feries(debut, fin),
        "vacances": calendrier.vacances(debut, fin),
    }
