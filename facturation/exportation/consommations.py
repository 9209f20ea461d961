"""Le calcul des lignes, le fichier CSV, la clôture et les régularisations."""

import csv
import datetime
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from enfants import calendrier
from enfants.consommations import (  # noqa: F401  (statuts réexportés : tests, commandes)
    ABSENCE_EN_COURS,
    ABSENT_EXCUSE,
    ABSENT_FACTURE,
    ANNULE_FERMETURE,
    PRESENT_SANS_RESERVATION,
    REGULIER,
    RESERVE,
    RESERVE_PRESENT,
    fermetures_des_structures,
    jours_des_inscriptions,
)
from enfants.models import (
    Absence,
    Activite,
    Enfant,
    Fermeture,
    Inscription,
    Presence,
    Reservation,
    Structure,
)
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

# Les statuts d'un jour (colonne « statut »), avec leur sens (README) : la règle est celle du
# planning (enfants.consommations), partagée avec les listes du jour des animateurs.
ANNULE = "annule"  # régularisation seulement : la ligne exportée n'a plus lieu d'être

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
    """Ce qu'un export a fait. Le fichier n'est jamais entier en mémoire : `ouvrir()` le lit
    (le fichier gardé de la période close, ou, en simulation, le fichier temporaire) ;
    `fichier` rend ses octets, pour les petits volumes (tests, aperçu)."""

    regie: Regie
    du: datetime.date
    au: datetime.date
    lignes: int = 0
    facturables: int = 0
    regularisations: int = 0
    periodes_reverifiees: int = 0
    deja_close: bool = False
    periode: PeriodeClose | None = field(default=None)
    temporaire: IO[bytes] | None = field(default=None, repr=False)

    def ouvrir(self) -> IO[bytes]:
        if self.temporaire is not None:
            self.temporaire.seek(0)
            return self.temporaire
        return self._periode().fichier.open("rb")

    @property
    def taille(self) -> int:
        if self.temporaire is not None:
            self.temporaire.seek(0, io.SEEK_END)
            return self.temporaire.tell()
        return self._periode().fichier.size

    def _periode(self) -> PeriodeClose:
        if self.periode is None:
            raise ExportInvalide("Aucun fichier : l'export n'a pas abouti.")
        return self.periode

    @property
    def fichier(self) -> bytes:
        fichier = self.ouvrir()
        try:
            fichier.seek(0)
            return fichier.read()
        finally:
            if self.temporaire is None:
                fichier.close()

    @property
    def nom_fichier(self) -> str:
        return f"consommations-{self.regie.code}-{self.du:%Y%m%d}-{self.au:%Y%m%d}.csv"


def _quantite(valeur: Decimal) -> str:
    """1 → « 1 » ; 2.5 → « 2,50 » (virgule décimale, comme l'import)."""
    if valeur == valeur.to_integral_value():
        return str(int(valeur))
    return f"{valeur:.2f}".replace(".", ",")


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
    fermetures = fermetures_des_structures(structures, du=du, au=au)
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
        yield from _lot_lignes(lot, du=du, au=au, feries=feries, vacances=vacances, fermetures=fermetures)


def _lot_lignes(lot, *, du, au, feries, vacances, fermetures) -> Iterator[Ligne]:
    for inscription, jour, statut in jours_des_inscriptions(
        lot, du=du, au=au, feries=feries, vacances=vacances, fermetures=fermetures
    ):
        activite: Activite = inscription.activite
        enfant = inscription.enfant
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
            quantite=activite.duree_heures if activite.duree_heures is not None else Decimal(1),
        )


class _Ecrivain:
    """Écrit le CSV au fil des lignes dans un fichier temporaire (UTF-8 avec BOM, `;`, CRLF) :
    la mémoire ne grandit pas avec le fichier (docs/performance.md)."""

    def __init__(self, regie: Regie):
        self.binaire = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 — fermé par l'appelant
        self.texte = io.TextIOWrapper(self.binaire, encoding="utf-8-sig", newline="", write_through=False)
        self.csv = csv.writer(self.texte, delimiter=";", lineterminator="\r\n")
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

    def terminer(self) -> IO[bytes]:
        """Le fichier binaire complet, au début ; le texte est détaché, sans fermer le fichier."""
        self.texte.flush()
        binaire = self.texte.detach()
        binaire.seek(0)
        return binaire


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
    # Ce que le logiciel sait, réduit à l'état comparé (pas d'objets entiers en mémoire).
    connues: dict[tuple[int, int, datetime.date], tuple[str, bool, Decimal]] = {}
    for enfant_id, activite_id, jour, statut, facturable, quantite in (
        ConsommationExportee.objects.filter(periode_origine=origine)
        .order_by("pk")
        .values_list("enfant_id", "activite_id", "date", "statut", "facturable", "quantite")
        .iterator(chunk_size=5000)
    ):
        connues[(enfant_id, activite_id, jour)] = (statut, facturable, quantite)
    for ligne in consommations_lignes(
        regie=origine.regie, du=origine.du, au=origine.au, structure=origine.structure
    ):
        connue = connues.pop(ligne.cle, None)
        if connue is None or connue != ligne.etat:
            yield ligne
    disparues = sorted(
        (cle for cle, etat in connues.items() if etat[0] != ANNULE), key=lambda cle: (cle[2], cle)
    )
    if not disparues:
        return
    enfants = Enfant.objects.select_related("famille").in_bulk({cle[0] for cle in disparues})
    activites = Activite.objects.select_related("structure").in_bulk({cle[1] for cle in disparues})
    for enfant_id, activite_id, jour in disparues:
        enfant, activite = enfants[enfant_id], activites[activite_id]
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


# Une période close n'est recalculée que si l'un de ses jours a pu changer depuis sa dernière
# vérification : une ligne (réservation, absence, présence, inscription, activité, fermeture)
# modifiée depuis (`modifie_le`), ou une suppression (signal, `a_reverifier`). Sans cette borne,
# chaque export recalculait toutes les périodes closes de la régie (onze mois en fin d'année).
# La vérification est datée un peu avant le début de l'export : une modification enregistrée
# pendant l'export, dans une transaction pas encore validée, sera vue par le suivant (recalculer
# une période inchangée ne produit aucune ligne : c'est sans risque).
MARGE_VERIFICATION = datetime.timedelta(minutes=10)


def _a_reverifier(origine: PeriodeClose, structures: list[int]) -> bool:
    if origine.a_reverifier or origine.verifiee_le is None:
        return True
    if origine.structure_id is not None:
        structures = [origine.structure_id]
    depuis = origine.verifiee_le
    jours = {"date__range": (origine.du, origine.au), "modifie_le__gt": depuis}
    par_inscription = {"inscription__activite__structure_id__in": structures}
    requetes = [
        Reservation.objects.filter(**jours, **par_inscription),
        Absence.objects.filter(**jours, **par_inscription),
        Presence.objects.filter(**jours, **par_inscription),
        # Toute inscription changée (dates comprises : raccourcie, ses jours ont disparu).
        Inscription.objects.filter(activite__structure_id__in=structures, modifie_le__gt=depuis),
        Activite.objects.filter(structure_id__in=structures, modifie_le__gt=depuis),
        Fermeture.objects.filter(
            structure_id__in=structures,
            date_debut__lte=origine.au,
            date_fin__gte=origine.du,
            modifie_le__gt=depuis,
        ),
    ]
    return any(requete.exists() for requete in requetes)


def jour_clos(*, activite, jour: datetime.date) -> bool:
    """Le jour est-il dans une période close d'une régie qui facture la structure de l'activité ?"""
    return (
        PeriodeClose.objects.filter(regie__structures=activite.structure_id, du__lte=jour, au__gte=jour)
        .filter(Q(structure__isnull=True) | Q(structure_id=activite.structure_id))
        .exists()
    )


# Lignes gardées écrites à la fois. Un COPY à la place de bulk_create n'a rien gagné à 10 000
# familles (20,8 s contre 17,4 s dans la même exécution, docs/performance.md) : pas de SQL écrit.
LOT_ECRITURE = 5000


def _lignes_ecrire(lignes: list[ConsommationExportee]) -> None:
    ConsommationExportee.objects.bulk_create(lignes)


@transaction.atomic
def consommations_exporter(
    *,
    regie: Regie,
    du: datetime.date,
    au: datetime.date,
    structure: Structure | None = None,
    agent=None,
    dry_run: bool = False,
    reverifier_tout: bool = False,
) -> RapportExport:
    """Exporte la période et la clôt pour la régie (tout ou rien). Une période déjà close à
    l'identique rend son fichier gardé, sans rien changer. `dry_run` : le fichier est calculé
    (fichier temporaire), rien n'est clos ni enregistré. `reverifier_tout` : toutes les périodes
    closes de la régie sont recalculées pour les régularisations, même celles dont aucune ligne
    n'a changé depuis leur dernière vérification."""
    if au < du:
        raise ExportInvalide("La date de fin (--au) est avant la date de début (--du).")
    debut_export = timezone.now()
    # Un export à la fois par régie (le verrou de la ligne de la régie).
    regie = Regie.objects.select_for_update().get(pk=regie.pk)
    rapport = RapportExport(regie=regie, du=du, au=au)
    existante = PeriodeClose.objects.filter(regie=regie, du=du, au=au, structure=structure).first()
    if existante is not None:
        rapport.deja_close = True
        rapport.periode = existante
        rapport.lignes = existante.lignes.count()
        return rapport
    chevauchantes = PeriodeClose.objects.filter(regie=regie, du__lte=au, au__gte=du)
    if structure is not None:
        # Deux structures de la même régie se closent chacune de leur côté.
        chevauchantes = chevauchantes.filter(Q(structure__isnull=True) | Q(structure=structure))
    chevauche = chevauchantes.order_by("du").first()
    if chevauche is not None:
        raise ExportInvalide(
            f"La période chevauche une période déjà close pour la régie {regie.code} "
            f"(du {chevauche.du:%d/%m/%Y} au {chevauche.au:%d/%m/%Y}) : exportez exactement cette "
            "période pour retrouver son fichier, ou une période qui ne la recoupe pas."
        )
    structures = _structures(regie, structure)
    anciennes = [
        origine
        for origine in PeriodeClose.objects.filter(regie=regie)
        .select_related("regie", "structure")
        .order_by("du", "pk")
        if origine.structure_id is None or origine.structure_id in structures
    ]
    verifiee_le = debut_export - MARGE_VERIFICATION
    periode = PeriodeClose.objects.create(
        regie=regie, du=du, au=au, structure=structure, close_par=agent, verifiee_le=verifiee_le
    )
    ecrivain = _Ecrivain(regie)
    a_creer: list[ConsommationExportee] = []

    def garder(exportee):
        a_creer.append(exportee)
        if len(a_creer) >= LOT_ECRITURE:
            _lignes_ecrire(a_creer)
            a_creer.clear()

    for ligne in consommations_lignes(regie=regie, du=du, au=au, structure=structure):
        ecrivain.ecrire(ligne, regularisation=False, origine=periode)
        garder(_exportee(periode, periode, ligne, regularisation=False))
        rapport.lignes += 1
        rapport.facturables += ligne.facturable
    reverifiees = []
    for origine in anciennes:
        if not reverifier_tout and not _a_reverifier(origine, structures):
            continue
        reverifiees.append(origine.pk)
        for ligne in _regularisations(origine):
            ecrivain.ecrire(ligne, regularisation=True, origine=origine)
            garder(_exportee(periode, origine, ligne, regularisation=True))
            rapport.lignes += 1
            rapport.regularisations += 1
    _lignes_ecrire(a_creer)
    PeriodeClose.objects.filter(pk__in=reverifiees).update(verifiee_le=verifiee_le, a_reverifier=False)
    rapport.periodes_reverifiees = len(reverifiees)
    binaire = ecrivain.terminer()
    if dry_run:
        transaction.set_rollback(True)
        rapport.temporaire = binaire
        return rapport
    with binaire:
        periode.fichier.save(rapport.nom_fichier, File(binaire), save=False)
    periode.save(update_fields=["fichier"])
    rapport.periode = periode
    return rapport


def _suppression_marquer(sender, instance, **kwargs) -> None:
    """Une réservation, une absence, une présence, une inscription ou une fermeture supprimée
    ne laisse pas de `modifie_le` : les périodes closes qui couvrent ses jours sont marquées
    « à revérifier » (toutes structures : la suppression ne coûte qu'une requête)."""
    if hasattr(instance, "date"):
        du = au = instance.date
    else:
        du, au = instance.date_debut, instance.date_fin
    PeriodeClose.objects.filter(du__lte=au, au__gte=du, a_reverifier=False).update(a_reverifier=True)


def suppressions_suivre() -> None:
    from django.db.models.signals import post_delete

    for modele in (Reservation, Absence, Presence, Inscription, Fermeture):
        post_delete.connect(_suppression_marquer, sender=modele, dispatch_uid=f"export-{modele.__name__}")
