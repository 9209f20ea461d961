"""Lectures des enfants, toujours bornées à une famille.

Planning : les données de l'agenda du mois et du flux iCalendar.
"""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from commun import cache_famille
from commun.sql import en_date, en_horodatage, executer, instance
from enfants import calendrier, criteres, requetes
from enfants.models import (
    Absence,
    Activite,
    Campagne,
    CleFermeture,
    Enfant,
    Fermeture,
    Inscription,
    Reservation,
    Structure,
)
from familles.selectors import famille_habite_la_commune


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


def reservations(*, famille) -> QuerySet[Reservation]:
    """Les réservations des enfants de la famille (places proposées comprises), avec l'enfant,
    l'activité et sa structure."""
    return Reservation.objects.filter(inscription__enfant__famille=famille).select_related(
        "inscription__enfant", "inscription__activite__structure"
    )


def rang_en_liste_attente(*, hors_liste=None):
    """Le rang d'une réservation en liste d'attente, en expression pour `annotate` : son ordre
    d'arrivée (`demandee_le`, puis pk) parmi les demandes en attente du même jour et de la même
    activité ; `hors_liste` pour une réservation qui n'est pas en attente. Une sous-requête :
    aucune requête de plus par ligne (planning, Liste des demandes, administration)."""
    # L'activité de la réservation lue par sa propre inscription (sous-requête) et non par
    # `OuterRef("inscription__activite_id")` : celle-ci joignait les inscriptions à la requête
    # annotée, jointure que son comptage (liste de l'administration, 645 000 réservations au
    # volume d'une vraie ville, issue 22) gardait même une fois l'annotation retirée.
    activite = Inscription.objects.filter(pk=OuterRef(OuterRef("inscription_id"))).values("activite_id")
    devant = Reservation.objects.filter(
        inscription__activite_id=Subquery(activite[:1]),
        date=OuterRef("date"),
        etat=Reservation.Etat.EN_ATTENTE,
    ).filter(
        Q(demandee_le__lt=OuterRef("demandee_le"))
        | Q(demandee_le=OuterRef("demandee_le"), pk__lte=OuterRef("pk"))
    )
    rang = devant.order_by().values("date").annotate(n=Count("pk")).values("n")
    return Case(When(etat=Reservation.Etat.EN_ATTENTE, then=Subquery(rang)), default=Value(hors_liste))


def positions_liste_attente(*, famille, reservation_ids) -> dict[int, Reservation]:
    """Les réservations de la famille parmi `reservation_ids`, chacune avec `position` : son rang
    en liste d'attente (0 hors liste). Une requête, quel que soit le nombre de réservations."""
    if not reservation_ids:
        return {}
    return {
        r.pk: r
        for r in Reservation.objects.filter(
            inscription__enfant__famille=famille, pk__in=list(reservation_ids)
        ).annotate(position=rang_en_liste_attente(hors_liste=0))
    }


def fermetures(
    *, structure_ids, debut: datetime.date, fin: datetime.date
) -> dict[CleFermeture, set[datetime.date]]:
    """Les jours de fermeture entre deux dates, par structure (`{structure_id: {dates}}`) et,
    pour une fermeture d'une seule activité, par activité (`{("activite", id): {dates}}`) ; les
    jours fermés d'une activité : `Fermeture.jours_de(fermetures, activite)`."""
    resultat: dict[CleFermeture, set[datetime.date]] = {}
    for f in Fermeture.objects.filter(
        structure_id__in=structure_ids, date_debut__lte=fin, date_fin__gte=debut
    ):
        jour = max(f.date_debut, debut)
        while jour <= min(f.date_fin, fin):
            resultat.setdefault(Fermeture.cle(f.structure_id, f.activite_id), set()).add(jour)
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
    # Réservations : rang en liste d'attente (0 hors liste), limite d'une place proposée.
    position: int = 0
    limite: datetime.datetime | None = None
    # Absences : place reprise par la liste d'attente (le jour n'est pas facturé).
    reprise: bool = False


@dataclass
class PlanningDuMois:
    """Tout ce que la page du planning d'un enfant affiche pour un mois."""

    enfant: Enfant
    flux_jeton: str | None
    inscriptions: list[Inscription]  # celles qui touchent le mois
    inscriptions_en_cours: list[Inscription]  # celles qui courent encore aujourd'hui
    reservations: list[Evenement]
    absences: list[Evenement]
    presences: list[Evenement]
    fermetures: dict[CleFermeture, set[datetime.date]]  # structure ou activité → jours fermés du mois
    feries: dict[datetime.date, str]
    vacances: dict
    # {activite_id: [FenetreReservation]} : campagnes de vacances à fenêtre qui touchent le mois,
    # la première à ouvrir d'abord (comme `services.planning.campagne_de_reservation`).
    fenetres: dict[int, list["FenetreReservation"]] = field(default_factory=dict)


class FenetreReservation(NamedTuple):
    """La fenêtre de réservation d'une campagne de vacances pour ses jours `debut`..`fin`."""

    pk: int
    nom: str
    debut: datetime.date
    fin: datetime.date
    ouverture: datetime.datetime
    fermeture: datetime.datetime


def _fenetres(objets: list[dict]) -> dict[int, list[FenetreReservation]]:
    resultat: dict[int, list[FenetreReservation]] = {}
    for o in objets:
        debut, fin = en_date(o["periode_debut"]), en_date(o["periode_fin"])
        ouverture, fermeture = en_horodatage(o["ouverture"]), en_horodatage(o["fermeture"])
        if debut is None or fin is None or ouverture is None or fermeture is None:
            raise ValueError(
                f"fenêtre de réservation incomplète : campagne {o['pk']}"
            )  # la requête les exige
        fenetre = FenetreReservation(
            pk=o["pk"], nom=o["nom"], debut=debut, fin=fin, ouverture=ouverture, fermeture=fermeture
        )
        resultat.setdefault(o["activite_id"], []).append(fenetre)
    for liste in resultat.values():
        liste.sort(key=lambda f: (f.ouverture, f.pk))
    return resultat


def _inscriptions(objets: list[dict], enfant: Enfant) -> list[Inscription]:
    """Les inscriptions (instances complètes), activité et structure partagées, triées comme
    la page les montre."""
    structures: dict[int, Structure] = {}
    activites: dict[int, Activite] = {}
    resultat = []
    for objet in objets:
        structure = structures.setdefault(objet["structure"]["id"], instance(Structure, objet["structure"]))
        if objet["activite"]["id"] not in activites:
            activite = activites[objet["activite"]["id"]] = instance(Activite, objet["activite"])
            activite.structure = structure
            # Des pièces ou des textes exigés pour réserver (`enfants.conditions`).
            activite.exige_pieces = bool(objet["exige_pieces"])
            activite.exige_textes = bool(objet["exige_textes"])
        inscription = instance(Inscription, objet["inscription"])
        inscription.activite = activites[inscription.activite_id]
        inscription.enfant = enfant
        resultat.append(inscription)
    resultat.sort(key=lambda i: (i.activite.structure.nom, i.activite.nom, i.date_debut, i.pk))
    return resultat


def _evenements(objets: list[dict]) -> list[Evenement]:
    """Des événements du mois, dans l'ordre de leur création (le plus récent l'emporte)."""
    evenements = []
    for objet in objets:
        objet["date"] = en_date(objet["date"])
        if "present" in objet:
            objet["present"] = bool(objet["present"])
        objet["motif_refus"] = objet.get("motif_refus") or ""
        if "position" in objet:
            objet["position"] = objet["position"] or 0
            objet["limite"] = en_horodatage(objet["limite"])
        if "reprise" in objet:
            objet["reprise"] = bool(objet["reprise"])
        evenements.append(Evenement(**objet))
    evenements.sort(key=lambda e: e.pk)
    return evenements


def _jours_fermes(
    objets: list[dict], debut: datetime.date, fin: datetime.date
) -> dict[CleFermeture, set[datetime.date]]:
    resultat: dict[CleFermeture, set[datetime.date]] = {}
    for objet in objets:
        premier, dernier = en_date(objet["date_debut"]), en_date(objet["date_fin"])
        if premier is None or dernier is None:  # colonnes NOT NULL : jamais
            raise ValueError(f"fermeture sans dates : {objet!r}")
        jour, jusqu_au = max(premier, debut), min(dernier, fin)
        while jour <= jusqu_au:
            resultat.setdefault(Fermeture.cle(objet["structure_id"], objet.get("activite_id")), set()).add(
                jour
            )
            jour += datetime.timedelta(days=1)
    return resultat


def planning_page(  # noqa: C901 — temporaire : découpé par s17-sql
    *, famille, enfant_id: int, annee: int, mois: int, aujourdhui: datetime.date | None = None
) -> PlanningDuMois | None:
    """Tout ce que la page du planning affiche, en une seule requête SQL quel que soit le
    volume (`requetes.PLANNING_DU_MOIS`). None si l'enfant n'est pas un enfant de cette
    famille. Les instances rendues sont complètes : un champ de plus lu par le gabarit ne coûte
    pas de requête."""
    aujourdhui = aujourdhui or timezone.localdate()
    jours = calendrier.jours_du_mois(annee, mois)
    debut, fin = jours[0], jours[-1]
    lignes = executer(
        requetes.PLANNING_DU_MOIS,
        {
            "enfant": enfant_id,
            "famille": famille.pk,
            "debut": debut,
            "fin": fin,
            "borne": min(debut, aujourdhui),
            "en_attente": Reservation.Etat.EN_ATTENTE,
            "vacances": Campagne.Type.VACANCES,
        },
    )
    if not lignes:
        return None
    ligne = lignes[0]
    enfant = instance(Enfant, ligne.enfant)
    toutes = _inscriptions(ligne.inscriptions, enfant)
    donnees = PlanningDuMois(
        enfant=enfant,
        flux_jeton=ligne.flux_jeton,
        inscriptions=[i for i in toutes if i.date_debut <= fin and i.date_fin >= debut],
        inscriptions_en_cours=[i for i in toutes if i.date_fin >= aujourdhui],
        reservations=_evenements(ligne.reservations),
        absences=_evenements(ligne.absences),
        presences=_evenements(ligne.presences),
        fermetures=_jours_fermes(ligne.fermetures, debut, fin),
        feries=calendrier.feries(debut, fin),
        vacances=calendrier.vacances(debut, fin),
        fenetres=_fenetres(ligne.fenetres or []),
    )
    _echeances_du_planning(donnees)
    return donnees


def _echeances_du_planning(donnees: PlanningDuMois) -> None:
    """Ce que le planning montre et qui change sans écriture de la famille, signalé au cache par
    famille (`commun.cache_famille`) : l'ouverture et la fermeture des fenêtres de réservation,
    la limite d'une place proposée ; le rang d'une demande en liste d'attente dépend des autres
    familles : une page qui en montre un n'est pas gardée. (Les délais de réservation et
    d'absence sont signalés par `calendrier.premier_jour_dans_le_delai`.)"""
    maintenant = timezone.now()
    for fenetres in donnees.fenetres.values():
        for fenetre in fenetres:
            for instant in (fenetre.ouverture, fenetre.fermeture):
                if instant > maintenant:
                    cache_famille.echeance(instant)
    for reservation in donnees.reservations:
        if reservation.etat == Reservation.Etat.EN_ATTENTE:
            cache_famille.echeance(maintenant)
        elif reservation.etat == Reservation.Etat.PROPOSEE and reservation.limite:
            cache_famille.echeance(reservation.limite)


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


def campagnes_ouvertes_requete(*, famille, maintenant: datetime.datetime) -> QuerySet[Campagne]:
    """La requête de `campagnes_ouvertes`, à annoter par qui en a besoin (l'avancement des
    dossiers du bloc « À faire » y ajoute ses sous-requêtes : une seule requête en tout)."""
    campagnes = Campagne.objects.filter(ouverture__lte=maintenant, fermeture__gt=maintenant)
    if not famille_habite_la_commune(famille=famille):
        campagnes = campagnes.filter(Q(ouverture_tous__isnull=True) | Q(ouverture_tous__lte=maintenant))
    return campagnes.order_by("fermeture", "pk")


def campagnes_ouvertes_ids(*, famille, maintenant: datetime.datetime) -> list[int]:
    """Les identifiants de `campagnes_ouvertes_requete` (même règle, les tests comparent les
    deux), lus avec les campagnes pas encore fermées : le prochain instant où l'une ouvre (à
    tous ou aux habitants) ou ferme est signalé au cache par famille (`commun.cache_famille`) :
    ce que l'accueil en montre change alors sans aucune écriture. Une requête."""
    habitant = None
    ouvertes = []
    lignes = Campagne.objects.filter(fermeture__gt=maintenant).order_by("fermeture", "pk")
    for pk, ouverture, ouverture_tous, fermeture in lignes.values_list(
        "pk", "ouverture", "ouverture_tous", "fermeture"
    ):
        for instant in (ouverture, ouverture_tous, fermeture):
            if instant is not None and instant > maintenant:
                cache_famille.echeance(instant)
        if ouverture > maintenant:
            continue
        if ouverture_tous is not None and ouverture_tous > maintenant:
            if habitant is None:
                habitant = famille_habite_la_commune(famille=famille)
            if not habitant:
                continue
        ouvertes.append(pk)
    return ouvertes


def campagnes_ouvertes(*, famille, maintenant: datetime.datetime | None = None) -> list[Campagne]:
    """Les campagnes d'inscription ouvertes à cette famille à cet instant (une requête).

    Ouverte : `ouverture <= maintenant < fermeture` ; avant `ouverture_tous`, seulement pour les
    familles qui habitent la commune (`familles.selectors.famille_habite_la_commune`).
    """
    return list(campagnes_ouvertes_requete(famille=famille, maintenant=maintenant or timezone.now()))


# --- Inscrire à une activité ---


@dataclass
class ActiviteProposee:
    """Une activité que la famille peut demander pour l'enfant : par une campagne ouverte, ou
    toute l'année (`campagne` None) ; `refus` dit pourquoi elle ne lui est pas ouverte."""

    activite: Activite
    campagne: Campagne | None
    debut: datetime.date  # la période que l'inscription peut couvrir
    fin: datetime.date
    refus: "criteres.Refus | None" = None
    inscription: Inscription | None = None  # l'inscription qui couvre déjà la période

    @property
    def accessible(self) -> bool:
        return self.refus is None and self.inscription is None

    @property
    def raison(self) -> str:
        if self.refus is not None:
            return self.refus.raison
        if self.inscription is not None:
            return criteres.DEJA_INSCRIT.format(
                prenom=self.inscription.enfant.prenom,
                debut=self.inscription.date_debut.strftime("%d/%m/%Y"),
                fin=self.inscription.date_fin.strftime("%d/%m/%Y"),
            )
        return ""

    @property
    def valeur(self) -> str:
        """La valeur du choix dans le formulaire : « activité-campagne » (0 : toute l'année)."""
        return f"{self.activite.pk}-{self.campagne.pk if self.campagne else 0}"

    @property
    def jours_reguliers_possibles(self) -> bool:
        return criteres.jours_reguliers_possibles(self.activite)


def activites_proposees(
    *, enfant: Enfant, famille, maintenant: datetime.datetime | None = None
) -> list[ActiviteProposee]:
    """Les activités que la famille peut demander pour cet enfant à cet instant : celles des
    campagnes ouvertes à la famille, puis celles ouvertes toute l'année ; chacune avec la raison
    si elle n'est pas ouverte à l'enfant (âge, classe, commune, déjà inscrit). Quatre requêtes au
    plus, quel que soit le nombre de campagnes et d'activités."""
    maintenant = maintenant or timezone.now()
    aujourdhui = timezone.localtime(maintenant).date()
    campagnes = {c.pk: c for c in campagnes_ouvertes(famille=famille, maintenant=maintenant)}
    liens = (
        Campagne.activites.through.objects.filter(campagne_id__in=list(campagnes))
        .select_related("activite__structure")
        .order_by("activite__structure__nom", "activite__nom")
    )
    proposees = [
        ActiviteProposee(
            activite=lien.activite,
            campagne=campagnes[lien.campagne_id],
            debut=max(campagnes[lien.campagne_id].periode_debut, aujourdhui),
            fin=campagnes[lien.campagne_id].periode_fin,
        )
        for lien in liens
    ]
    proposees.sort(key=lambda p: (p.campagne.fermeture, p.campagne.pk) if p.campagne else (maintenant, 0))
    par_campagne = {p.activite.pk for p in proposees}
    for activite in Activite.objects.filter(inscription_toute_annee=True).select_related("structure"):
        if activite.pk not in par_campagne:
            proposees.append(
                ActiviteProposee(
                    activite=activite,
                    campagne=None,
                    debut=aujourdhui,
                    fin=criteres.fin_annee_scolaire(aujourdhui),
                )
            )
    if not proposees:
        return []
    habite = famille_habite_la_commune(famille=famille)
    existantes = list(
        Inscription.objects.filter(enfant=enfant, date_fin__gte=aujourdhui).order_by("date_debut")
    )
    for proposee in proposees:
        proposee.refus = criteres.refus(
            activite=proposee.activite, enfant=enfant, habite_la_commune=habite, debut=proposee.debut
        )
        proposee.inscription = next(
            (
                i
                for i in existantes
                if i.activite_id == proposee.activite.pk
                and i.date_debut <= proposee.fin
                and i.date_fin >= proposee.debut
            ),
            None,
        )
        if proposee.inscription is not None:
            proposee.inscription.enfant = enfant
    return proposees


def inscriptions_qui_chevauchent(
    *, activite_id: int, debut: datetime.date, fin: datetime.date
) -> QuerySet[Inscription]:
    """Les inscriptions à l'activité dont la période touche [debut, fin] (elles prennent une des
    `places_inscription`)."""
    return Inscription.objects.filter(activite_id=activite_id, date_debut__lte=fin, date_fin__gte=debut)
