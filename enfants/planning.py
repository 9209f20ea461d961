"""L'agenda du mois : l'état de chaque case (inscription × jour), calculé en Python.

Les données du mois sont lues en une requête (`selectors.planning_page`) ; ce module
ne fait aucune requête : il croise inscriptions, réservations, absences, présences, fermetures,
jours fériés et vacances scolaires.
"""

import datetime
from dataclasses import dataclass, field
from enum import Enum

from django.urls import reverse

from enfants import calendrier
from enfants.models import Absence, Activite, Inscription, Reservation


class EtatCase(Enum):
    """Les états de la légende du guide. Valeur : (libellé, symbole visible, classe CSS)."""

    RESERVE = ("Réservé", "✓", "reserve")
    ERREUR = ("Erreur", "!", "erreur")
    CONGE = ("Congé", "–", "conge")
    HORS_CONTRAT = ("Heure hors contrat (présent)", "●+", "hors-contrat")
    REGULIER = ("Régulier", "R", "regulier")
    FERMETURE = ("Fermeture", "✕", "fermeture")
    ABSENT_FACTURE = ("Absent facturé", "AF", "absent-facture")
    DEMANDE_EN_ATTENTE = ("Demande en attente", "…", "demande-attente")
    ABSENT_EXCUSE = ("Absent excusé", "AE", "absent-excuse")
    RESERVATION_EN_COURS = ("Réservation en cours de traitement", "?", "reservation-en-cours")
    RESERVATION_REFUSEE = ("Réservation refusée", "✗", "reservation-refusee")
    ABSENCE_EN_COURS = ("Absence en cours de traitement", "A?", "absence-en-cours")
    PRESENT = ("Présent", "●", "present")
    PRESENT_RESERVE = ("Présent sur un jour réservé", "✓●", "present-reserve")
    LIBRE = ("Libre", "", "libre")
    HORS_INSCRIPTION = ("Hors inscription", "", "hors-inscription")

    @property
    def libelle(self) -> str:
        return self.value[0]

    @property
    def symbole(self) -> str:
        return self.value[1]

    @property
    def classe(self) -> str:
        return self.value[2]


# L'ordre de la légende du guide, puis les marques.
LEGENDE = [
    EtatCase.RESERVE, EtatCase.ERREUR, EtatCase.CONGE, EtatCase.HORS_CONTRAT, EtatCase.REGULIER,
    EtatCase.FERMETURE, EtatCase.ABSENT_FACTURE, EtatCase.DEMANDE_EN_ATTENTE,
    EtatCase.ABSENT_EXCUSE, EtatCase.RESERVATION_EN_COURS, EtatCase.RESERVATION_REFUSEE,
    EtatCase.ABSENCE_EN_COURS,
]
MARQUES = [
    (EtatCase.RESERVE, "Indique que vous avez réservé la journée."),
    (EtatCase.PRESENT, "Indique que votre enfant était présent sur la journée."),
    (EtatCase.PRESENT_RESERVE,
     "Indique que votre enfant était présent sur la journée que vous aviez réservée."),
]
# États d'une case sur laquelle la famille peut agir (menu : réserver, déclarer une absence).
ETATS_ACTIONNABLES = {
    EtatCase.LIBRE, EtatCase.RESERVE, EtatCase.REGULIER, EtatCase.RESERVATION_REFUSEE,
}


def activite_ouverte(activite: Activite, jour: datetime.date, vacances: dict) -> bool:
    """L'activité a-t-elle lieu ce jour de la semaine et dans cette période (vacances ou non) ?"""
    if str(jour.weekday()) not in activite.jours_ouverture:
        return False
    en_vacances = jour in vacances
    if activite.periode == Activite.Periode.SCOLAIRE and en_vacances:
        return False
    return not (activite.periode == Activite.Periode.VACANCES and not en_vacances)


@dataclass
class ContexteJour:
    """Ce qui décide de l'état d'une case, déjà extrait des données du mois."""

    inscrit: bool = True
    ferie: bool = False
    fermeture: bool = False
    ouverte: bool = True  # l'activité a lieu ce jour-là (jour de la semaine, période)
    regulier: bool = False
    reservation: str | None = None  # Reservation.Etat
    absence: str | None = None  # Absence.Etat
    presence: bool | None = None  # None : pas de pointage


def etat_case(c: ContexteJour) -> EtatCase:
    """L'état d'une case : une seule règle, dans l'ordre de priorité de la légende."""
    if not c.inscrit:
        return EtatCase.HORS_INSCRIPTION
    ferme = c.ferie or c.fermeture or not c.ouverte
    reserve = c.regulier or c.reservation == Reservation.Etat.ACCEPTEE
    if c.presence is not None:
        if ferme:
            # Un pointage un jour sans accueil : incohérence que l'agent doit corriger.
            return EtatCase.ERREUR
        if c.presence:
            if c.reservation == Reservation.Etat.ACCEPTEE:
                return EtatCase.PRESENT_RESERVE
            return EtatCase.PRESENT if c.regulier else EtatCase.HORS_CONTRAT
        if c.absence == Absence.Etat.EXCUSEE:
            return EtatCase.ABSENT_EXCUSE
        if reserve:
            return EtatCase.ABSENT_FACTURE
    if c.ferie or c.fermeture:
        return EtatCase.FERMETURE
    if not c.ouverte:
        return EtatCase.CONGE
    if c.absence == Absence.Etat.EN_COURS:
        return EtatCase.ABSENCE_EN_COURS
    if c.absence == Absence.Etat.EXCUSEE:
        return EtatCase.ABSENT_EXCUSE
    if c.absence == Absence.Etat.FACTUREE:
        return EtatCase.ABSENT_FACTURE
    if c.reservation == Reservation.Etat.ACCEPTEE:
        return EtatCase.RESERVE
    if c.reservation == Reservation.Etat.EN_COURS:
        return EtatCase.RESERVATION_EN_COURS
    if c.reservation == Reservation.Etat.EN_ATTENTE:
        return EtatCase.DEMANDE_EN_ATTENTE
    if c.regulier:
        return EtatCase.REGULIER
    if c.reservation == Reservation.Etat.REFUSEE:
        return EtatCase.RESERVATION_REFUSEE
    return EtatCase.LIBRE


@dataclass
class Jour:
    date: datetime.date
    entete: str  # « Me 01 »
    marque: str  # « P », « G », « F » ou ""
    libelle_marque: str  # « Lundi de Pâques », « Vacances de printemps »…
    week_end: bool
    titre: str = ""  # « mercredi 8 avril 2015 »


@dataclass
class Case:
    jour: Jour
    etat: EtatCase
    libelle: str  # « mercredi 8 avril 2015 : Réservé »
    symbole: str
    actionnable: bool
    action: str = ""  # « reserver » ou « absence » : l'action par défaut sans JavaScript


@dataclass
class Ligne:
    inscription: Inscription
    cases: list[Case] = field(default_factory=list)
    # Adresses des formulaires de la ligne, calculées une fois (pas un `{% url %}` par case).
    url_reserver: str = ""
    url_absence: str = ""
    url_periode: str = ""


@dataclass
class Agenda:
    annee: int
    mois: int
    libelle: str
    jours: list[Jour]
    lignes: list[Ligne]
    precedent: tuple[int, int]
    suivant: tuple[int, int]


def jours_entete(annee: int, mois: int, *, feries: dict, vacances: dict) -> list[Jour]:
    jours = []
    for jour in calendrier.jours_du_mois(annee, mois):
        if jour in feries:
            marque, libelle = calendrier.FERIE, feries[jour]
        elif jour in vacances:
            marque, libelle = vacances[jour]
        else:
            marque, libelle = "", ""
        jours.append(Jour(
            date=jour, entete=f"{calendrier.JOURS_COURTS[jour.weekday()]} {jour.day:02d}",
            marque=marque, libelle_marque=libelle, week_end=jour.weekday() >= 5,
            titre=calendrier.date_longue(jour),
        ))
    return jours


def agenda_construire(*, annee: int, mois: int, donnees: dict) -> Agenda:
    """L'agenda du mois à partir des données lues par `selectors.planning_page`.

    `donnees` : inscriptions, reservations, absences, presences (listes d'objets du mois),
    fermetures ({structure_id: set(dates)}), feries ({date: nom}), vacances ({date: (code, nom)}).
    """
    jours = jours_entete(annee, mois, feries=donnees["feries"], vacances=donnees["vacances"])
    reservations = {}
    # Une réservation vivante l'emporte sur une ancienne réservation refusée du même jour.
    motifs_refus = {}
    for r in sorted(donnees["reservations"], key=lambda r: r.etat in Reservation.ETATS_ACTIFS):
        reservations[(r.inscription_id, r.date)] = r.etat
        if r.etat == Reservation.Etat.REFUSEE and r.motif_refus:
            motifs_refus[(r.inscription_id, r.date)] = r.motif_refus
    absences = {}
    for a in sorted(donnees["absences"], key=lambda a: a.etat != Absence.Etat.REFUSEE):
        if a.etat != Absence.Etat.REFUSEE:
            absences[(a.inscription_id, a.date)] = a.etat
    presences = {(p.inscription_id, p.date): p.present for p in donnees["presences"]}
    lignes = []
    for inscription in donnees["inscriptions"]:
        ligne = Ligne(
            inscription=inscription,
            url_reserver=reverse("enfants:reservation_demander", args=[inscription.pk]),
            url_absence=reverse("enfants:absence_declarer", args=[inscription.pk]),
            url_periode=reverse("enfants:periode_reserver", args=[inscription.pk]),
        )
        fermetures = donnees["fermetures"].get(inscription.activite.structure_id, set())
        for jour in jours:
            d = jour.date
            cle = (inscription.pk, d)
            etat = etat_case(ContexteJour(
                inscrit=inscription.couvre(d),
                ferie=d in donnees["feries"],
                fermeture=d in fermetures,
                ouverte=activite_ouverte(inscription.activite, d, donnees["vacances"]),
                regulier=inscription.est_regulier(d),
                reservation=reservations.get(cle),
                absence=absences.get(cle),
                presence=presences.get(cle),
            ))
            if etat == EtatCase.CONGE and jour.marque in (calendrier.PETITES_VACANCES,
                                                         calendrier.GRANDES_VACANCES):
                symbole = jour.marque  # comme le guide : « P » dans les cases des vacances
            elif etat == EtatCase.FERMETURE and jour.marque == calendrier.FERIE:
                symbole = calendrier.FERIE
            else:
                symbole = etat.symbole
            actionnable = etat in ETATS_ACTIONNABLES
            action = ""
            if actionnable:
                action = "absence" if etat in (EtatCase.RESERVE, EtatCase.REGULIER) else "reserver"
            libelle = f"{jour.titre} : {etat.libelle}"
            if jour.libelle_marque:
                libelle += f" ({jour.libelle_marque})"
            if etat == EtatCase.RESERVATION_REFUSEE and cle in motifs_refus:
                libelle += f" — motif : {motifs_refus[cle]}"
            ligne.cases.append(Case(jour=jour, etat=etat, libelle=libelle, symbole=symbole,
                                    actionnable=actionnable, action=action))
        lignes.append(ligne)
    precedent, suivant = calendrier.mois_voisins(annee, mois)
    return Agenda(annee=annee, mois=mois, libelle=calendrier.mois_libelle(annee, mois),
                  jours=jours, lignes=lignes, precedent=precedent, suivant=suivant)
