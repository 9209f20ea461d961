"""L'agenda du mois : l'état de chaque case (inscription × jour), calculé en Python.

Les données du mois sont lues en une requête (`selectors.planning_page`) ; ce module
ne fait aucune requête : il croise inscriptions, réservations, absences, présences, fermetures,
jours fériés et vacances scolaires.
"""

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from enfants import calendrier
from enfants.models import Absence, Activite, Fermeture, Inscription, Reservation

if TYPE_CHECKING:
    from enfants.selectors import PlanningDuMois


class EtatCase(Enum):
    """Les états de la légende du guide. Valeur : (libellé, symbole visible, classe CSS)."""

    RESERVE = ("Réservé", "✓", "reserve")
    ERREUR = ("Erreur", "!", "erreur")
    # Le guide dit « Congé » ; un parent y lit ses propres congés : l'activité n'a simplement
    # pas lieu ce jour-là (jour de la semaine ou période sans accueil).
    NON_OUVERT = ("Non ouvert", "–", "non-ouvert")
    HORS_CONTRAT = ("Heure hors contrat (présent)", "●+", "hors-contrat")
    REGULIER = ("Régulier", "R", "regulier")
    FERMETURE = ("Fermeture", "✕", "fermeture")
    ABSENT_FACTURE = ("Absent facturé", "AF", "absent-facture")
    DEMANDE_EN_ATTENTE = ("Demande en attente", "…", "demande-attente")
    ABSENT_EXCUSE = ("Absent excusé", "AE", "absent-excuse")
    RESERVATION_EN_COURS = ("Réservation en cours de traitement", "?", "reservation-en-cours")
    RESERVATION_REFUSEE = ("Réservation refusée", "✗", "reservation-refusee")
    ABSENCE_EN_COURS = ("Absence en cours de traitement", "A?", "absence-en-cours")
    RESERVABLE = ("Réservable", "+", "reservable")
    # Liste d'attente : une place s'est libérée, elle est tenue pour l'enfant jusqu'à une limite.
    PLACE_PROPOSEE = ("Place proposée", "★", "place-proposee")
    PRESENT = ("Présent", "●", "present")
    PRESENT_RESERVE = ("Présent sur un jour réservé", "✓●", "present-reserve")
    # Le symbole « F » est celui de l'en-tête du jour (légende : « F Jour férié »).
    FERIE = ("Jour férié", "F", "ferie")
    # Un jour ouvert sans réservation qu'il n'est plus (ou pas encore) temps de réserver.
    LIBRE = ("Non réservé", "", "libre")
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


# L'ordre de la légende du guide, puis le jour qu'on peut réserver, puis les marques.
LEGENDE = [
    EtatCase.RESERVE,
    EtatCase.ERREUR,
    EtatCase.NON_OUVERT,
    EtatCase.HORS_CONTRAT,
    EtatCase.REGULIER,
    EtatCase.FERMETURE,
    EtatCase.ABSENT_FACTURE,
    EtatCase.DEMANDE_EN_ATTENTE,
    EtatCase.ABSENT_EXCUSE,
    EtatCase.RESERVATION_EN_COURS,
    EtatCase.RESERVATION_REFUSEE,
    EtatCase.ABSENCE_EN_COURS,
    EtatCase.RESERVABLE,
    EtatCase.PLACE_PROPOSEE,
]
MARQUES = [
    (EtatCase.RESERVE, "Indique que vous avez réservé la journée."),
    (EtatCase.PRESENT, "Indique que votre enfant était présent sur la journée."),
    (
        EtatCase.PRESENT_RESERVE,
        "Indique que votre enfant était présent sur la journée que vous aviez réservée.",
    ),
]
# Les actions qu'une case peut offrir (menu du jour, vue téléphone), par état.
RESERVER, ABSENCE, ANNULER_ABSENCE = "reserver", "absence", "annuler-absence"
PROPOSITION = "proposition"  # répondre à une place proposée (liste d'attente)
ETATS_A_RESERVER = {EtatCase.RESERVABLE, EtatCase.RESERVATION_REFUSEE}
ETATS_RESERVES = {EtatCase.RESERVE, EtatCase.REGULIER}
ETATS_ABSENCE_ANNULABLE = {EtatCase.ABSENCE_EN_COURS, EtatCase.ABSENT_EXCUSE}
ETATS_ATTENDU = ETATS_RESERVES | {EtatCase.PRESENT, EtatCase.PRESENT_RESERVE}
ETATS_DEMANDE = {EtatCase.RESERVATION_EN_COURS, EtatCase.DEMANDE_EN_ATTENTE, EtatCase.PLACE_PROPOSEE}


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
    reservable: bool = True  # encore temps de réserver (délai, horizon)


def etat_case(c: ContexteJour) -> EtatCase:
    """L'état d'une case : une seule règle, dans l'ordre de priorité de la légende. Un pointage
    l'emporte (sauf s'il ne dit rien de plus que l'absence de l'enfant), puis le calendrier
    (férié, fermeture, jour sans accueil), puis les demandes de la famille."""
    if not c.inscrit:
        return EtatCase.HORS_INSCRIPTION
    if c.presence is not None:
        etat = _etat_pointe(c)
        if etat is not None:
            return etat
    return _etat_du_calendrier(c) or _etat_des_demandes(c)


_ABSENCES_POINTEES = {
    Absence.Etat.EXCUSEE: EtatCase.ABSENT_EXCUSE,
    # Pointé absent pendant que l'agent examine l'absence : rien n'est encore facturé.
    Absence.Etat.EN_COURS: EtatCase.ABSENCE_EN_COURS,
}


def _etat_pointe(c: ContexteJour) -> EtatCase | None:
    """Le jour est pointé : présent, absent (excusé, en cours, facturé), ou une erreur. None :
    un pointage « absent » sans absence un jour non réservé (l'état du jour décide)."""
    if c.ferie or c.fermeture or not c.ouverte:
        # Un pointage un jour sans accueil : incohérence que l'agent doit corriger.
        return EtatCase.ERREUR
    if c.presence:
        if c.reservation == Reservation.Etat.ACCEPTEE:
            return EtatCase.PRESENT_RESERVE
        return EtatCase.PRESENT if c.regulier else EtatCase.HORS_CONTRAT
    if c.absence in _ABSENCES_POINTEES:
        return _ABSENCES_POINTEES[c.absence]
    if c.regulier or c.reservation == Reservation.Etat.ACCEPTEE:
        return EtatCase.ABSENT_FACTURE
    return None


def _etat_du_calendrier(c: ContexteJour) -> EtatCase | None:
    if c.ferie:
        return EtatCase.FERIE
    if c.fermeture:
        return EtatCase.FERMETURE
    if not c.ouverte:
        return EtatCase.NON_OUVERT
    return None


_ETATS_ABSENCE = {
    Absence.Etat.EN_COURS: EtatCase.ABSENCE_EN_COURS,
    Absence.Etat.EXCUSEE: EtatCase.ABSENT_EXCUSE,
    Absence.Etat.FACTUREE: EtatCase.ABSENT_FACTURE,
}
_ETATS_RESERVATION = {
    Reservation.Etat.ACCEPTEE: EtatCase.RESERVE,
    Reservation.Etat.EN_COURS: EtatCase.RESERVATION_EN_COURS,
    Reservation.Etat.EN_ATTENTE: EtatCase.DEMANDE_EN_ATTENTE,
    Reservation.Etat.PROPOSEE: EtatCase.PLACE_PROPOSEE,
}


def _etat_des_demandes(c: ContexteJour) -> EtatCase:
    """Un jour d'accueil : l'absence déclarée, puis la réservation vivante, le contrat régulier,
    la réservation refusée, et enfin s'il est encore temps de réserver."""
    if c.absence in _ETATS_ABSENCE:
        return _ETATS_ABSENCE[c.absence]
    if c.reservation in _ETATS_RESERVATION:
        return _ETATS_RESERVATION[c.reservation]
    if c.regulier:
        return EtatCase.REGULIER
    if c.reservation == Reservation.Etat.REFUSEE:
        return EtatCase.RESERVATION_REFUSEE
    return EtatCase.RESERVABLE if c.reservable else EtatCase.LIBRE


@dataclass
class Jour:
    date: datetime.date
    entete: str  # « Me 01 »
    marque: str  # « P », « G », « F » ou ""
    libelle_marque: str  # « Lundi de Pâques », « Vacances de printemps »…
    week_end: bool
    titre: str = ""  # « mercredi 8 avril 2015 »
    nom: str = ""  # « mercredi 8 » (vue téléphone : le mois est dans le titre)


@dataclass
class Case:
    jour: Jour
    etat: EtatCase
    libelle: str  # « mercredi 8 avril 2015 : Réservé »
    symbole: str
    # Les actions possibles ce jour-là, dans l'ordre du menu : {RESERVER: url, …}. La première
    # est la cible du lien de la case sans JavaScript.
    actions: Mapping[str, str] = field(default_factory=dict)
    ouverte: bool = True  # l'activité a lieu ce jour-là (vue téléphone : jours listés)
    # Ce que l'état ne dit pas seul : « liste d'attente : 2e position », « à accepter avant le … ».
    precision: str = ""

    @property
    def actionnable(self) -> bool:
        return bool(self.actions)

    @property
    def action(self) -> str:
        return next(iter(self.actions), "")


@dataclass
class Ligne:
    inscription: Inscription
    cases: list[Case] = field(default_factory=list)
    # Adresses des formulaires de la ligne, calculées une fois (pas un `{% url %}` par case).
    url_reserver: str = ""
    url_absence: str = ""
    url_periode: str = ""
    url_jours: str = ""  # plusieurs jours cochés, une seule demande (vue téléphone)
    # Le résumé de la vue téléphone, compté en construisant les cases :
    a_reserver: bool = False  # un jour au moins qu'il est encore temps de réserver
    jours_ouverts: bool = False  # un jour au moins où l'activité accueille l'enfant
    jours_reserves: int = 0  # les jours où l'enfant est attendu (ou était là)
    demandes_en_cours: int = 0  # réservations en cours de traitement ou en liste d'attente


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
        jours.append(
            Jour(
                date=jour,
                entete=f"{calendrier.JOURS_COURTS[jour.weekday()]} {jour.day:02d}",
                marque=marque,
                libelle_marque=libelle,
                week_end=jour.weekday() >= 5,
                titre=calendrier.date_longue(jour),
                nom=f"{calendrier.JOURS[jour.weekday()]} {jour.day}",
            )
        )
    return jours


def _bornes_reservation(
    activite: Activite, maintenant: datetime.datetime
) -> tuple[datetime.date, datetime.date]:
    """Du premier au dernier jour qu'il est encore temps de réserver (délai, horizon) : les
    mêmes règles que `services.reservation_demander`, qui reste seul juge."""
    premier = calendrier.premier_jour_dans_le_delai(
        maintenant, jours_ouvres=activite.delai_reservation, heure=activite.heure_limite
    )
    dernier = timezone.localdate(maintenant) + datetime.timedelta(days=activite.horizon_reservation)
    return premier, dernier


def fenetre_du_jour(fenetres, jour: datetime.date):
    """La fenêtre de réservation de campagne qui couvre ce jour (la première à ouvrir), ou None."""
    for fenetre in fenetres:
        if fenetre.debut <= jour <= fenetre.fin:
            return fenetre
    return None


def fenetre_precision(fenetre, maintenant: datetime.datetime) -> str:
    """Pourquoi un jour d'une campagne à fenêtre ne se réserve pas encore (ou plus), ou "" s'il se
    réserve : les mêmes dates que `services.fenetre_reservation_raison`."""
    if maintenant < fenetre.ouverture:
        debut = calendrier.date_heure_longue(fenetre.ouverture)
        return f"réservations de « {fenetre.nom} » ouvertes le {debut}"
    if maintenant >= fenetre.fermeture:
        fin = calendrier.date_heure_longue(fenetre.fermeture)
        return f"réservations de « {fenetre.nom} » closes depuis le {fin}"
    return ""


def _reservable(d: datetime.date, bornes, fenetre, maintenant: datetime.datetime) -> bool:
    """Encore temps de réserver ce jour : le délai toujours ; puis la fenêtre de la campagne de
    vacances qui couvre le jour s'il y en a une, l'horizon sinon."""
    premier, dernier = bornes
    if fenetre is None:
        return premier <= d <= dernier
    return premier <= d and fenetre.ouverture <= maintenant < fenetre.fermeture


_REPERE = 987654321


@functools.lru_cache(maxsize=64)
def _modele_url(nom: str, prefixe: str) -> tuple[str, str]:
    """Une adresse à identifiant, résolue une fois par processus (et par préfixe d'URL) : un
    `reverse` coûte plus que tout le reste d'une ligne de l'agenda."""
    avant, apres = reverse(nom, args=[_REPERE]).split(str(_REPERE))
    return avant, apres


@receiver(setting_changed)
def _oublier_les_adresses(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":  # un test qui change de configuration d'URL
        _modele_url.cache_clear()


def url_objet(nom: str, pk: int) -> str:
    """`reverse(nom, args=[pk])` pour une adresse « …/<int:pk>/… »."""
    avant, apres = _modele_url(nom, get_script_prefix())
    return f"{avant}{pk}{apres}"


_SANS_ACTION = MappingProxyType({})  # partagée par toutes les cases sans action (lecture seule)
_ETATS_AVEC_ACTION = ETATS_A_RESERVER | ETATS_RESERVES | ETATS_ABSENCE_ANNULABLE


def rang_texte(position: int) -> str:
    """« 1re position », « 2e position »."""
    return f"{position}{'re' if position == 1 else 'e'} position"


def _precision(
    etat: EtatCase, reservation, *, reprise: bool, fenetre=None, maintenant: datetime.datetime | None = None
) -> str:
    """Ce que l'état d'une case ne dit pas seul (listes d'attente, fenêtre de réservation d'une
    campagne de vacances pas encore ouverte ou close), ou ""."""
    if etat in (EtatCase.DEMANDE_EN_ATTENTE, EtatCase.PLACE_PROPOSEE):
        return precision_liste_attente(reservation)
    if etat is EtatCase.ABSENT_EXCUSE and reprise:
        return "place reprise par la liste d'attente : non facturé"
    if etat is EtatCase.LIBRE and fenetre is not None and maintenant is not None:
        return fenetre_precision(fenetre, maintenant)
    return ""


def precision_liste_attente(reservation) -> str:
    """Le rang d'une demande en liste d'attente, ou la limite d'une place proposée ; sinon ""."""
    if reservation is None:
        return ""
    if reservation.etat == Reservation.Etat.EN_ATTENTE and reservation.position:
        return f"liste d'attente : {rang_texte(reservation.position)}"
    if reservation.etat == Reservation.Etat.PROPOSEE and reservation.limite:
        locale = timezone.localtime(reservation.limite)
        heure = f"{locale:%H:%M}".replace(":", " h ")
        return f"à accepter avant le {calendrier.date_longue(locale.date())} à {heure}"
    return ""


def _actions(
    etat: EtatCase,
    d: datetime.date,
    ligne: Ligne,
    *,
    reservable: bool,
    absence_pk: int | None,
    absence_annulable_des: datetime.date,
    reservation=None,
):
    """Ce que la famille peut demander ce jour-là ; les services revérifient tout."""
    if etat is EtatCase.PLACE_PROPOSEE and reservation is not None:
        return {PROPOSITION: url_objet("enfants:proposition", reservation.pk)}
    if etat not in _ETATS_AVEC_ACTION:
        return _SANS_ACTION
    if etat in ETATS_A_RESERVER:
        if reservable:
            return {RESERVER: f"{ligne.url_reserver}?date={d.isoformat()}"}
        return _SANS_ACTION
    if etat in ETATS_RESERVES:
        return {ABSENCE: f"{ligne.url_absence}?date={d.isoformat()}"}
    if absence_pk and (etat is EtatCase.ABSENCE_EN_COURS or d >= absence_annulable_des):
        return {ANNULER_ABSENCE: url_objet("enfants:absence_annuler", absence_pk)}
    return _SANS_ACTION


def agenda_construire(
    *,
    annee: int,
    mois: int,
    donnees: "PlanningDuMois",
    maintenant: datetime.datetime | None = None,
    lecture_seule: bool = False,
) -> Agenda:
    """L'agenda du mois à partir des données lues par `selectors.planning_page`.

    `donnees` (`selectors.PlanningDuMois`) : inscriptions, réservations, absences, présences du
    mois, fermetures ({structure_id: set(dates)}), fériés ({date: nom}), vacances.
    `maintenant` décide des jours qu'il est encore temps de réserver et des absences qu'il est
    encore temps d'annuler. `lecture_seule` (compte privé de réservations par le CCAS) : aucune
    case n'offre d'action, aucun lien « Réserver une période ».
    """
    maintenant = maintenant or timezone.now()
    jours = jours_entete(annee, mois, feries=donnees.feries, vacances=donnees.vacances)
    reservations, vivantes = {}, {}
    # Une réservation vivante l'emporte sur une ancienne réservation refusée du même jour.
    motifs_refus = {}
    for r in sorted(donnees.reservations, key=lambda r: r.etat in Reservation.ETATS_ACTIFS):
        reservations[(r.inscription_id, r.date)] = r.etat
        vivantes[(r.inscription_id, r.date)] = r
        if r.etat == Reservation.Etat.REFUSEE and r.motif_refus:
            motifs_refus[(r.inscription_id, r.date)] = r.motif_refus
    absences, absences_pk, reprises = {}, {}, set()
    for a in sorted(donnees.absences, key=lambda a: a.etat != Absence.Etat.REFUSEE):
        if a.etat != Absence.Etat.REFUSEE:
            absences[(a.inscription_id, a.date)] = a.etat
            absences_pk[(a.inscription_id, a.date)] = a.pk
            if getattr(a, "reprise", False):
                reprises.add((a.inscription_id, a.date))
    presences = {(p.inscription_id, p.date): p.present for p in donnees.presences}
    lignes = []
    for inscription in donnees.inscriptions:
        activite = inscription.activite
        ligne = Ligne(
            inscription=inscription,
            url_reserver=url_objet("enfants:reservation_demander", inscription.pk),
            url_absence=url_objet("enfants:absence_declarer", inscription.pk),
            url_periode="" if lecture_seule else url_objet("enfants:periode_reserver", inscription.pk),
            url_jours=url_objet("enfants:jours_reserver", inscription.pk),
        )
        bornes = _bornes_reservation(activite, maintenant)
        # Une absence excusée s'annule tant que le délai d'absence du jour court.
        annulable_des = calendrier.premier_jour_dans_le_delai(
            maintenant, jours_ouvres=activite.delai_absence, heure=activite.heure_limite
        )
        fermetures = Fermeture.jours_de(donnees.fermetures, activite)
        fenetres = donnees.fenetres.get(activite.pk, ())
        for jour in jours:
            d = jour.date
            cle = (inscription.pk, d)
            ouverte = activite_ouverte(activite, d, donnees.vacances)
            # Un jour d'une campagne de vacances à fenêtre de réservation : la fenêtre décide, pas
            # l'horizon (le délai s'applique toujours).
            fenetre = fenetre_du_jour(fenetres, d)
            reservable = _reservable(d, bornes, fenetre, maintenant)
            etat = etat_case(
                ContexteJour(
                    inscrit=inscription.couvre(d),
                    ferie=d in donnees.feries,
                    fermeture=d in fermetures,
                    ouverte=ouverte,
                    regulier=inscription.est_regulier(d),
                    reservation=reservations.get(cle),
                    absence=absences.get(cle),
                    presence=presences.get(cle),
                    reservable=reservable,
                )
            )
            if etat is EtatCase.NON_OUVERT and jour.marque in (
                calendrier.PETITES_VACANCES,
                calendrier.GRANDES_VACANCES,
            ):
                symbole = jour.marque  # comme le guide : « P » dans les cases des vacances
            else:
                symbole = etat.symbole
            libelle = f"{jour.titre} : {etat.libelle}"
            if jour.libelle_marque:
                libelle += f" ({jour.libelle_marque})"
            if etat is EtatCase.RESERVATION_REFUSEE and cle in motifs_refus:
                libelle += f" — motif : {motifs_refus[cle]}"
            precision = _precision(
                etat,
                vivantes.get(cle),
                reprise=cle in reprises,
                fenetre=fenetre if d >= bornes[0] else None,
                maintenant=maintenant,
            )
            if precision:
                libelle += f" — {precision}"
            actions = (
                _SANS_ACTION
                if lecture_seule
                else _actions(
                    etat,
                    d,
                    ligne,
                    reservable=reservable,
                    absence_pk=absences_pk.get(cle),
                    absence_annulable_des=annulable_des,
                    reservation=vivantes.get(cle),
                )
            )
            case = Case(
                jour=jour,
                etat=etat,
                libelle=libelle,
                symbole=symbole,
                actions=actions,
                ouverte=ouverte or cle in presences,
                precision=precision,
            )
            ligne.cases.append(case)
            ligne.a_reserver = ligne.a_reserver or RESERVER in case.actions
            ligne.jours_ouverts = ligne.jours_ouverts or (
                case.ouverte and etat is not EtatCase.HORS_INSCRIPTION
            )
            ligne.jours_reserves += etat in ETATS_ATTENDU
            ligne.demandes_en_cours += etat in ETATS_DEMANDE
        lignes.append(ligne)
    precedent, suivant = calendrier.mois_voisins(annee, mois)
    return Agenda(
        annee=annee,
        mois=mois,
        libelle=calendrier.mois_libelle(annee, mois),
        jours=jours,
        lignes=lignes,
        precedent=precedent,
        suivant=suivant,
    )
