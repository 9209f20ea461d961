"""Lectures de la facturation : toujours bornées à une famille, en un nombre fixe de requêtes."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from commun.sql import requetes_preparees
from facturation import paiement as paiement_en_ligne
from facturation.models import ZERO, Affectation, Facture, PaiementEnLigne, Reglement
from familles.models import Famille
from messagerie.selectors import messages_non_lus_sql

_MONTANT = DecimalField(max_digits=12, decimal_places=2)
CENTIME = Decimal("0.01")


def _deja_paye():
    sous_requete = (
        Affectation.objects.filter(facture=OuterRef("pk"))
        .order_by()
        .values("facture")
        .annotate(total=Sum("montant"))
        .values("total")
    )
    return Coalesce(Subquery(sous_requete, output_field=_MONTANT), Value(ZERO), output_field=_MONTANT)


_RESTE_DU = ExpressionWrapper(F("montant") - F("deja_paye"), output_field=_MONTANT)


def _paiement_en_cours():
    return Exists(
        PaiementEnLigne.objects.filter(
            facture=OuterRef("pk"), statut=PaiementEnLigne.Statut.OUVERTE, expire_le__gt=Now()
        )
    )


def factures(*, famille: Famille) -> QuerySet[Facture]:
    """Les factures de la famille, avec leur régie, le déjà payé, le reste dû et l'existence
    d'un paiement en ligne en cours annotés."""
    return (
        Facture.objects.filter(famille=famille)
        .select_related("regie")
        .annotate(deja_paye=_deja_paye())
        .annotate(reste_du=_RESTE_DU)
        .annotate(paiement_en_cours=_paiement_en_cours())
    )


def paiements_en_ligne(*, famille: Famille) -> QuerySet[PaiementEnLigne]:
    """Les tentatives de paiement en ligne de la famille, avec facture et régie."""
    return PaiementEnLigne.objects.filter(famille=famille).select_related("facture__regie", "reglement")


def facture_detail(*, famille: Famille | None, pk: int) -> Facture:
    """Une facture avec ses lignes (famille=None : vue du personnel, sans restriction)."""
    qs = Facture.objects.all() if famille is None else Facture.objects.filter(famille=famille)
    return (
        qs.select_related("regie", "famille")
        .prefetch_related("lignes", "famille__responsables")
        .annotate(deja_paye=_deja_paye())
        .annotate(reste_du=_RESTE_DU)
        .get(pk=pk)
    )


def reglements(*, famille: Famille) -> QuerySet[Reglement]:
    return Reglement.objects.filter(famille=famille).select_related("regie")


def _en_euros(valeur) -> Decimal:
    """Une somme lue par SQL direct, en Decimal au centime : PostgreSQL rend un Decimal, SQLite
    un flottant ou un entier ; NULL (aucune ligne) vaut zéro."""
    if valeur is None:
        return ZERO
    return Decimal(str(valeur)).quantize(CENTIME)


def solde(*, famille: Famille, avant: datetime.date | None = None) -> Decimal:
    """Crédits − débits de la famille (avant une date si donnée) : négatif = la famille doit.

    Une requête SQL directe (deux sommes indexées par famille) : l'accueil l'affiche à chaque
    visite, et l'ORM mettait cinq fois plus de temps à la composer que la base à l'exécuter."""
    filtre_f = filtre_r = ""
    parametres_f: list = [famille.pk]
    parametres_r: list = [famille.pk]
    if avant is not None:
        filtre_f, filtre_r = " AND date_facture < %s", " AND date < %s"
        parametres_f.append(avant)
        parametres_r.append(avant)
    sql = f"""
        SELECT (SELECT SUM(montant) FROM {Reglement._meta.db_table} WHERE famille_id = %s{filtre_r}),
               (SELECT SUM(montant) FROM {Facture._meta.db_table} WHERE famille_id = %s{filtre_f})
    """  # noqa: S608  # nosec B608 (noms fixes, valeurs en paramètres)
    with connection.cursor() as curseur:
        curseur.execute(sql, parametres_r + parametres_f)
        credits, debits = curseur.fetchone()
    return _en_euros(credits) - _en_euros(debits)


@dataclass
class Situation:
    """Ce que l'accueil affiche : le solde à la date du jour et les factures impayées."""

    date: datetime.date
    solde: Decimal
    impayees: list
    total_impaye: Decimal
    paiement_en_ligne: bool = False
    # Le compteur de l'en-tête, lu dans la même requête (portail.context_processors).
    messages_non_lus: int | None = None

    @property
    def doit(self) -> bool:
        return self.solde < 0

    @property
    def en_credit(self) -> bool:
        return self.solde > 0

    @property
    def solde_absolu(self) -> Decimal:
        return abs(self.solde)


def _impayees_et_solde(*, famille: Famille) -> tuple[list[Any], Decimal, int]:
    """Les factures impayées (la plus ancienne échéance d'abord), le solde et le nombre de
    messages non lus de l'en-tête (`messagerie.selectors.messages_non_lus_sql`), en une seule
    requête SQL directe : le chemin de chaque page d'accueil, où l'ORM mettait plus de temps à
    composer trois requêtes annotées que la base à les exécuter (docs/performance.md).

    La ligne des sommes est jointe (LEFT JOIN) aux factures impayées : sans facture impayée,
    une seule ligne revient, sans facture (id NULL)."""
    sql = f"""
        SELECT s.credits, s.debits, s.non_lus, t.* FROM (
            SELECT (SELECT SUM(montant) FROM {Reglement._meta.db_table}
                     WHERE famille_id = %(famille)s) AS credits,
                   (SELECT SUM(montant) FROM {Facture._meta.db_table}
                     WHERE famille_id = %(famille)s) AS debits,
                   {messages_non_lus_sql()} AS non_lus
        ) s LEFT JOIN (
            SELECT f.*,
                   (SELECT SUM(a.montant) FROM {Affectation._meta.db_table} a
                     WHERE a.facture_id = f.id) AS deja_paye,
                   EXISTS (SELECT 1 FROM {PaiementEnLigne._meta.db_table} p
                            WHERE p.facture_id = f.id AND p.statut = %(ouverte)s
                              AND p.expire_le > %(maintenant)s) AS paiement_en_cours
              FROM {Facture._meta.db_table} f
             WHERE f.famille_id = %(famille)s
        ) t ON t.deja_paye IS NULL OR t.deja_paye < t.montant
        ORDER BY t.date_echeance, t.id
    """  # noqa: S608  # nosec B608 (noms fixes, valeurs en paramètres)
    parametres = {
        "famille": famille.pk,
        "ouverte": PaiementEnLigne.Statut.OUVERTE,
        "faux": False,
        "maintenant": connection.ops.adapt_datetimefield_value(timezone.now()),
    }
    impayees = []
    solde_famille, non_lus = ZERO, 0
    with requetes_preparees():
        # Des factures qui portent en plus les colonnes calculées de la requête (credits,
        # debits, non_lus, deja_paye…), et une ligne sans facture (pk None) quand aucune n'est
        # impayée : le modèle Facture ne décrit pas ces lignes, d'où le type Any.
        lignes: list[Any] = list(Facture.objects.raw(sql, parametres))
    for facture in lignes:
        solde_famille = _en_euros(facture.credits) - _en_euros(facture.debits)
        non_lus = facture.non_lus
        if facture.pk is None:
            continue
        facture.deja_paye = _en_euros(facture.deja_paye)
        facture.reste_du = facture.montant - facture.deja_paye
        facture.paiement_en_cours = bool(facture.paiement_en_cours)
        if facture.reste_du > 0:
            impayees.append(facture)
    return impayees, solde_famille, non_lus


def factures_impayees(*, famille: Famille) -> list[Facture]:
    """Les factures dont il reste quelque chose à payer, la plus ancienne échéance d'abord, avec
    déjà payé, reste dû et paiement en ligne en cours annotés comme par `factures` (les tests
    comparent les deux)."""
    return _impayees_et_solde(famille=famille)[0]


def situation(*, famille: Famille) -> Situation:
    """Solde et factures impayées de la famille à la date du jour, et le nombre de messages non
    lus de l'en-tête (une requête)."""
    impayees, solde_famille, non_lus = _impayees_et_solde(famille=famille)
    aujourdhui = timezone.localdate()
    for facture in impayees:
        facture.en_retard = facture.date_echeance < aujourdhui
    return Situation(
        date=aujourdhui,
        solde=solde_famille,
        impayees=impayees,
        total_impaye=sum((f.reste_du for f in impayees), ZERO),
        paiement_en_ligne=paiement_en_ligne.disponible(),
        messages_non_lus=non_lus,
    )


# --- Relevé de compte par année scolaire (1er septembre – 31 août) ---------------------------


def annee_scolaire_de(date: datetime.date) -> int:
    """L'année de début de l'année scolaire d'une date : 08/04/2015 → 2014 (2014-2015)."""
    return date.year if date.month >= 9 else date.year - 1


def bornes_annee_scolaire(annee: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(annee, 9, 1), datetime.date(annee + 1, 8, 31)


def annees_scolaires(*, famille: Famille) -> list[int]:
    """Les années scolaires où la famille a des opérations, la plus récente d'abord."""
    mois = set(Facture.objects.filter(famille=famille).dates("date_facture", "month"))
    mois |= set(Reglement.objects.filter(famille=famille).dates("date", "month"))
    return sorted({annee_scolaire_de(m) for m in mois}, reverse=True)


@dataclass
class Operation:
    numero: str
    date: datetime.date
    description: str
    regie: str
    debit: Decimal | None = None
    credit: Decimal | None = None
    facture: Facture | None = None
    horodatage: datetime.datetime | None = None


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


def releve(*, famille: Famille, annee: int) -> Releve:
    """Les opérations d'une année scolaire, l'ancien solde reporté et le solde du compte."""
    debut, fin = bornes_annee_scolaire(annee)
    resultat = Releve(annee=annee, ancien_solde=solde(famille=famille, avant=debut))
    for facture in factures(famille=famille).filter(date_facture__range=(debut, fin)):
        resultat.operations.append(
            Operation(
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
            )
        )
        resultat.total_debit += facture.montant
    for reglement in reglements(famille=famille).filter(date__range=(debut, fin)):
        resultat.operations.append(
            Operation(
                numero=reglement.numero,
                date=reglement.date,
                description=f"Règlement : {reglement.get_mode_display()}",
                regie=reglement.regie.nom,
                credit=reglement.montant,
                horodatage=reglement.date_creation,
            )
        )
        resultat.total_credit += reglement.montant
    # Les plus récentes d'abord, comme dans le guide ; à date égale, la dernière saisie d'abord.
    resultat.operations.sort(key=lambda o: (o.date, o.horodatage, o.numero), reverse=True)
    return resultat
