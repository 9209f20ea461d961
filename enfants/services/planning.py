"""Planning : réservations, absences, présences, flux iCalendar.

Chaque service est atomique. La capacité d'une activité est protégée par des verrous (voir
`_activite_verrouillee` et `_jours_verrouilles`) : deux demandes ou deux décisions simultanées
pour la dernière place d'un jour sont sérialisées. Sur PostgreSQL, une demande de réservation
ne verrouille que les jours qu'elle demande (verrou consultatif par activité et jour) : deux
familles qui réservent des jours différents de la même activité ne s'attendent pas ; les
décisions et propositions (plus rares) verrouillent toute l'activité.
"""

import datetime
import functools
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, Func, IntegerField, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone

from commun import restrictions
from enfants import calendrier
from enfants.clotures import JOUR_CLOS, jour_clos
from enfants.conditions import conditions_reservation_verifier
from enfants.listes_attente import traitement_enregistrer
from enfants.models import (
    Absence,
    Activite,
    Campagne,
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
# Listes d'attente des jours. Une place libérée est proposée au premier de la liste : envoyé
# après validation de la transaction (`reservation_id`), `demandes` prévient la famille (message
# et courriel avec le lien de la proposition).
place_proposee = Signal()
# La proposition a été acceptée (`acceptee=True`) ou refusée, expirée (`acceptee=False`) :
# `demandes` décide en conséquence la demande de réservation qui la porte (argument `objet`).
proposition_terminee = Signal()
# Une absence hors délai n'est plus facturée, sa place ayant été reprise (argument `objet`).
absence_non_facturee = Signal()

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
FENETRE_PAS_OUVERTE = (
    "Le {jour} fait partie de la campagne « {campagne} » : ses réservations ouvrent le {debut}."
)
FENETRE_CLOSE = (
    "Le {jour} fait partie de la campagne « {campagne} » : ses réservations sont closes depuis le {fin}."
)
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
PROPOSITION_TRAITEE = "Cette proposition de place a déjà été traitée."
PROPOSITION_EXPIREE = (
    "Le délai pour accepter la place du {jour} est passé (il fallait répondre avant le {limite}) : "
    "elle passe au suivant de la liste d'attente."
)
ABSENCE_PLACE_REPRISE = (
    "La place de votre enfant le {jour} a été proposée à un enfant de la liste d'attente : "
    "l'absence ne peut plus être annulée. Écrivez au service si besoin."
)
RESERVATION_NON_ACCEPTEE = "Seule une réservation acceptée peut être annulée ainsi."
AUCUNE_PLACE_LIBEREE = "Aucune place ne s'est libérée ce jour-là : la liste d'attente est close."


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
    if (
        Fermeture.objects.filter(structure_id=activite.structure_id, date_debut__lte=jour, date_fin__gte=jour)
        .filter(Q(activite__isnull=True) | Q(activite=activite))
        .exists()
    ):
        return FERME.format(jour=_texte_jour(jour))
    if not activite_ouverte(activite, jour, calendrier.vacances(jour, jour)):
        return PAS_OUVERT.format(jour=_texte_jour(jour))
    return None


def _inscriptions_reservees(*, activite: Activite, jour: datetime.date):
    """Les inscriptions qui ont une place un jour : inscription qui couvre le jour, et contrat
    régulier ce jour de la semaine ou réservation acceptée. Une seule définition pour la
    capacité et le pointage : le compteur de places et la liste des enfants du jour ne peuvent
    pas diverger (une inscription terminée plus tôt ne garde pas ses jours d'après).

    Les réservations en sous-requête (lue une fois par l'index `(date, etat)`), pas en jointure :
    la jointure gauche lisait les 645 000 réservations d'une vraie ville et un `DISTINCT` triait
    107 000 lignes (130 ms pour compter une garderie, docs/performance.md, issue 22)."""
    # Les réservations acceptées du jour, toutes activités : l'activité est filtrée dehors (la
    # jointure des inscriptions dans la sous-requête doublait son temps).
    acceptees = Reservation.objects.filter(date=jour, etat=Reservation.Etat.ACCEPTEE).values("inscription_id")
    return Inscription.objects.filter(
        Q(jours_reguliers__contains=str(jour.weekday())) | Q(pk__in=acceptees),
        activite=activite,
        date_debut__lte=jour,
        date_fin__gte=jour,
    )


# Une absence décidée (excusée, ou facturée hors délai) rend la place à la liste d'attente : la
# famille a dit que l'enfant ne viendra pas. En cours de traitement, la place reste tenue (un
# agent peut encore refuser l'absence, et l'enfant vient).
ABSENCES_LIBERANT_LA_PLACE = (Absence.Etat.EXCUSEE, Absence.Etat.FACTUREE)


def _places_requetes(*, activite: Activite, jour: datetime.date, avec_demandes: bool):
    """Les deux comptes des places prises un jour (une seule définition, pour `places_occupees`
    et pour `_places_des_jours`) : les inscrits qui ont une place, les réservations qui en tiennent."""
    liberees = Absence.objects.filter(
        inscription__activite=activite, date=jour, etat__in=ABSENCES_LIBERANT_LA_PLACE
    ).values("inscription_id")
    inscrits = _inscriptions_reservees(activite=activite, jour=jour).exclude(pk__in=liberees)
    etats = [Reservation.Etat.PROPOSEE] + ([Reservation.Etat.EN_COURS] if avec_demandes else [])
    tenues = Reservation.objects.filter(inscription__activite=activite, date=jour, etat__in=etats)
    return inscrits, tenues


def places_occupees(*, activite: Activite, jour: datetime.date, avec_demandes: bool) -> int:
    """Places prises un jour : contrats réguliers et réservations acceptées, sauf les enfants dont
    l'absence est décidée (excusée ou facturée : la place est rendue), plus les places proposées
    à la liste d'attente (tenues tant que la proposition court) (+ demandes en cours)."""
    inscrits, tenues = _places_requetes(activite=activite, jour=jour, avec_demandes=avec_demandes)
    return inscrits.count() + tenues.count()


def _compte(requete) -> Coalesce:
    """Le nombre de lignes d'une requête, en sous-requête scalaire."""
    nombre = requete.order_by().annotate(_nombre=Func(F("pk"), function="COUNT")).values("_nombre")
    return Coalesce(Subquery(nombre, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class _Jour:
    """Ce qu'une demande lit sous le verrou pour un jour : déjà réservé (double clic), places
    prises (demandes en cours comprises), et s'il y a déjà une liste d'attente."""

    deja_reserve: bool
    occupees: int
    liste_attente: bool


def _places_colonnes(*, inscription: Inscription, activite: Activite, jours: list[datetime.date]) -> dict:
    """Ce que lit une demande sous le verrou, pour tous ses jours, en sous-requêtes de la
    relecture de l'activité (`_jours_verrouilles`) : UNE requête au lieu de trois ou quatre par
    jour. Mêmes définitions que `_deja_reserve_verifier`, `places_occupees(avec_demandes=True)`
    et `_liste_attente_devant`."""
    colonnes: dict[str, Exists | Coalesce] = {}
    for i, jour in enumerate(jours):
        inscrits, tenues = _places_requetes(activite=activite, jour=jour, avec_demandes=True)
        colonnes[f"lu_deja_{i}"] = Exists(
            Reservation.objects.filter(inscription=inscription, date=jour, etat__in=Reservation.ETATS_ACTIFS)
        )
        colonnes[f"lu_inscrits_{i}"] = _compte(Inscription.objects.filter(pk__in=inscrits.values("pk")))
        colonnes[f"lu_tenues_{i}"] = _compte(tenues)
        colonnes[f"lu_attente_{i}"] = Exists(
            Reservation.objects.filter(
                inscription__activite=activite, date=jour, etat=Reservation.Etat.EN_ATTENTE
            )
        )
    return colonnes


def _places_lues(activite: Activite, jours: list[datetime.date]) -> dict[datetime.date, _Jour]:
    """Les colonnes de `_places_colonnes`, lues avec l'activité, jour par jour."""
    return {
        jour: _Jour(
            deja_reserve=bool(getattr(activite, f"lu_deja_{i}")),
            occupees=getattr(activite, f"lu_inscrits_{i}") + getattr(activite, f"lu_tenues_{i}"),
            liste_attente=bool(getattr(activite, f"lu_attente_{i}")),
        )
        for i, jour in enumerate(jours)
    }


@dataclass(frozen=True)
class Places:
    """Les places d'une activité un jour donné, pour l'agent qui décide ou qui pointe."""

    capacite: int
    occupees: int  # contrats réguliers, réservations acceptées (absences décidées déduites), proposées
    demandes: int  # réservations en cours de traitement ou en liste d'attente
    proposees: int = 0  # places proposées à la liste d'attente (comptées dans `occupees`)

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
        if self.proposees:
            texte += (
                f" ; dont {self.proposees} place{'s' if self.proposees > 1 else ''} proposée"
                f"{'s' if self.proposees > 1 else ''} à la liste d'attente"
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
        proposees=Reservation.objects.filter(
            inscription__activite=activite, date=jour, etat=Reservation.Etat.PROPOSEE
        ).count(),
    )


# Verrous de la capacité. Sur PostgreSQL, deux niveaux de verrous consultatifs de transaction
# (`pg_advisory_xact_lock`, rendus à la validation) : l'activité (une clé) et le jour (deux
# clés : activité, jour ; un autre espace de clés que celui d'une seule clé).
# - Une demande de réservation (la ruée : beaucoup de familles à la fois) prend l'activité en
#   partage et chacun de ses jours en exclusif, dans l'ordre des jours (pas d'interblocage) :
#   deux demandes de jours différents ne s'attendent pas, deux demandes d'un même jour passent
#   l'une après l'autre.
# - Les décisions, annulations, propositions de la liste d'attente, absences (plus rares, et qui
#   peuvent toucher plusieurs jours) prennent l'activité en exclusif : elles attendent les
#   demandes en cours et les bloquent, comme le verrou de la ligne de l'activité qu'elles
#   prennent aussi (`select_for_update`, le seul verrou sur SQLite, qui sérialise les écritures).


def _cle_activite(activite_id: int) -> int:
    # Une clé int4 : deux activités qui partageraient une clé s'attendraient, sans plus.
    return activite_id & 0x7FFFFFFF


def _activite_verrouillee(activite_id: int) -> Activite:
    if connection.vendor == "postgresql":
        with connection.cursor() as curseur:
            curseur.execute("SELECT pg_advisory_xact_lock(%s)", [_cle_activite(activite_id)])
    return Activite.objects.select_for_update().get(pk=activite_id)


def _jours_verrouilles(activite_id: int, jours: list[datetime.date], *, colonnes=None) -> Activite:
    """Verrouille les jours d'une demande (dans l'ordre) et relit l'activité (capacité à jour),
    avec les `colonnes` lues sous le verrou dans la même requête (`_places_colonnes`)."""
    colonnes = colonnes or {}
    if connection.vendor != "postgresql":
        requete = Activite.objects.select_for_update().annotate(**colonnes)
        return requete.get(pk=activite_id)
    cle = _cle_activite(activite_id)
    with connection.cursor() as curseur:
        # Une seule requête : l'activité en partage, puis les jours un à un, dans l'ordre.
        curseur.execute(
            "SELECT pg_advisory_xact_lock_shared(%s), "
            + ", ".join("pg_advisory_xact_lock(%s, %s)" for _ in jours),
            [cle] + [v for jour in sorted(jours) for v in (cle, jour.toordinal())],
        )
    return Activite.objects.annotate(**colonnes).get(pk=activite_id)


def _reservation_controler(
    *, inscription: Inscription, activite: Activite, date: datetime.date, maintenant: datetime.datetime
) -> None:
    """Les règles d'un jour qui ne dépendent pas des places (ValidationError, message en
    français) : inscription, jour fermé, contrat régulier, déjà réservé, délai, fenêtre ou
    horizon, conditions d'accès. Vérifiées AVANT de prendre le verrou, pour le tenir le moins
    longtemps possible ; « déjà réservé » est revérifié sous le verrou (double clic)."""
    texte = _texte_jour(date)
    if not inscription.couvre(date):
        raise _refuser(NON_INSCRIT, "non_inscrit", jour=texte)
    raison = jour_ferme_raison(activite=activite, jour=date)
    if raison:
        raise ValidationError(raison, code="ferme")
    _jour_clos_refuser(activite=activite, jour=date)
    if inscription.est_regulier(date):
        raise _refuser(DEJA_REGULIER, "deja_reserve", jour=texte)
    _deja_reserve_verifier(inscription=inscription, date=date)
    limite = calendrier.date_limite(
        date, jours_ouvres=activite.delai_reservation, heure=activite.heure_limite
    )
    if maintenant > limite:
        raise _refuser(DELAI_RESERVATION, "delai", jour=texte, limite=texte_limite(limite))
    reservation_fenetre_verifier(activite=activite, jour=date, maintenant=maintenant)
    conditions_reservation_verifier(
        inscription=inscription, activite=activite, jour=date, maintenant=maintenant
    )


def _jour_clos_refuser(*, activite: Activite, jour: datetime.date) -> None:
    """Un jour déjà transmis à la facturation (période close, `enfants.clotures`) : la famille
    ne le change plus."""
    if jour_clos(activite=activite, jour=jour):
        raise _refuser(JOUR_CLOS, "jour_clos", jour=_texte_jour(jour))


def _deja_reserve_verifier(*, inscription: Inscription, date: datetime.date) -> None:
    if Reservation.objects.filter(
        inscription=inscription, date=date, etat__in=Reservation.ETATS_ACTIFS
    ).exists():
        raise _refuser(DEJA_RESERVE, "deja_reserve", jour=_texte_jour(date))


def _famille_lire(inscription: Inscription) -> None:
    """Le signal `demande_planning_soumise` lit l'enfant et sa famille (la Liste des demandes) :
    lus ici, avant le verrou (deux requêtes de moins sous le verrou ; rien si déjà lus)."""
    inscription.enfant.famille  # noqa: B018 — lecture pour le cache de l'objet


def _reservation_enregistrer(
    *,
    inscription: Inscription,
    activite: Activite,
    date: datetime.date,
    par,
    liste_attente: bool,
    arrivee: datetime.datetime,
    lu: _Jour,
) -> Reservation:
    """Sous le verrou du jour : les places (`lu`, lues pour tous les jours par `_places_des_jours`),
    puis l'écriture. `arrivee` (`demandee_le`) est lue sous le verrou : l'ordre d'arrivée est
    celui dans lequel les demandes ont eu les places."""
    if lu.deja_reserve:
        raise _refuser(DEJA_RESERVE, "deja_reserve", jour=_texte_jour(date))
    complet = lu.occupees >= activite.capacite or lu.liste_attente
    if complet and not liste_attente:
        raise _refuser(COMPLET, "complet", jour=_texte_jour(date), capacite=activite.capacite)
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
        demandee_le=arrivee,
        decidee_le=arrivee if etat == Reservation.Etat.ACCEPTEE else None,
    )
    demande_planning_soumise.send(sender=Reservation, objet=reservation, auteur=par)
    return reservation


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
    return reservations_jours_demander(
        inscription=inscription,
        jours=[date],
        par=par,
        liste_attente=liste_attente,
        maintenant=maintenant,
        refus_leves=True,
    ).reservations[0]


def campagne_de_reservation(*, activite: Activite, jour: datetime.date) -> Campagne | None:
    """La campagne de vacances qui propose cette activité, couvre ce jour et ouvre une fenêtre
    de réservation (la première à ouvrir s'il y en a deux) ; une requête."""
    return (
        Campagne.objects.filter(
            type=Campagne.Type.VACANCES,
            activites=activite,
            periode_debut__lte=jour,
            periode_fin__gte=jour,
            reservation_ouverture__isnull=False,
            reservation_fermeture__isnull=False,
        )
        .order_by("reservation_ouverture", "pk")
        .first()
    )


def fenetre_reservation_raison(
    *, activite: Activite, jour: datetime.date, maintenant: datetime.datetime
) -> ValidationError | None:
    """Pourquoi ce jour ne se réserve pas à cet instant (None : il se réserve), côté calendrier.

    Un jour d'une campagne de vacances qui ouvre une fenêtre de réservation se réserve entre
    `reservation_ouverture` (incluse) et `reservation_fermeture` (exclue), quel que soit
    l'horizon ; ailleurs, l'horizon de réservation glissant de l'activité s'applique."""
    texte = _texte_jour(jour)
    campagne = campagne_de_reservation(activite=activite, jour=jour)
    debut = campagne.reservation_ouverture if campagne is not None else None
    fin = campagne.reservation_fermeture if campagne is not None else None
    if campagne is not None and debut is not None and fin is not None:  # (la requête les exige)
        if maintenant < debut:
            return _refuser(
                FENETRE_PAS_OUVERTE,
                "fenetre",
                jour=texte,
                campagne=campagne.nom,
                debut=calendrier.date_heure_longue(debut),
            )
        if maintenant >= fin:
            return _refuser(
                FENETRE_CLOSE,
                "fenetre",
                jour=texte,
                campagne=campagne.nom,
                fin=calendrier.date_heure_longue(fin),
            )
        return None
    if jour > timezone.localdate(maintenant) + datetime.timedelta(days=activite.horizon_reservation):
        return _refuser(HORIZON, "horizon", jour=texte, n=activite.horizon_reservation)
    return None


def reservation_fenetre_verifier(
    *, activite: Activite, jour: datetime.date, maintenant: datetime.datetime
) -> None:
    """Refuse (ValidationError) un jour hors de la fenêtre de réservation ou de l'horizon."""
    erreur = fenetre_reservation_raison(activite=activite, jour=jour, maintenant=maintenant)
    if erreur is not None:
        raise erreur


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
    refus_leves: bool = False,
) -> ResultatPeriode:
    """Demande la réservation de plusieurs jours en une fois (jours cochés sur le téléphone).

    Chaque jour suit les règles d'un jour seul (`reservation_demander`) : les jours possibles
    sont demandés, les autres rapportés avec leur raison (un jour refusé n'empêche pas les
    autres ; `refus_leves` : le premier refus est levé, pour un jour seul). Les règles qui ne
    dépendent pas des places sont vérifiées d'abord, sans verrou ; puis les jours restants sont
    verrouillés ensemble (`_jours_verrouilles`) et seuls les places et l'écriture se font sous
    le verrou. Aucune écriture n'a lieu avant un refus : pas de point de sauvegarde par jour.
    """
    restrictions.restriction_verifier(par, restrictions.RESERVATIONS)
    jours = sorted(set(jours))
    if not jours:
        raise ValidationError(JOURS_AUCUN, code="jours")
    controle = maintenant or timezone.now()
    activite = Activite.objects.get(pk=inscription.activite_id)
    resultat = ResultatPeriode(reservations=[], refus=[])
    possibles = []
    for jour in jours:
        try:
            _reservation_controler(inscription=inscription, activite=activite, date=jour, maintenant=controle)
        except ValidationError as erreur:
            if refus_leves:
                raise
            resultat.refus.append((jour, erreur.messages[0]))
        else:
            possibles.append(jour)
    if not possibles:
        return resultat
    _famille_lire(inscription)
    colonnes = _places_colonnes(inscription=inscription, activite=activite, jours=possibles)
    activite = _jours_verrouilles(inscription.activite_id, possibles, colonnes=colonnes)
    arrivee = maintenant or timezone.now()
    lus = _places_lues(activite, possibles)
    for jour in possibles:
        try:
            resultat.reservations.append(
                _reservation_enregistrer(
                    inscription=inscription,
                    activite=activite,
                    date=jour,
                    par=par,
                    liste_attente=liste_attente,
                    arrivee=arrivee,
                    lu=lus[jour],
                )
            )
        except ValidationError as erreur:
            if refus_leves:
                raise
            resultat.refus.append((jour, erreur.messages[0]))
    resultat.refus.sort()
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
    if Reservation.objects.filter(pk=reservation.pk, etat=Reservation.Etat.PROPOSEE).exists():
        # Une place proposée (liste d'attente) que la famille accepte auprès d'un agent.
        return proposition_accepter(reservation=reservation, par=agent)
    reservation, activite = _reservation_a_decider(reservation)
    occupees = places_occupees(activite=activite, jour=reservation.date, avec_demandes=False)
    if occupees >= activite.capacite:
        raise _refuser(COMPLET, "complet", jour=_texte_jour(reservation.date), capacite=activite.capacite)
    return _decision_enregistrer(reservation, etat=Reservation.Etat.ACCEPTEE, agent=agent)


@transaction.atomic
def reservation_refuser(*, reservation: Reservation, agent, motif=None) -> Reservation:
    """Un agent refuse une demande de réservation (le motif est montré à la famille)."""
    motif = _motif_refus(Reservation, motif)
    reservation, activite = _reservation_a_decider(reservation)
    etait_en_cours = reservation.etat == Reservation.Etat.EN_COURS
    reservation = _decision_enregistrer(
        reservation, etat=Reservation.Etat.REFUSEE, agent=agent, motif_refus=motif
    )
    if etait_en_cours:  # une demande en cours tenait une place : elle revient à la liste d'attente
        _places_proposer(activite=activite, jour=reservation.date, maintenant=timezone.now())
    return reservation


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
    restrictions.restriction_verifier(par, restrictions.RESERVATIONS)
    maintenant = maintenant or timezone.now()
    texte = _texte_jour(date)
    # Verrou de l'activité d'abord (même ordre que partout : activité, puis ses jours), car une
    # absence décidée rend la place à la liste d'attente.
    activite = _activite_verrouillee(inscription.activite_id)
    if not inscription.couvre(date):
        raise _refuser(NON_INSCRIT, "non_inscrit", jour=texte)
    _jour_clos_refuser(activite=activite, jour=date)
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
    _place_rendue_si_absence_decidee(activite=activite, absence=absence, maintenant=maintenant)
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
    """La famille retire sa demande de réservation encore en attente, ou la place qui lui est
    proposée : la place qu'elle tenait passe au suivant de la liste d'attente."""
    activite = _activite_verrouillee(reservation.inscription.activite_id)
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.etat not in (
        Reservation.Etat.EN_COURS,
        Reservation.Etat.EN_ATTENTE,
        Reservation.Etat.PROPOSEE,
    ):
        raise ValidationError(DEJA_DECIDEE, code="deja_decidee")
    _jour_clos_refuser(activite=activite, jour=reservation.date)
    tenait_une_place = reservation.etat != Reservation.Etat.EN_ATTENTE
    reservation.etat = Reservation.Etat.ANNULEE
    reservation.save(update_fields=["etat"])
    if tenait_une_place:
        _places_proposer(activite=activite, jour=reservation.date, maintenant=timezone.now())
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
    activite = _activite_verrouillee(absence.inscription.activite_id)
    absence = Absence.objects.select_for_update().select_related("inscription__activite").get(pk=absence.pk)
    raison = absence_annulable(absence=absence, maintenant=maintenant)
    if raison:
        raise ValidationError(raison, code="non_annulable")
    _jour_clos_refuser(activite=activite, jour=absence.date)
    if absence.etat in ABSENCES_LIBERANT_LA_PLACE and (
        places_occupees(activite=activite, jour=absence.date, avec_demandes=False) >= activite.capacite
    ):
        # La place rendue a été proposée (ou donnée) à la liste d'attente : l'enfant ne la
        # retrouve pas, la capacité n'est jamais dépassée.
        raise _refuser(ABSENCE_PLACE_REPRISE, "place_reprise", jour=_texte_jour(absence.date))
    nom = absence.certificat.name  # vide (ou None) sans certificat
    if nom:
        stockage = absence.certificat.storage
        transaction.on_commit(lambda: stockage.delete(nom))
    demande_planning_retiree.send(sender=Absence, objet=absence)
    absence.delete()


def _absence_a_decider(absence: Absence) -> tuple[Absence, Activite]:
    activite = _activite_verrouillee(absence.inscription.activite_id)
    absence = Absence.objects.select_for_update().get(pk=absence.pk)
    if absence.etat != Absence.Etat.EN_COURS:
        raise ValidationError(DEJA_DECIDEE, code="deja_decidee")
    return absence, activite


@transaction.atomic
def absence_accepter(*, absence: Absence, agent, motif=None) -> Absence:
    """Un agent excuse une absence (dans le délai, ou hors délai sur certificat) : la place est
    rendue à la liste d'attente."""
    absence, activite = _absence_a_decider(absence)
    absence = _decision_enregistrer(absence, etat=Absence.Etat.EXCUSEE, agent=agent)
    _place_rendue_si_absence_decidee(activite=activite, absence=absence, maintenant=timezone.now())
    return absence


@transaction.atomic
def absence_refuser(*, absence: Absence, agent, motif=None) -> Absence:
    """Un agent refuse une absence : hors délai, elle reste facturée ; sinon le jour reste réservé."""
    motif = _motif_refus(Absence, motif)
    absence, activite = _absence_a_decider(absence)
    etat = Absence.Etat.FACTUREE if absence.hors_delai else Absence.Etat.REFUSEE
    absence = _decision_enregistrer(absence, etat=etat, agent=agent, motif_refus=motif)
    _place_rendue_si_absence_decidee(activite=activite, absence=absence, maintenant=timezone.now())
    return absence


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


# --- Listes d'attente des jours : position, proposition de la place libérée, expiration ---
#
# Une demande faite un jour complet (`liste_attente=True`) attend en liste d'attente, dans
# l'ordre d'arrivée (`demandee_le`, puis numéro). Quand une place se libère (réservation
# annulée ou refusée, absence décidée, inscription terminée plus tôt ou supprimée, capacité
# augmentée), le premier de la liste la reçoit en proposition : la place lui est tenue jusqu'à
# `proposition_limite` (maintenant + LISTE_ATTENTE_DELAI_HEURES, au plus tard le début du jour).
# Acceptée, la réservation est faite ; refusée ou expirée, elle est annulée et la place passe au
# suivant. Toujours sous le verrou de l'activité : une place n'est proposée qu'une fois.


def _liste_attente_devant(*, activite: Activite, jour: datetime.date) -> bool:
    """Des demandes attendent déjà ce jour-là en liste d'attente : une nouvelle demande passe
    derrière elles (ordre d'arrivée), même si une place vient de se libérer."""
    return Reservation.objects.filter(
        inscription__activite=activite, date=jour, etat=Reservation.Etat.EN_ATTENTE
    ).exists()


def _debut_du_jour(jour: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))


def _places_proposer(*, activite: Activite, jour: datetime.date, maintenant: datetime.datetime) -> list:
    """Propose les places libres d'un jour aux premiers de la liste d'attente. L'appelant tient
    le verrou de l'activité ; les familles sont prévenues après validation (`place_proposee`)."""
    debut = _debut_du_jour(jour)
    if debut <= maintenant:  # le jour a commencé : plus rien à proposer
        return []
    libres = activite.capacite - places_occupees(activite=activite, jour=jour, avec_demandes=True)
    if libres <= 0:
        return []
    limite = min(maintenant + datetime.timedelta(hours=settings.LISTE_ATTENTE_DELAI_HEURES), debut)
    premiers = list(
        Reservation.objects.select_for_update(of=("self",))
        .filter(inscription__activite=activite, date=jour, etat=Reservation.Etat.EN_ATTENTE)
        .order_by("demandee_le", "pk")[:libres]
    )
    for reservation in premiers:
        reservation.etat = Reservation.Etat.PROPOSEE
        reservation.proposee_le = maintenant
        reservation.proposition_limite = limite
        reservation.save(update_fields=["etat", "proposee_le", "proposition_limite"])
        transaction.on_commit(functools.partial(_place_proposee_annoncer, reservation.pk))
    return premiers


def _place_proposee_annoncer(reservation_id: int) -> None:
    place_proposee.send(sender=Reservation, reservation_id=reservation_id)


def _place_rendue_si_absence_decidee(*, activite: Activite, absence: Absence, maintenant) -> None:
    if absence.etat in ABSENCES_LIBERANT_LA_PLACE:
        _places_proposer(activite=activite, jour=absence.date, maintenant=maintenant)


@transaction.atomic
def listes_attente_relancer(
    *, activite: Activite, maintenant: datetime.datetime | None = None
) -> list[Reservation]:
    """Propose les places libres de tous les jours à venir où des demandes attendent (capacité
    augmentée, inscription terminée plus tôt ou supprimée). Renvoie les propositions faites."""
    maintenant = maintenant or timezone.now()
    activite = _activite_verrouillee(activite.pk)
    jours = (
        Reservation.objects.filter(
            inscription__activite=activite,
            etat=Reservation.Etat.EN_ATTENTE,
            date__gt=timezone.localdate(maintenant),
        )
        .values_list("date", flat=True)
        .distinct()
        .order_by("date")
    )
    propositions = []
    for jour in list(jours):
        propositions += _places_proposer(activite=activite, jour=jour, maintenant=maintenant)
    return propositions


def _proposition_verrouillee(reservation: Reservation) -> tuple[Reservation, Activite]:
    activite = _activite_verrouillee(reservation.inscription.activite_id)
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.etat != Reservation.Etat.PROPOSEE:
        raise ValidationError(PROPOSITION_TRAITEE, code="deja_traitee")
    return reservation, activite


def _proposition_fermer(reservation: Reservation, *, activite, maintenant, par=None) -> None:
    """Refusée ou expirée : annulée, et la place passe au suivant de la liste."""
    reservation.etat = Reservation.Etat.ANNULEE
    reservation.decidee_le = maintenant
    reservation.decidee_par = par
    reservation.save(update_fields=["etat", "decidee_le", "decidee_par"])
    proposition_terminee.send(sender=Reservation, objet=reservation, acceptee=False, auteur=par)
    _places_proposer(activite=activite, jour=reservation.date, maintenant=maintenant)


def proposition_expiree(*, reservation: Reservation, maintenant: datetime.datetime | None = None) -> bool:
    return reservation.etat == Reservation.Etat.PROPOSEE and bool(
        reservation.proposition_limite and (maintenant or timezone.now()) >= reservation.proposition_limite
    )


@transaction.atomic
def proposition_accepter(
    *, reservation: Reservation, par=None, maintenant: datetime.datetime | None = None
) -> Reservation:
    """La famille accepte la place proposée : le jour est réservé. Si le délai est passé, la
    proposition est close comme une expiration (annulée, place au suivant) et l'état renvoyé le
    dit (`ANNULEE`) : à l'appelant de l'expliquer (PROPOSITION_EXPIREE)."""
    maintenant = maintenant or timezone.now()
    reservation, activite = _proposition_verrouillee(reservation)
    if proposition_expiree(reservation=reservation, maintenant=maintenant):
        _proposition_fermer(reservation, activite=activite, maintenant=maintenant)
        return reservation
    reservation.etat = Reservation.Etat.ACCEPTEE
    reservation.decidee_le = maintenant
    reservation.decidee_par = par
    reservation.save(update_fields=["etat", "decidee_le", "decidee_par"])
    _absence_reprise_marquer(activite=activite, jour=reservation.date, maintenant=maintenant)
    proposition_terminee.send(sender=Reservation, objet=reservation, acceptee=True, auteur=par)
    return reservation


@transaction.atomic
def proposition_refuser(
    *, reservation: Reservation, par=None, maintenant: datetime.datetime | None = None
) -> Reservation:
    """La famille refuse la place proposée : sa demande est annulée, la place passe au suivant."""
    maintenant = maintenant or timezone.now()
    reservation, activite = _proposition_verrouillee(reservation)
    _proposition_fermer(reservation, activite=activite, maintenant=maintenant, par=par)
    return reservation


def _absence_reprise_marquer(*, activite: Activite, jour: datetime.date, maintenant) -> Absence | None:
    """Une place reprise par la liste d'attente : la plus ancienne absence facturée de ce jour
    dont la place n'a pas encore été reprise n'est plus facturée (excusée, `place_reprise_le`).
    La famille qui a prévenu n'est pas facturée pour un jour qu'un autre enfant occupe."""
    absence = (
        Absence.objects.select_for_update(of=("self",))
        .filter(
            inscription__activite=activite,
            date=jour,
            etat=Absence.Etat.FACTUREE,
            place_reprise_le__isnull=True,
        )
        .order_by("declaree_le", "pk")
        .first()
    )
    if absence is None:
        return None
    absence.etat = Absence.Etat.EXCUSEE
    absence.place_reprise_le = maintenant
    absence.save(update_fields=["etat", "place_reprise_le"])
    absence_non_facturee.send(sender=Absence, objet=absence)
    return absence


@transaction.atomic
def reservation_acceptee_annuler(
    *, reservation: Reservation, agent, maintenant: datetime.datetime | None = None
) -> Reservation:
    """Un agent annule une réservation acceptée (à la demande de la famille) : la place passe au
    premier de la liste d'attente."""
    maintenant = maintenant or timezone.now()
    activite = _activite_verrouillee(reservation.inscription.activite_id)
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.etat != Reservation.Etat.ACCEPTEE:
        raise ValidationError(RESERVATION_NON_ACCEPTEE, code="pas_acceptee")
    _decision_enregistrer(reservation, etat=Reservation.Etat.ANNULEE, agent=agent)
    _places_proposer(activite=activite, jour=reservation.date, maintenant=maintenant)
    return reservation


@traitement_enregistrer("reservations")
def propositions_expirees_traiter(*, maintenant: datetime.datetime) -> int:
    """Lancé par `manage.py listes_attente` : chaque place proposée et non acceptée à temps passe
    au suivant de la liste ; et les places libres des jours où des demandes attendent encore
    sont proposées (rattrapage). Renvoie le nombre de propositions expirées."""
    expirees = Reservation.objects.filter(
        etat=Reservation.Etat.PROPOSEE, proposition_limite__lte=maintenant
    ).values_list("pk", "inscription__activite_id")
    par_activite: dict[int, list[int]] = {}
    for pk, activite_id in expirees:
        par_activite.setdefault(activite_id, []).append(pk)
    nombre = 0
    for activite_id, pks in sorted(par_activite.items()):
        with transaction.atomic():
            activite = _activite_verrouillee(activite_id)
            for reservation in (
                Reservation.objects.select_for_update()
                .filter(pk__in=pks, etat=Reservation.Etat.PROPOSEE, proposition_limite__lte=maintenant)
                .order_by("date", "pk")
            ):
                _proposition_fermer(reservation, activite=activite, maintenant=maintenant)
                nombre += 1
    _listes_closes_refuser(maintenant=maintenant)
    attente = (
        Reservation.objects.filter(etat=Reservation.Etat.EN_ATTENTE, date__gt=timezone.localdate(maintenant))
        .values_list("inscription__activite_id", flat=True)
        .distinct()
    )
    for activite_id in sorted(set(attente)):
        listes_attente_relancer(activite=Activite(pk=activite_id), maintenant=maintenant)
    return nombre


def _listes_closes_refuser(*, maintenant: datetime.datetime) -> None:
    """Le jour est arrivé : les demandes encore en liste d'attente sont refusées (motif montré à
    la famille), elles quittent la file de modération."""
    aujourdhui = timezone.localdate(maintenant)
    activites = (
        Reservation.objects.filter(etat=Reservation.Etat.EN_ATTENTE, date__lte=aujourdhui)
        .values_list("inscription__activite_id", flat=True)
        .distinct()
    )
    for activite_id in sorted(set(activites)):
        with transaction.atomic():
            _activite_verrouillee(activite_id)
            for reservation in Reservation.objects.select_for_update().filter(
                inscription__activite_id=activite_id, etat=Reservation.Etat.EN_ATTENTE, date__lte=aujourdhui
            ):
                reservation.etat = Reservation.Etat.REFUSEE
                reservation.motif_refus = AUCUNE_PLACE_LIBEREE
                reservation.decidee_le = maintenant
                reservation.save(update_fields=["etat", "motif_refus", "decidee_le"])
                proposition_terminee.send(
                    sender=Reservation, objet=reservation, acceptee=False, motif=AUCUNE_PLACE_LIBEREE
                )


@receiver(post_save, sender=Activite, dispatch_uid="enfants_capacite_modifiee")
def _capacite_modifiee(sender, instance, created, raw=False, **kwargs):
    """Capacité augmentée (admin ou autre) : les places nouvelles vont à la liste d'attente."""
    if not created and not raw:
        listes_attente_relancer(activite=instance)


@receiver(post_save, sender=Inscription, dispatch_uid="enfants_inscription_modifiee")
def _inscription_modifiee(sender, instance, created, raw=False, **kwargs):
    """Inscription terminée plus tôt (ou jours réguliers retirés) : ses places vont à la liste."""
    if not created and not raw:
        listes_attente_relancer(activite=Activite(pk=instance.activite_id))


@receiver(post_delete, sender=Inscription, dispatch_uid="enfants_inscription_supprimee")
def _inscription_supprimee(sender, instance, **kwargs):
    listes_attente_relancer(activite=Activite(pk=instance.activite_id))
