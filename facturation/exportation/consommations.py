"""Le calcul des lignes, le fichier CSV, la clôture et les régularisations."""

import csv
import datetime
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from enfants import calendrier
from enfants.models import Absence, Activite, Fermeture, Inscription, Presence, Reservation, Structure
from enfants.planning import activite_ouverte
from facturation.models import ConsommationExportee, PeriodeClose, Regie

ENTETES = [
    "numero_famille",
    "enfant_id",
    "enfant",
    "structure",
    "activite",
    "code_facturation",
    "date",
    "statut",
    "facturable",
    "quantite",
    "regie",
    "regularisation",
    "periode_origine",
]

# Les statuts d'un jour (colonne « statut »), avec leur sens (README).
RESERVE_PRESENT = "reserve_present"
RESERVE = "reserve"
REGULIER = "regulier"
ABSENT_EXCUSE = "reserve_absent_excuse"
ABSENT_FACTURE = "absent_facture"
ABSENCE_EN_COURS = "absence_en_cours"
PRESENT_SANS_RESERVATION = "present_sans_reservation"
ANNULE = "annule"  # régularisation seulement : la ligne exportée n'a plus lieu d'être
# Fermeture exceptionnelle (issue 21) : le jour réservé ou régulier a été annulé par le CCAS ;
# jamais facturable, marqué pour que le logiciel de facturation ne le facture pas.
ANNULE_FERMETURE = "annule_fermeture"

FACTURABLES = {RESERVE_PRESENT, RESERVE, REGULIER, ABSENT_FACTURE, PRESENT_SANS_RESERVATION}
LOT = 500  # inscriptions lues à la fois (mémoire constante quel que soit le volume)


class ExportInvalide(Exception):
    """Un export refusé, message en français ; rien n'est enregistré."""


@dataclass(frozen=True)
class Ligne:
    numero_famille: str
    enfant_id: int
    enfant: str
    structure: str
    activite_id: int
    activite: str
    code_facturation: str
    date: datetime.date
    statut: str
    facturable: bool
    quantite: Decimal

    @property
    def cle(self) -> tuple[int, int, datetime.date]:
        return (self.enfant_id, self.activite_id, self.date)

    @property
    def etat(self) -> tuple[str, bool, Decimal]:
        return (self.statut, self.facturable, self.quantite)


@dataclass
class RapportExport:
    regie: Regie
    du: datetime.date
    au: datetime.date
    fichier: bytes = b""
    lignes: int = 0
    facturables: int = 0
    regularisations: int = 0
    deja_close: bool = False
    periode: PeriodeClose | None = field(default=None)


def _quantite(valeur: Decimal) -> str:
    """1 → « 1 » ; 2.5 → « 2,50 » (virgule décimale, comme l'import)."""
    if valeur == valeur.to_integral_value():
        return str(int(valeur))
    return f"{valeur:.2f}".replace(".", ",")


def _statut(*, regulier: bool, reservee: bool, absence: str | None, presence: bool | None) -> str | None:
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


def _structures(regie: Regie, structure: Structure | None) -> list[int]:
    ids = list(regie.structures.values_list("pk", flat=True))
    if structure is not None:
        if structure.pk not in ids:
            raise ExportInvalide(
                f"La structure « {structure.nom} » n'est pas facturée par la régie {regie.code}."
            )
        return [structure.pk]
    if not ids:
        raise ExportInvalide(f"Aucune structure n'est rattachée à la régie {regie.code} (Regie.structures).")
    return ids


def consommations_lignes(
    *, regie: Regie, du: datetime.date, au: datetime.date, structure: Structure | None = None
) -> Iterator[Ligne]:
    """Les lignes de la période, dans l'ordre du fichier (famille, enfant, activité, jour), lues
    par lots d'inscriptions : la mémoire ne dépend pas du nombre de familles."""
    structures = _structures(regie, structure)
    feries = calendrier.feries(du, au)
    vacances = calendrier.vacances(du, au)
    # Par clé : la structure entière, ou une seule activité (`Fermeture.cle`).
    fermetures: dict = {}
    exceptionnelles: dict = {}
    for f in Fermeture.objects.filter(structure_id__in=structures, date_debut__lte=au, date_fin__gte=du):
        cle = Fermeture.cle(f.structure_id, f.activite_id)
        fermetures.setdefault(cle, []).append((f.date_debut, f.date_fin))
        if f.exceptionnelle:
            exceptionnelles.setdefault(cle, []).append((f.date_debut, f.date_fin))
    # L'ordre du fichier, lu d'abord (les seules clés : quelques octets par inscription), puis les
    # inscriptions par lots dans cet ordre. Un curseur serveur sur la requête triée et jointe
    # coûtait 54 s sur 85 à 10 000 familles (PostgreSQL y choisit un plan « premières lignes
    # vite », lent à parcourir en entier) ; voir docs/performance.md.
    ordre = list(
        Inscription.objects.filter(
            activite__structure_id__in=structures, date_debut__lte=au, date_fin__gte=du
        )
        .order_by(
            "enfant__famille__numero",
            "enfant__nom",
            "enfant__prenom",
            "enfant_id",
            "activite__structure__nom",
            "activite__nom",
            "activite_id",
            "date_debut",
            "pk",
        )
        .values_list("pk", flat=True)
    )
    for debut in range(0, len(ordre), LOT):
        ids = ordre[debut : debut + LOT]
        lues = Inscription.objects.select_related("enfant__famille", "activite__structure").in_bulk(ids)
        lot = [lues[pk] for pk in ids]
        yield from _lot_lignes(
            lot,
            du=du,
            au=au,
            feries=feries,
            vacances=vacances,
            fermetures=fermetures,
            exceptionnelles=exceptionnelles,
        )


def _ferme(fermetures: dict, activite: Activite, jour: datetime.date) -> bool:
    """Le jour est-il dans une fermeture de la structure de l'activité, ou de l'activité seule ?"""
    return any(
        a <= jour <= b
        for cle in (activite.structure_id, ("activite", activite.pk))
        for a, b in fermetures.get(cle, [])
    )


def _lot_lignes(lot, *, du, au, feries, vacances, fermetures, exceptionnelles) -> Iterator[Ligne]:
    ids = [i.pk for i in lot]
    # Les réservations annulées par une fermeture exceptionnelle (et les jours réguliers de ces
    # fermetures, plus bas) : une ligne « annule_fermeture », non facturable.
    annules_fermeture = set(
        Reservation.objects.filter(
            inscription_id__in=ids,
            date__range=(du, au),
            etat=Reservation.Etat.ANNULEE,
            fermeture__isnull=False,
        ).values_list("inscription_id", "date")
    )
    reservees = set(
        Reservation.objects.filter(
            inscription_id__in=ids, date__range=(du, au), etat=Reservation.Etat.ACCEPTEE
        ).values_list("inscription_id", "date")
    )
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
        activite: Activite = inscription.activite
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
                    if _ferme(exceptionnelles, activite, jour):
                        annules_fermeture.add((inscription.pk, jour))
                        jours.add(jour)
                    elif not _ferme(fermetures, activite, jour):
                        reguliers.add(jour)
                jour += datetime.timedelta(days=1)
        jours |= reguliers
        enfant = inscription.enfant
        quantite = activite.duree_heures if activite.duree_heures is not None else Decimal(1)
        for jour in sorted(j for j in jours if debut <= j <= fin):
            cle = (inscription.pk, jour)
            statut = (
                ANNULE_FERMETURE
                if cle in annules_fermeture
                else _statut(
                    regulier=jour in reguliers,
                    reservee=cle in reservees,
                    absence=absences.get(cle),
                    presence=presences.get(cle),
                )
            )
            if statut is None:
                continue
            yield Ligne(
                numero_famille=enfant.famille.numero,
                enfant_id=enfant.pk,
                enfant=f"{enfant.nom} {enfant.prenom}",
                structure=activite.structure.nom,
                activite_id=activite.pk,
                activite=activite.nom,
                code_facturation=activite.code_facturation,
                date=jour,
                statut=statut,
                facturable=statut in FACTURABLES,
                quantite=quantite,
            )


class _Ecrivain:
    def __init__(self, regie: Regie):
        self.tampon = io.StringIO()
        self.csv = csv.writer(self.tampon, delimiter=";", lineterminator="\r\n")
        self.csv.writerow(ENTETES)
        self.regie = regie

    def ecrire(self, ligne: Ligne, *, regularisation: bool, origine: PeriodeClose) -> None:
        self.csv.writerow(
            [
                ligne.numero_famille,
                ligne.enfant_id,
                ligne.enfant,
                ligne.structure,
                ligne.activite,
                ligne.code_facturation,
                f"{ligne.date:%d/%m/%Y}",
                ligne.statut,
                "oui" if ligne.facturable else "non",
                _quantite(ligne.quantite),
                self.regie.code,
                "oui" if regularisation else "non",
                f"{origine.du:%d/%m/%Y}-{origine.au:%d/%m/%Y}",
            ]
        )

    def octets(self) -> bytes:
        return "\ufeff".encode() + self.tampon.getvalue().encode("utf-8")


def _exportee(periode, origine, ligne: Ligne, *, regularisation: bool) -> ConsommationExportee:
    return ConsommationExportee(
        periode=periode,
        periode_origine=origine,
        enfant_id=ligne.enfant_id,
        activite_id=ligne.activite_id,
        date=ligne.date,
        statut=ligne.statut,
        facturable=ligne.facturable,
        quantite=ligne.quantite,
        regularisation=regularisation,
    )


def _regularisations(origine: PeriodeClose) -> Iterator[Ligne]:
    """Les différences entre l'état présent des jours d'une période close et ce que le logiciel
    de facturation en sait (la dernière ligne transmise par jour)."""
    connues: dict[tuple, ConsommationExportee] = {}
    for exportee in (
        ConsommationExportee.objects.filter(periode_origine=origine)
        .select_related("enfant__famille", "activite__structure")
        .order_by("pk")
        .iterator(chunk_size=2000)
    ):
        connues[(exportee.enfant_id, exportee.activite_id, exportee.date)] = exportee
    for ligne in consommations_lignes(
        regie=origine.regie, du=origine.du, au=origine.au, structure=origine.structure
    ):
        connue = connues.pop(ligne.cle, None)
        if connue is None or (connue.statut, connue.facturable, connue.quantite) != ligne.etat:
            yield ligne
    for (enfant_id, activite_id, jour), connue in sorted(connues.items(), key=lambda e: (e[0][2], e[0])):
        if connue.statut == ANNULE:
            continue
        enfant, activite = connue.enfant, connue.activite
        yield Ligne(
            numero_famille=enfant.famille.numero,
            enfant_id=enfant_id,
            enfant=f"{enfant.nom} {enfant.prenom}",
            structure=activite.structure.nom,
            activite_id=activite_id,
            activite=activite.nom,
            code_facturation=activite.code_facturation,
            date=jour,
            statut=ANNULE,
            facturable=False,
            quantite=Decimal(0),
        )


def jour_clos(*, activite, jour: datetime.date) -> bool:
    """Le jour est-il dans une période close d'une régie qui facture la structure de l'activité ?"""
    return (
        PeriodeClose.objects.filter(regie__structures=activite.structure_id, du__lte=jour, au__gte=jour)
        .filter(Q(structure__isnull=True) | Q(structure_id=activite.structure_id))
        .exists()
    )


@transaction.atomic
def consommations_exporter(
    *,
    regie: Regie,
    du: datetime.date,
    au: datetime.date,
    structure: Structure | None = None,
    agent=None,
    dry_run: bool = False,
) -> RapportExport:
    """Exporte la période et la clôt pour la régie (tout ou rien). Une période déjà close à
    l'identique rend son fichier gardé, sans rien changer. `dry_run` : le fichier est calculé,
    rien n'est clos ni enregistré."""
    if au < du:
        raise ExportInvalide("La date de fin (--au) est avant la date de début (--du).")
    # Un export à la fois par régie (le verrou de la ligne de la régie).
    regie = Regie.objects.select_for_update().get(pk=regie.pk)
    rapport = RapportExport(regie=regie, du=du, au=au)
    existante = PeriodeClose.objects.filter(regie=regie, du=du, au=au, structure=structure).first()
    if existante is not None:
        rapport.fichier = bytes(existante.fichier)
        rapport.deja_close = True
        rapport.periode = existante
        rapport.lignes = existante.lignes.count()
        return rapport
    chevauche = PeriodeClose.objects.filter(regie=regie, du__lte=au, au__gte=du)
    if structure is not None:
        # Deux structures de la même régie se closent chacune de leur côté.
        chevauche = chevauche.filter(Q(structure__isnull=True) | Q(structure=structure))
    chevauche = chevauche.order_by("du").first()
    if chevauche is not None:
        raise ExportInvalide(
            f"La période chevauche une période déjà close pour la régie {regie.code} "
            f"(du {chevauche.du:%d/%m/%Y} au {chevauche.au:%d/%m/%Y}) : exportez exactement cette "
            "période pour retrouver son fichier, ou une période qui ne la recoupe pas."
        )
    structures = _structures(regie, structure)
    anciennes = list(
        PeriodeClose.objects.filter(regie=regie).select_related("regie", "structure").order_by("du", "pk")
    )
    periode = PeriodeClose.objects.create(regie=regie, du=du, au=au, structure=structure, close_par=agent)
    ecrivain = _Ecrivain(regie)
    a_creer: list[ConsommationExportee] = []

    def garder(exportee):
        a_creer.append(exportee)
        if len(a_creer) >= 2000:
            ConsommationExportee.objects.bulk_create(a_creer)
            a_creer.clear()

    for ligne in consommations_lignes(regie=regie, du=du, au=au, structure=structure):
        ecrivain.ecrire(ligne, regularisation=False, origine=periode)
        garder(_exportee(periode, periode, ligne, regularisation=False))
        rapport.lignes += 1
        rapport.facturables += ligne.facturable
    for origine in anciennes:
        if origine.structure_id is not None and origine.structure_id not in structures:
            continue
        for ligne in _regularisations(origine):
            ecrivain.ecrire(ligne, regularisation=True, origine=origine)
            garder(_exportee(periode, origine, ligne, regularisation=True))
            rapport.lignes += 1
            rapport.regularisations += 1
    ConsommationExportee.objects.bulk_create(a_creer)
    rapport.fichier = ecrivain.octets()
    periode.fichier = rapport.fichier
    periode.save(update_fields=["fichier"])
    rapport.periode = periode
    if dry_run:
        transaction.set_rollback(True)
        rapport.periode = None
    return rapport
