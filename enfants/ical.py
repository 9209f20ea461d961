"""Le flux iCalendar d'un enfant : ses jours réservés et ses demandes, un événement par jour."""

import datetime

from django.conf import settings
from icalendar import Calendar, Event

from enfants import selectors
from enfants.models import Absence, Enfant, Fermeture, Reservation
from enfants.planning import ContexteJour, EtatCase, activite_ouverte, etat_case

JOURS_AVANT = 31
JOURS_APRES = 180
# Les états qui donnent un événement : l'enfant est attendu, ou une demande est en cours.
ETATS_PUBLIES = {
    EtatCase.RESERVE,
    EtatCase.REGULIER,
    EtatCase.RESERVATION_EN_COURS,
    EtatCase.DEMANDE_EN_ATTENTE,
    EtatCase.PLACE_PROPOSEE,
    EtatCase.ABSENCE_EN_COURS,
    EtatCase.PRESENT,
    EtatCase.PRESENT_RESERVE,
}


def calendrier_enfant(*, enfant: Enfant, aujourdhui: datetime.date) -> bytes:
    """Le contenu .ics du planning de l'enfant, d'un mois avant à six mois après aujourd'hui."""
    debut = aujourdhui - datetime.timedelta(days=JOURS_AVANT)
    fin = aujourdhui + datetime.timedelta(days=JOURS_APRES)
    donnees = selectors.flux_calendrier_donnees(enfant=enfant, debut=debut, fin=fin)
    cal = Calendar()
    cal.add("prodid", f"-//{settings.NOM_CCAS}//Portail Famille//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Planning de {enfant.prenom} {enfant.nom}")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for inscription in donnees["inscriptions"]:
        reservations = {}
        for r in sorted(inscription.reservations_du_mois, key=lambda r: r.etat in Reservation.ETATS_ACTIFS):
            reservations[r.date] = r.etat
        absences = {a.date: a.etat for a in inscription.absences_du_mois if a.etat != Absence.Etat.REFUSEE}
        fermetures = Fermeture.jours_de(donnees["fermetures"], inscription.activite)
        jour = max(debut, inscription.date_debut)
        while jour <= min(fin, inscription.date_fin):
            etat = etat_case(
                ContexteJour(
                    ferie=jour in donnees["feries"],
                    fermeture=jour in fermetures,
                    ouverte=activite_ouverte(inscription.activite, jour, donnees["vacances"]),
                    regulier=inscription.est_regulier(jour),
                    reservation=reservations.get(jour),
                    absence=absences.get(jour),
                )
            )
            if etat in ETATS_PUBLIES:
                evenement = Event()
                evenement.add("uid", f"inscription-{inscription.pk}-{jour:%Y%m%d}@portail-famille")
                evenement.add("summary", f"{inscription.activite.nom} — {etat.libelle}")
                evenement.add("dtstart", jour)
                evenement.add("dtend", jour + datetime.timedelta(days=1))
                evenement.add("location", inscription.activite.structure.nom)
                evenement.add("dtstamp", datetime.datetime.now(datetime.UTC))
                cal.add_component(evenement)
            jour += datetime.timedelta(days=1)
    return cal.to_ical()
