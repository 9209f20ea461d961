"""Lectures de la facturation : toujours bornées à une famille, en un nombre fixe de requêtes."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Round
from django.utils import timezone

from commun import cache_famille
from commun.sql import executer, instance
from facturation import paiement as paiement_en_ligne
from facturation import requetes
from facturation.models import (
    ZERO,
    Affectation,
    Facture,
    LignePaiement,
    Mandat,
    PaiementEnLigne,
    Reglement,
    deja_paye,
    paiement_en_cours,
)
from familles.models import Famille

_MONTANT = DecimalField(max_digits=12, decimal_places=2)
# Arrondi au centime dans la base : sur SQLite (démonstration, développement), la différence de
# deux montants est calculée en flottants et Django ne ramène au centime que les colonnes, pas
# les expressions (3,60 − 3,27 y valait 0,330000000000001 ; trouvé par les tests Hypothesis).
_RESTE_DU = Round(
    ExpressionWrapper(F("montant") - F("deja_paye"), output_field=_MONTANT), 2, output_field=_MONTANT
)


def factures(*, famille: Famille) -> QuerySet[Facture]:
    """Les factures de la famille, avec leur régie, le déjà payé, le reste dû et l'existence
    d'un paiement en ligne en cours annotés."""
    return (
        Facture.objects.filter(famille=famille)
        .select_related("regie")
        .annotate(deja_paye=deja_paye())
        .annotate(reste_du=_RESTE_DU)
        .annotate(paiement_en_cours=paiement_en_cours())
    )


def paiements_en_ligne(*, famille: Famille) -> QuerySet[PaiementEnLigne]:
    """Les tentatives de paiement en ligne de la famille, avec facture et régie, et leurs
    factures (une requête de plus)."""
    return (
        PaiementEnLigne.objects.filter(famille=famille)
        .select_related("facture__regie", "reglement")
        .prefetch_related(Prefetch("lignes", queryset=LignePaiement.objects.select_related("facture")))
    )


def facture_detail(*, famille: Famille | None, pk: int) -> Facture:
    """Une facture avec ses lignes (famille=None : vue du personnel, sans restriction)."""
    qs = Facture.objects.all() if famille is None else Facture.objects.filter(famille=famille)
    return (
        qs.select_related("regie", "famille")
        .prefetch_related("lignes", "famille__responsables")
        .annotate(deja_paye=deja_paye())
        .annotate(reste_du=_RESTE_DU)
        .get(pk=pk)
    )


def reglements(*, famille: Famille) -> QuerySet[Reglement]:
    return Reglement.objects.filter(famille=famille).select_related("regie")


def recu_detail(*, famille: Famille | None, pk: int) -> Reglement:
    """Un règlement numéroté avec ce que son reçu imprime : régie, famille et responsables,
    affectations et leurs factures (famille=None : vue du personnel, sans restriction)."""
    qs = Reglement.objects.all() if famille is None else Reglement.objects.filter(famille=famille)
    affectations = Affectation.objects.select_related("facture").order_by(
        "facture__date_facture", "facture__numero"
    )
    return (
        qs.filter(recu_rang__isnull=False)
        .select_related("regie", "famille")
        .prefetch_related(Prefetch("affectations", queryset=affectations), "famille__responsables")
        .get(pk=pk)
    )


def solde(*, famille: Famille, avant: datetime.date | None = None) -> Decimal:
    """Crédits − débits de la famille (avant une date si donnée) : négatif = la famille doit.
    Lu par l'ORM (`Compte.solde`) ; l'accueil lit le solde avec ses factures impayées
    (`requetes.SITUATION`), les tests comparent les deux."""
    return compte(famille=famille).solde(avant=avant)


@dataclass
class Situation:
    """Ce que l'accueil affiche : le solde à la date du jour et les factures impayées."""

    date: datetime.date
    solde: Decimal
    impayees: list
    total_impaye: Decimal
    # Les régies dont les factures se paient en ligne (et à plusieurs) : `paiement.offre()`.
    offre: paiement_en_ligne.Offre = field(default_factory=paiement_en_ligne.Offre)

    @property
    def panier(self) -> bool:
        """Le formulaire « Payer les factures cochées » : au moins une case à cocher."""
        return self.offre.regroupe(f for f in self.impayees if not f.paiement_en_cours)

    @property
    def doit(self) -> bool:
        return self.solde < 0

    @property
    def en_credit(self) -> bool:
        return self.solde > 0

    @property
    def solde_absolu(self) -> Decimal:
        return abs(self.solde)


def _impayees_et_solde(*, famille: Famille) -> tuple[list[Any], Decimal]:
    """Les factures impayées (la plus ancienne échéance d'abord, déjà payé, reste dû et
    paiement en cours annotés) et le solde, en une requête (`requetes.SITUATION`)."""
    # Des factures qui portent en plus les valeurs calculées (déjà payé, reste dû, paiement en
    # cours, puis en retard) : le modèle Facture ne les décrit pas, d'où le type Any.
    impayees: list[Any] = []
    solde_famille = ZERO
    for ligne in executer(requetes.SITUATION, {"famille": famille.pk}):
        solde_famille = ligne.credits - ligne.debits
        if ligne.id is None:
            continue
        facture = instance(Facture, ligne._asdict())
        facture.deja_paye = ligne.deja_paye
        facture.reste_du = facture.montant - facture.deja_paye
        facture.paiement_en_cours = ligne.paiement_en_cours
        if facture.paiement_en_cours:
            # Un paiement ouvert expire sans écriture : rien à garder en cache tant qu'il l'est.
            cache_famille.echeance(timezone.now())
        impayees.append(facture)
    return impayees, solde_famille


def factures_impayees(*, famille: Famille) -> list[Facture]:
    """Les factures dont il reste quelque chose à payer, la plus ancienne échéance d'abord, avec
    déjà payé, reste dû et paiement en ligne en cours annotés comme par `factures` (les tests
    comparent les deux)."""
    return _impayees_et_solde(famille=famille)[0]


def situation(*, famille: Famille, paiement_permis: bool = True) -> Situation:
    """Solde et factures impayées de la famille à la date du jour (une requête), et les régies
    qui encaissent en ligne (une requête). `paiement_permis=False` (compte aux factures en
    lecture seule) : aucune régie payable, sans requête."""
    impayees, solde_famille = _impayees_et_solde(famille=famille)
    aujourdhui = timezone.localdate()
    for facture in impayees:
        facture.en_retard = facture.date_echeance < aujourdhui
    return Situation(
        date=aujourdhui,
        solde=solde_famille,
        impayees=impayees,
        total_impaye=sum((f.reste_du for f in impayees), ZERO),
        # Sans facture impayée (ou sans droit de payer), rien à payer : pas de requête.
        offre=paiement_en_ligne.offre() if impayees and paiement_permis else paiement_en_ligne.Offre(),
    )


# --- Relevé de compte par année scolaire (1er septembre – 31 août) ---------------------------


def annee_scolaire_de(date: datetime.date) -> int:
    """L'année de début de l'année scolaire d'une date : 08/04/2015 → 2014 (2014-2015)."""
    return date.year if date.month >= 9 else date.year - 1


def bornes_annee_scolaire(annee: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(annee, 9, 1), datetime.date(annee + 1, 8, 31)


@dataclass
class Operation:
    numero: str
    date: datetime.date
    description: str
    regie: str
    debit: Decimal | None = None
    credit: Decimal | None = None
    facture: Facture | None = None
    reglement: Reglement | None = None
    horodatage: datetime.datetime | None = None
    # Le règlement du même jour qui solde (en tout ou partie) cette facture : la facture se
    # range juste avant lui (voir `_plus_recentes_d_abord`).
    reglement_du_jour_id: int | None = None
    pk: int = 0


@dataclass
class Releve:
    annee: int
    operations: list = field(default_factory=list)
    ancien_solde: Decimal = ZERO
    total_debit: Decimal = ZERO
    total_credit: Decimal = ZERO

    @property
    def libelle_annee(self) -> str:
        return f"{self.annee}-{self.annee + 1}"

    @property
    def solde(self) -> Decimal:
        return self.ancien_solde + self.total_credit - self.total_debit

    @property
    def fin(self) -> datetime.date:
        return bornes_annee_scolaire(self.annee)[1]

    @property
    def terminee(self) -> bool:
        """Année passée : son solde est celui du 31 août, pas celui d'aujourd'hui."""
        return self.fin < timezone.localdate()

    @property
    def solde_absolu(self) -> Decimal:
        return abs(self.solde)

    @property
    def ancien_solde_absolu(self) -> Decimal:
        return abs(self.ancien_solde)


@dataclass
class Compte:
    """Toutes les opérations d'une famille, lues en deux requêtes (factures annotées comme par
    `factures`, règlements) : le relevé en tire ses années, son ancien solde et ses opérations.

    Pourquoi : le relevé lisait les mois de ses années (deux requêtes), les deux sommes de
    l'ancien solde (deux), puis les factures et règlements de l'année (deux) : six allers-
    retours pour quelques dizaines de lignes (docs/performance.md)."""

    factures: list[Facture]
    reglements: list[Reglement]

    def solde(self, *, avant: datetime.date | None = None) -> Decimal:
        credits = sum((r.montant for r in self.reglements if avant is None or r.date < avant), ZERO)
        debits = sum((f.montant for f in self.factures if avant is None or f.date_facture < avant), ZERO)
        return credits - debits

    def annees_scolaires(self) -> list[int]:
        """Les années scolaires où la famille a des opérations, la plus récente d'abord."""
        dates = [f.date_facture for f in self.factures] + [r.date for r in self.reglements]
        return sorted({annee_scolaire_de(d) for d in dates}, reverse=True)

    def releve(self, annee: int) -> Releve:
        """Les opérations d'une année scolaire, l'ancien solde reporté et le solde du compte."""
        debut, fin = bornes_annee_scolaire(annee)
        resultat = Releve(annee=annee, ancien_solde=self.solde(avant=debut))
        for facture in self.factures:
            if debut <= facture.date_facture <= fin:
                resultat.operations.append(_operation_facture(facture))
                resultat.total_debit += facture.montant
        for reglement in self.reglements:
            if debut <= reglement.date <= fin:
                resultat.operations.append(_operation_reglement(reglement))
                resultat.total_credit += reglement.montant
        resultat.operations = _plus_recentes_d_abord(resultat.operations)
        return resultat


def _plus_recentes_d_abord(operations: list[Operation]) -> list[Operation]:
    """L'ordre du guide : les plus récentes d'abord ; à date égale, une facture soldée par un
    règlement du même jour vient juste sous lui (elle le précède dans le temps), les factures
    qu'aucun règlement du jour ne solde viennent en tête (AL-36, AL-228, AL-12 : AL-228 solde
    AL-12). Le reste à date égale : la dernière saisie d'abord."""
    # Le rang de chaque règlement dans sa journée, dans l'ordre de saisie.
    reglements = sorted(
        (o for o in operations if o.reglement is not None), key=lambda o: (o.date, o.horodatage, o.numero)
    )
    rang = {o.pk: i for i, o in enumerate(reglements)}
    dernier = len(rang)

    def cle(o: Operation) -> tuple:
        if o.reglement is not None:
            groupe, place = rang[o.pk], 1
        elif o.reglement_du_jour_id in rang:
            groupe, place = rang[o.reglement_du_jour_id], 0
        else:
            groupe, place = dernier, 0
        return (o.date, groupe, place, o.horodatage, o.numero)

    return sorted(operations, key=cle, reverse=True)


def _operation_facture(facture: Facture) -> Operation:
    return Operation(
        numero=facture.numero,
        date=facture.date_facture,
        description="Facture : {debut} - {fin}".format(
            debut=facture.periode_debut.strftime("%d/%m/%Y"),
            fin=facture.periode_fin.strftime("%d/%m/%Y"),
        ),
        regie=facture.regie.nom,
        debit=facture.montant,
        facture=facture,
        horodatage=facture.date_import,
        reglement_du_jour_id=getattr(facture, "reglement_du_jour", None),
        pk=facture.pk,
    )


def _operation_reglement(reglement: Reglement) -> Operation:
    return Operation(
        numero=reglement.numero,
        date=reglement.date,
        description=f"Règlement : {reglement.get_mode_display()}",
        regie=reglement.regie.nom,
        credit=reglement.montant,
        reglement=reglement,
        horodatage=reglement.date_creation,
        pk=reglement.pk,
    )


def _reglement_du_jour():
    """Le premier règlement (dans l'ordre de saisie) daté du jour de la facture qui lui est
    affecté : lu dans la même requête que la facture."""
    return Subquery(
        Affectation.objects.filter(facture=OuterRef("pk"), reglement__date=OuterRef("date_facture"))
        .order_by("reglement__date_creation", "reglement__numero")
        .values("reglement_id")[:1]
    )


def compte(*, famille: Famille) -> Compte:
    """Les opérations de la famille (deux requêtes)."""
    lues: list[Facture] = list(factures(famille=famille).annotate(reglement_du_jour=_reglement_du_jour()))
    if any(getattr(f, "paiement_en_cours", False) for f in lues):
        # Un paiement ouvert expire sans écriture : rien à garder en cache tant qu'il l'est.
        cache_famille.echeance(timezone.now())
    return Compte(factures=lues, reglements=list(reglements(famille=famille)))


def annees_scolaires(*, famille: Famille) -> list[int]:
    """Les années scolaires où la famille a des opérations, la plus récente d'abord."""
    return compte(famille=famille).annees_scolaires()


def releve(*, famille: Famille, annee: int) -> Releve:
    """Les opérations d'une année scolaire, l'ancien solde reporté et le solde du compte."""
    return compte(famille=famille).releve(annee)


def mandat_detail(*, famille: Famille, pk: int) -> Mandat:
    """Un mandat SEPA de la famille, avec ses amendements (une autre famille : DoesNotExist)."""
    return Mandat.objects.filter(famille=famille).prefetch_related("evenements").get(pk=pk)


def mandats_famille(*, famille: Famille) -> list[Mandat]:
    return list(Mandat.objects.filter(famille=famille).order_by("-pk"))
