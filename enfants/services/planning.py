"""Planning : réservations, absences, présences, flux iCalendar.

Chaque service est atomique. La capacité d'une activité est protégée en verrouillant la ligne
de l'activité (`select_for_update`, effectif sur PostgreSQL) : deux demandes ou deux décisions
simultanées pour la dernière place sont sérialisées.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from enfants import calendrier
from enfants.conditions import conditions_reservation_verifier
from enfants.models import (
    Absence,
    Activite,
    Enfant,
    Fermeture,
    FluxCalendrier,
    Inscription,
    Presence,
    Reservation,
)
from enfants.planning import activite_ouverte

# Chaque réservation ou absence demandée par une famille est annoncée ici (argument `objet`),
# décidée d'office ou non : l'application `demandes` s'y abonne pour la porter dans la Liste des
# demandes, et dans la file de modération si elle attend un agent (son état le dit). Les
# dépendances vont de `demandes` vers `enfants`, jamais l'inverse.
demande_planning_soumise = Signal()
# La famille a retiré une absence (ou une demande) : `demandes` annule la demande qui la porte.
demande_planning_retiree = Signal()

# Messages (constantes que les tests importent).
NON_INSCRIT = (
    "L'enfant n'est pas inscrit à cette activité le {jour} : pour réserver, il faut une inscription "
    "acceptée par le service qui couvre ce jour."
)
FERIE = "Le {jour} est un jour férié ({nom}) : la structure est fermée."
FERME = "La structure est fermée le {jour}."
PAS_OUVERT = "L'activité n'a pas lieu le {jour}."
DEJA_REGULIER = "Le {jour} est déjà réservé par le contrat régulier."
DEJA_RESERVE = "Une réservation ou une demande existe déjà pour le {jour}."
DELAI_RESERVATION = (
    "Le délai de réservation est dépassé pour le {jour} : il fallait réserver avant le {limite}."
)
HORIZON = "Les réservations ne sont ouvertes que {n} jours à l'avance : le {jour} est trop loin."
COMPLET = "Plus de place le {jour} : l'activité est complète ({capacite} places)."
DEJA_DECIDEE = "Cette demande a déjà été traitée."
PAS_RESERVE = "Aucune réservation le {jour} : il n'y a pas d'absence à déclarer."
DEJA_ABSENT = "Une absence est déjà déclarée pour le {jour}."
PERIODE_VIDE = "Aucun jour de la période ne correspond aux jours choisis."
PERIODE_ORDRE = "La date de fin doit suivre la date de début."
JOURS_AUCUN = "Cochez au moins un jour à réserver."
ABSENCE_FACTUREE_NON_ANNULABLE = (
    "L'absence du {jour} est facturée : elle ne peut plus être annulée depuis le portail. "
    "Écrivez au service si besoin."
)
ABSENCE_DELAI_ANNULATION = (
    "Le délai est passé : l'absence du {jour} ne pouvait être annulée que jusqu'au {limite}."
)
ABSENCE_DEJA_DECIDEE = "L'absence du {jour} a déjà été traitée par le service."
MOTIF_TROP_LONG = "Le motif du refus compte {longueur} caractères : {maximum} au plus."


def _texte_jour(jour: datetime.date) -> str:
    return calendrier.date_longue(jour)


def texte_limite(limite: datetime.datetime) -> str:
    """« mardi 15 décembre 2026 à 12 h 00 »."""
    locale = timezone.localtime(limite)
    return f"{calendrier.date_longue(locale.date())} à {locale:%H:%M}".replace(":", " h ", 1)


def _refuser(message: str, code: str, **params) -> ValidationError:
    return ValidationError(message.format(**params), code=code)


def _motif_refus(modele, motif) -> str:
    """Le motif du refus tel qu'il sera montré à la famille : refusé s'il dépasse la colonne,
    jamais coupé."""
    motif = motif or ""
    maximum = modele._meta.get_field("motif_refus").max_length
    if len(motif) > maximum:
        raise _refuser(MOTIF_TROP_LONG, "motif_trop_long", longueur=len(motif), maximum=maximum)
    return motif


def jour_ferme_raison(*, activite: Activite, jour: datetime.date) -> str | None:
    """Pourquoi l'activité n'accueille pas ce jour-là (férié, fermeture, pas d'ouverture), ou None."""
    feries = calendrier.feries(jour, jour)
    if jour in feries:
        return FERIE.format(jour=_texte_jour(jour), nom=feries[jour])
    if Fermeture.objects.filter(
        structure_id=activite.structure_id, date_debut__lte=jour, date_fin__gte=jour
    ).exists():
        return FERME.format(jour=_texte_jour(jour))
    if not activite_ouverte(activite, jour, calendrier.vacances(jour, jour)):
        return PAS_OUVERT.format(jour=_texte_jour(jour))
    return None


def _inscriptions_reservees(*, activite: Activite, jour: datetime.date):
    """Les inscriptions qui occupent une place un jour : contrat régulier ce jour de la semaine
    ou réservation acceptée. Une seule définition pour la capacité et le pointage : le compteur
    de places et la liste des enfants du jour ne peuvent pas diverger."""
    return Inscription.objects.filter(
        Q(date_debut__lte=jour, date_fin__gte=jour, jours_reguliers__contains=str(jour.weekday()))
        | Q(reservations__date=jour, reservations__etat=Reservation.Etat.ACCEPTEE),
        activite=activite,
    ).distinct()


def places_occupees(*, activite: Activite, jour: datetime.date, avec_demandes: bool) -> int:
    """Places prises un jour : contrats réguliers + réservations acceptées (+ demandes en cours).

    Une absence déclarée ne libère pas la place : l'enfant reste inscrit ce jour-là."""
    occupees = _inscriptions_reservees(activite=activite, jour=jour).count()
    if avec_demandes:
        occupees += Reservation.objects.filter(
            inscription__activite=activite, date=jour, etat=Reservation.Etat.EN_COURS
        ).count()
    return occupees


@dataclass(frozen=True)
class Places:
    """Les places d'une activité un jour donné, pour l'agent qui décide ou qui pointe."""

    capacite: int
    occupees: int  # contrats réguliers et réservations acceptées
    demandes: int  # réservations en cours de traitement ou en liste d'attente

    @property
    def restantes(self) -> int:
        return max(0, self.capacite - self.occupees)

    @property
    def texte(self) -> str:
        pluriel = "s" if self.restantes > 1 else ""
        texte = (
            f"{self.restantes} place{pluriel} restante{pluriel} sur {self.capacite} "
            f"({self.occupees} occupée{'s' if self.occupees > 1 else ''} : contrats "
            f"réguliers et réservations acceptées)"
        )
        if self.demandes:
            texte += f" ; {self.demandes} demande{'s' if self.demandes > 1 else ''} en attente de décision"
        return texte


def places_du_jour(*, activite: Activite, jour: datetime.date) -> Places:
    """Capacité, places occupées et demandes en attente d'une activité un jour donné."""
    return Places(
        capacite=activite.capacite,
        occupees=places_occupees(activite=activite, jour=jour, avec_demandes=False),
        demandes=Reservation.objects.filter(
            inscription__activite=activite,
            date=jour,
            etat__in=[Reservation.Etat.EN_COURS, Reservation.Etat.EN_ATTENTE],
        ).count(),
    )


def _activite_verrouillee(activite_id: int) -> Activite:
    return Activite.objects.select_for_update().get(pk=activite_id)


@transaction.atomic
def reservation_demander(
    *,
    inscription: Inscription,
    date: datetime.date,
    par=None,
    liste_attente: bool = False,
    maintenant: datetime.datetime | None = None,
) -> Reservation:
    """Demande la réservation d'un jour ; acceptée d'office si l'activité le permet.

    Refuse (ValidationError, message en français) : hors inscription, jour fermé, déjà réservé,
    délai dépassé, trop loin, conditions d'accès de l'activité non remplies (`enfants.conditions` :
    pièces, textes, impayés), complet (sauf liste d'attente). La capacité n'est jamais dépassée.
    """
    maintenant = maintenant or timezone.now()
    texte = _texte_jour(date)
    activite = _activite_verrouillee(inscription.activite_id)
    if not inscription.couvre(date):
        raise _refuser(NON_INSCRIT, "non_inscrit", jour=texte)
    raison = jour_ferme_raison(activite=activite, jour=date)
    if raison:
        raise ValidationError(raison, code="ferme")
    if inscription.est_regulier(date):
        raise _refuser(DEJA_REGULIER, "deja_reserve", jour=texte)
    if Reservation.objects.filter(
        inscription=inscription, date=date, etat__in=Reservation.ETATS_ACTIFS
    ).exists():
        raise _refuser(DEJA_RESERVE, "deja_reserve", jour=texte)
    limite = calendrier.date_limite(
        date, jours_ouvres=activite.delai_reservation, heure=activite.heure_limite
    )
    if maintenant > limite:
        raise _refuser(DELAI_RESERVATION, "delai", jour=texte, limite=texte_limite(limite))
    aujourdhui = timezone.localdate(maintenant)
    if date > aujourdhui + datetime.timedelta(days=activite.horizon_reservation):
        raise _refuser(HORIZON, "horizon", jour=texte, n=activite.horizon_reservation)
    conditions_reservation_verifier(
        inscription=inscription, activite=activite, jour=date, maintenant=maintenant
    )
    complet = places_occupees(activite=activite, jour=date, avec_demandes=True) >= activite.capacite
    if complet and not liste_attente:
        raise _refuser(COMPLET, "complet", jour=texte, capacite=activite.capacite)
    if complet:
        etat = Reservation.Etat.EN_ATTENTE
    elif activite.acceptation_automatique:
        etat = Reservation.Etat.ACCEPTEE
    else:
        etat = Reservation.Etat.EN_COURS
    reservation = Reservation.objects.create(
        inscription=inscription,
        date=date,
        etat=etat,
        demandee_par=par,
        demandee_le=maintenant,
    )
    if etat == Reservation.Etat.ACCEPTEE:
        reservation.decidee_le = maintenant
        reservation.save(update_fields=["decidee_le"])
    demande_planning_soumise.send(sender=Reservation, objet=reservation, auteur=par)
    return reservation


@dataclass
class ResultatPeriode:
    reservations: list[Reservation]
    refus: list[tuple[datetime.date, str]]  # (jour, raison)


@transaction.atomic
def reservations_jours_demander(
    *,
    inscription: Inscription,
    jours,
    par=None,
    liste_attente: bool = False,
    maintenant: datetime.datetime | None = None,
) -> ResultatPeriode:
    """Demande la réservation de plusieurs jours en une fois (jours cochés sur le téléphone).

    Chaque jour passe par `reservation_demander`, les mêmes règles qu'un jour seul : les jours
    possibles sont demandés, les autres rapportés avec leur raison (un jour refusé n'empêche
    pas les autres).
    """
    jours = sorted(set(jours))
    if not jours:
        raise ValidationError(JOURS_AUCUN, code="jours")
    resultat = ResultatPeriode(reservations=[], refus=[])
    for jour in jours:
        try:
            with transaction.atomic():
                resultat.reservations.append(
                    reservation_demander(
                        inscription=inscription,
                        date=jour,
                        par=par,
                        liste_attente=liste_attente,
                        maintenant=maintenant,
                    )
                )
        except ValidationError as erreur:
            resultat.refus.append((jour, erreur.messages[0]))
    return resultat


@transaction.atomic
def reservations_periode_demander(
    *,
    inscription: Inscription,
    date_debut: datetime.date,
    date_fin: datetime.date,
    jours_semaine: set[int],
    par=None,
    liste_attente: bool = False,
    maintenant: datetime.datetime | None = None,
) -> ResultatPeriode:
    """Demande la réservation de chaque jour choisi d'une période (« tous les mercredis … »).

    Les jours possibles sont demandés, les autres rapportés avec leur raison ; les jours de
    congé ou de fermeture sont simplement passés.
    """
    if date_fin < date_debut:
        raise ValidationError(PERIODE_ORDRE, code="periode")
    choisis = []
    jour = date_debut
    while jour <= date_fin:
        if jour.weekday() in jours_semaine:
            choisis.append(jour)
        jour += datetime.timedelta(days=1)
    if not choisis:
        raise ValidationError(PERIODE_VIDE, code="periode")
    ouverts = [j for j in choisis if jour_ferme_raison(activite=inscription.activite, jour=j) is None]
    if not ouverts:
        return ResultatPeriode(reservations=[], refus=[])
    return reservations_jours_demander(
        inscription=inscription, jours=ouverts, par=par, liste_attente=liste_attente, maintenant=maintenant
    )


def _decision_enregistrer(objet, *, etat: str, agent, motif_refus: str | None = None):
    """Enregistre la décision d'un agent sur une réservation ou une absence (et le motif d'un
    refus, montré à la famille)."""
    objet.etat = etat
    objet.decidee_le = timezone.now()
    objet.decidee_par = agent
    champs = ["etat", "decidee_le", "decidee_par"]
    if motif_refus is not None:
        objet.motif_refus = motif_refus
        champs.insert(1, "motif_refus")
    objet.save(update_fields=champs)
    return objet


def _reservation_a_decider(reservation: Reservation) -> tuple[Reservation, Activite]:
    activite = _activite_verrouillee(reservation.inscription.activite_id)
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.etat not in (Reservation.Etat.EN_COURS, Reservation.Etat.EN_ATTENTE):
        raise ValidationError(DEJA_DECIDEE, code="deja_decidee")
    return reservation, activite


@transaction.atomic
def reservation_accepter(*, reservation: Reservation, agent, motif=None) -> Reservation:
    """Un agent accepte une demande de réservation, si une place reste ce jour-là."""
    reservation, activite = _reservation_a_decider(reservation)
    occupees = places_occupees(activite=activite, jour=reservation.date, avec_demandes=False)
    if occupees >= activite.capacite:
        raise _refuser(COMPLET, "complet", jour=_texte_jour(reservation.date), capacite=activite.capacite)
    return _decision_enregistrer(reservation, etat=Reservation.Etat.ACCEPTEE, agent=agent)


@transaction.atomic
def reservation_refuser(*, reservation: Reservation, agent, motif=None) -> Reservation:
    """Un agent refuse une demande de réservation (le motif est montré à la famille)."""
    motif = _motif_refus(Reservation, motif)
    reservation, _activite = _reservation_a_decider(reservation)
    return _decision_enregistrer(reservation, etat=Reservation.Etat.REFUSEE, agent=agent, motif_refus=motif)


@transaction.atomic
def absence_declarer(
    *,
    inscription: Inscription,
    date: datetime.date,
    motif: str,
    certificat=None,
    par=None,
    maintenant: datetime.datetime | None = None,
) -> Absence:
    """Déclare l'absence d'un enfant un jour réservé (ou régulier).

    Dans le délai : excusée (d'office si l'activité accepte automatiquement, sinon en cours de
    traitement). Hors délai : facturée, sauf certificat médical joint, qu'un agent examine.
    """
    maintenant = maintenant or timezone.now()
    texte = _texte_jour(date)
    activite = inscription.activite
    if not inscription.couvre(date):
        raise _refuser(NON_INSCRIT, "non_inscrit", jour=texte)
    reserve = (
        inscription.est_regulier(date)
        or Reservation.objects.filter(
            inscription=inscription, date=date, etat=Reservation.Etat.ACCEPTEE
        ).exists()
    )
    if not reserve:
        raise _refuser(PAS_RESERVE, "pas_reserve", jour=texte)
    if (
        Absence.objects.select_for_update()
        .filter(
            inscription=inscription,
            date=date,
            etat__in=[Absence.Etat.EN_COURS, Absence.Etat.EXCUSEE, Absence.Etat.FACTUREE],
        )
        .exists()
    ):
        raise _refuser(DEJA_ABSENT, "deja_absent", jour=texte)
    hors_delai = maintenant > absence_date_limite(activite=activite, jour=date)
    if hors_delai:
        etat = Absence.Etat.EN_COURS if certificat else Absence.Etat.FACTUREE
    elif activite.acceptation_automatique:
        etat = Absence.Etat.EXCUSEE
    else:
        etat = Absence.Etat.EN_COURS
    absence = Absence(
        inscription=inscription,
        date=date,
        motif=motif,
        hors_delai=hors_delai,
        etat=etat,
        declaree_par=par,
        declaree_le=maintenant,
    )
    if certificat:
        absence.certificat.save(certificat.name, certificat, save=False)
    absence.save()
    demande_planning_soumise.send(sender=Absence, objet=absence, auteur=par)
    return absence


def absence_date_limite(*, activite: Activite, jour: datetime.date) -> datetime.datetime:
    """Jusqu'à quand une absence ce jour-là est déclarée (ou annulée) dans le délai."""
    return calendrier.date_limite(jour, jours_ouvres=activite.delai_absence, heure=activite.heure_limite)


def absence_hors_delai(
    *, activite: Activite, jour: datetime.date, maintenant: datetime.datetime | None = None
) -> bool:
    """Déclarée à `maintenant`, l'absence de ce jour serait-elle hors délai (donc facturée sans
    certificat) ? La même règle que `absence_declarer`, pour prévenir la famille avant."""
    return (maintenant or timezone.now()) > absence_date_limite(activite=activite, jour=jour)


@transaction.atomic
def reservation_annuler(*, reservation: Reservation) -> Reservation:
    """La famille retire sa demande de réservation encore en attente : la place est libérée."""
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.etat not in (Reservation.Etat.EN_COURS, Reservation.Etat.EN_ATTENTE):
        raise ValidationError(DEJA_DECIDEE, code="deja_decidee")
    reservation.etat = Reservation.Etat.ANNULEE
    reservation.save(update_fields=["etat"])
    return reservation


def absence_annulable(*, absence: Absence, maintenant: datetime.datetime | None = None) -> str | None:
    """Pourquoi la famille ne peut plus retirer cette absence, ou None si elle le peut : en
    attente d'un agent, ou excusée tant que le délai d'absence du jour court."""
    texte = _texte_jour(absence.date)
    if absence.etat == Absence.Etat.EN_COURS:
        return None
    if absence.etat == Absence.Etat.FACTUREE:
        return ABSENCE_FACTUREE_NON_ANNULABLE.format(jour=texte)
    if absence.etat != Absence.Etat.EXCUSEE or absence.hors_delai:
        return ABSENCE_DEJA_DECIDEE.format(jour=texte)
    limite = absence_date_limite(activite=absence.inscription.activite, jour=absence.date)
    if (maintenant or timezone.now()) > limite:
        return ABSENCE_DELAI_ANNULATION.format(jour=texte, limite=texte_limite(limite))
    return None


@transaction.atomic
def absence_annuler(*, absence: Absence, maintenant: datetime.datetime | None = None) -> None:
    """La famille retire sa déclaration d'absence (en attente, ou excusée dans le délai) : le
    jour redevient réservé, la demande qui la portait est annulée, le certificat effacé."""
    absence = Absence.objects.select_for_update().select_related("inscription__activite").get(pk=absence.pk)
    raison = absence_annulable(absence=absence, maintenant=maintenant)
    if raison:
        raise ValidationError(raison, code="non_annulable")
    nom = absence.certificat.name  # vide (ou None) sans certificat
    if nom:
        stockage = absence.certificat.storage
        transaction.on_commit(lambda: stockage.delete(nom))
    demande_planning_retiree.send(sender=Absence, objet=absence)
    absence.delete()


def _absence_a_decider(absence: Absence) -> Absence:
    absence = Absence.objects.select_for_update().get(pk=absence.pk)
    if absence.etat != Absence.Etat.EN_COURS:
        raise ValidationError(DEJA_DECIDEE, code="deja_decidee")
    return absence


@transaction.atomic
def absence_accepter(*, absence: Absence, agent, motif=None) -> Absence:
    """Un agent excuse une absence (dans le délai, ou hors délai sur certificat)."""
    absence = _absence_a_decider(absence)
    return _decision_enregistrer(absence, etat=Absence.Etat.EXCUSEE, agent=agent)


@transaction.atomic
def absence_refuser(*, absence: Absence, agent, motif=None) -> Absence:
    """Un agent refuse une absence : hors délai, elle reste facturée ; sinon le jour reste réservé."""
    motif = _motif_refus(Absence, motif)
    absence = _absence_a_decider(absence)
    etat = Absence.Etat.FACTUREE if absence.hors_delai else Absence.Etat.REFUSEE
    return _decision_enregistrer(absence, etat=etat, agent=agent, motif_refus=motif)


ABSENCES_DECLAREES = (Absence.Etat.EN_COURS, Absence.Etat.EXCUSEE, Absence.Etat.FACTUREE)


def inscriptions_du_jour(*, activite: Activite, jour: datetime.date) -> list[Inscription]:
    """Les inscriptions qui occupent une place un jour (celles que compte `places_occupees`),
    chacune avec `absence` : son absence déclarée ce jour-là (en cours, excusée ou facturée), ou
    None. Triées par nom d'enfant."""
    inscriptions = list(
        _inscriptions_reservees(activite=activite, jour=jour)
        .select_related("enfant__famille", "activite")
        .order_by("enfant__nom", "enfant__prenom", "pk")
    )
    absences = {
        a.inscription_id: a
        for a in Absence.objects.filter(
            inscription__in=[i.pk for i in inscriptions], date=jour, etat__in=ABSENCES_DECLAREES
        )
    }
    for inscription in inscriptions:
        inscription.absence = absences.get(inscription.pk)
    return inscriptions


def inscriptions_attendues(*, activite: Activite, jour: datetime.date) -> list[Inscription]:
    """Les enfants attendus un jour : inscrits ce jour-là (contrat régulier ou réservation
    acceptée), sans absence déclarée (en cours, excusée ou facturée)."""
    return [i for i in inscriptions_du_jour(activite=activite, jour=jour) if i.absence is None]


@transaction.atomic
def presences_pointer(
    *, activite: Activite, jour: datetime.date, inscriptions: list[Inscription], presents: set[int], agent
) -> list[Presence]:
    """Enregistre le pointage d'un jour : présent ou absent pour chaque inscription listée."""
    resultat = []
    for inscription in inscriptions:
        if inscription.activite_id != activite.pk:
            raise ValidationError("Inscription d'une autre activité.", code="activite")
        presence, _cree = Presence.objects.update_or_create(
            inscription=inscription,
            date=jour,
            defaults={
                "present": inscription.pk in presents,
                "pointee_par": agent,
                "pointee_le": timezone.now(),
            },
        )
        resultat.append(presence)
    return resultat


@transaction.atomic
def flux_calendrier_obtenir(*, enfant: Enfant) -> FluxCalendrier:
    """Le flux iCalendar de l'enfant, créé avec un jeton secret à la première demande."""
    flux, _cree = FluxCalendrier.objects.get_or_create(
        enfant=enfant, defaults={"jeton": secrets.token_urlsafe(32)}
    )
    return flux


@transaction.atomic
def flux_calendrier_renouveler(*, enfant: Enfant) -> FluxCalendrier:
    """Remplace le jeton du flux : l'ancienne adresse cesse aussitôt de fonctionner."""
    flux = flux_calendrier_obtenir(enfant=enfant)
    flux.jeton = secrets.token_urlsafe(32)
    flux.cree_le = timezone.now()
    flux.save(update_fields=["jeton", "cree_le"])
    return flux
