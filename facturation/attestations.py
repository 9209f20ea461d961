"""Attestation de frais de garde (CGI art. 200 quater B) : ce qu'une famille a payé pour la
garde de ses enfants de moins de 6 ans, année civile par année civile.

Règles (reprises dans le README, « Attestation de frais de garde ») :

- **Année civile** : un paiement compte l'année de la date du règlement (pas celle de la
  facture) : une facture de décembre payée en janvier compte dans l'année de janvier.
- **Enfants** : ceux qui ont **moins de 6 ans au 1er janvier** de l'année (né après le 1er
  janvier de l'année − 6 ; un enfant né pendant l'année compte, pas un enfant né après) ;
  seules les lignes reliées à un enfant du portail (`LigneFacture.enfant`) sont comptées.
- **Nature** : seules les lignes `garde` comptent ; les repas (`repas`) et le reste (`autre`)
  sont exclus.
- **Facture payée en partie** : ce qui est payé d'une facture est réparti entre ses lignes au
  prorata de leur montant, en centimes exacts (`repartir` : chaque ligne reçoit la partie
  entière de sa part, les centimes restants vont un par un aux lignes dont la part tronquée
  est la plus grande, à égalité dans l'ordre des lignes) ; la somme des parts est exactement ce
  qui est payé, et une facture payée en entier donne à chaque ligne son montant. Quand une
  facture est payée sur plusieurs années, la part d'une année est la répartition du cumul payé
  au 31 décembre moins celle du cumul payé au 31 décembre précédent : les années d'une facture
  s'additionnent exactement à ses lignes.
- **Avoir** (facture de montant négatif) : ses lignes `garde` viennent en déduction, l'année
  de la date de l'avoir, pour l'enfant de la ligne ; le total d'un enfant ne descend pas sous
  zéro.
- Montants en `Decimal` au centime.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from facturation.models import ZERO, Affectation, Facture, LigneFacture, Nature
from familles.models import Famille

CENTIME = Decimal("0.01")
REFERENCE_LEGALE = "article 200 quater B du code général des impôts"
CASES = ("7GA", "7GB", "7GC", "7GD", "7GE", "7GF", "7GG")


# --- Règles pures ---------------------------------------------------------------------------


def moins_de_six_ans(naissance: datetime.date, annee: int) -> bool:
    """L'enfant a-t-il moins de 6 ans au 1er janvier de `annee` ? (né pendant l'année : oui ;
    né après l'année : non, des frais payés avant sa naissance ne sont pas les siens)"""
    return datetime.date(annee - 6, 1, 1) < naissance <= datetime.date(annee, 12, 31)


def repartir(paye: Decimal, montants: list[Decimal]) -> list[Decimal]:
    """Répartit `paye` entre des lignes au prorata de leurs `montants` (positifs), en centimes
    exacts : parties entières d'abord, puis un centime de plus aux plus grands restes (à égalité,
    dans l'ordre des lignes). La somme vaut `paye` (borné à 0 et au total des lignes)."""
    total = sum(montants, ZERO)
    if total <= 0 or paye <= 0:
        return [ZERO for _ in montants]
    paye = min(paye, total)
    centimes = int(paye / CENTIME)
    parts = []
    restes = []
    for rang, montant in enumerate(montants):
        exact = paye * montant / total / CENTIME
        entier = int(exact.to_integral_value(rounding=ROUND_FLOOR))
        parts.append(entier)
        restes.append((-(exact - entier), rang))
    for _, rang in sorted(restes)[: centimes - sum(parts)]:
        parts[rang] += 1
    return [Decimal(p) * CENTIME for p in parts]


@dataclass(frozen=True)
class Ligne:
    enfant_id: int | None
    nature: str
    montant: Decimal


@dataclass
class FactureDonnees:
    """Une facture telle que le calcul la voit : ses lignes, sa date, ses paiements datés."""

    date: datetime.date
    lignes: list[Ligne]
    paiements: list[tuple[datetime.date, Decimal]] = field(default_factory=list)

    @property
    def avoir(self) -> bool:
        return sum((lg.montant for lg in self.lignes), ZERO) < 0


def _paye_au(facture: FactureDonnees, fin: datetime.date) -> Decimal:
    return sum((m for d, m in facture.paiements if d <= fin), ZERO)


def garde_par_enfant(factures: list[FactureDonnees], annee: int) -> dict[int, Decimal]:
    """Enfant → frais de garde payés pendant `annee` (sans la condition d'âge), avoirs déduits,
    jamais négatif."""
    totaux: dict[int, Decimal] = defaultdict(lambda: ZERO)
    fin = datetime.date(annee, 12, 31)
    fin_precedente = datetime.date(annee - 1, 12, 31)
    for facture in factures:
        if facture.avoir:
            if facture.date.year == annee:
                for ligne in facture.lignes:
                    if ligne.nature == Nature.GARDE and ligne.enfant_id is not None:
                        totaux[ligne.enfant_id] += ligne.montant
            continue
        montants = [lg.montant for lg in facture.lignes]
        avant = repartir(_paye_au(facture, fin_precedente), montants)
        apres = repartir(_paye_au(facture, fin), montants)
        for ligne, a, b in zip(facture.lignes, avant, apres, strict=True):
            if ligne.nature == Nature.GARDE and ligne.enfant_id is not None and b != a:
                totaux[ligne.enfant_id] += b - a
    return {enfant: max(total, ZERO) for enfant, total in totaux.items()}


# --- Lectures ---------------------------------------------------------------------------------


@dataclass
class AttestationEnfant:
    enfant: object  # enfants.models.Enfant
    montant: Decimal
    case: str


@dataclass
class Attestation:
    famille: Famille
    annee: int
    enfants: list[AttestationEnfant]

    @property
    def total(self) -> Decimal:
        return sum((e.montant for e in self.enfants), ZERO)

    @property
    def nom_fichier_pdf(self) -> str:
        return f"attestation-frais-de-garde-{self.annee}-{self.famille.numero}.pdf"


def _factures_donnees(*, famille: Famille, annee: int) -> list[FactureDonnees]:
    """Les factures qui comptent pour l'année (2 requêtes) : payées en partie cette année-là
    (avec leurs paiements jusqu'au 31 décembre), ou avoirs datés de l'année."""
    fin = datetime.date(annee, 12, 31)
    paiements = Affectation.objects.filter(
        facture__famille=famille, reglement__date__lte=fin, facture__montant__gt=0
    ).filter(
        facture__in=Affectation.objects.filter(facture__famille=famille, reglement__date__year=annee).values(
            "facture_id"
        )
    )
    par_facture: dict[int, FactureDonnees] = {}
    lignes = LigneFacture.objects.filter(
        Q(facture__in=paiements.values("facture_id"))
        | Q(facture__famille=famille, facture__montant__lt=0, facture__date_facture__year=annee)
    ).order_by("facture_id", "ordre")
    for facture_id, date, enfant_id, nature, montant in lignes.values_list(
        "facture_id", "facture__date_facture", "enfant_id", "nature", "montant"
    ):
        donnees = par_facture.setdefault(facture_id, FactureDonnees(date=date, lignes=[]))
        donnees.lignes.append(Ligne(enfant_id=enfant_id, nature=nature, montant=montant))
    for facture_id, date, montant in paiements.values_list("facture_id", "reglement__date", "montant"):
        if facture_id in par_facture:
            par_facture[facture_id].paiements.append((date, montant))
    return list(par_facture.values())


def attestation(*, famille: Famille, annee: int) -> Attestation:
    """L'attestation de l'année (3 requêtes) : un enfant par case, dans l'ordre des naissances,
    les enfants de moins de 6 ans au 1er janvier qui ont des frais de garde payés."""
    from enfants.models import Enfant

    montants = garde_par_enfant(_factures_donnees(famille=famille, annee=annee), annee)
    enfants = [
        e
        for e in Enfant.objects.filter(famille=famille, pk__in=list(montants)).order_by(
            "date_naissance", "prenom", "pk"
        )
        if moins_de_six_ans(e.date_naissance, annee) and montants[e.pk] > 0
    ]
    return Attestation(
        famille=famille,
        annee=annee,
        enfants=[
            AttestationEnfant(enfant=e, montant=montants[e.pk], case=CASES[i] if i < len(CASES) else "")
            for i, e in enumerate(enfants)
        ],
    )


def annees_disponibles(*, famille: Famille, aujourd_hui: datetime.date | None = None) -> list[int]:
    """Les années (la plus récente d'abord) qui ont une attestation : finies (disponible à partir
    du 1er janvier suivant) et avec un paiement d'une ligne de garde d'un enfant de moins de 6
    ans au 1er janvier (1 requête ; un avoir peut ramener le montant à zéro : l'attestation dit
    alors 0,00 €)."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    couples = (
        LigneFacture.objects.filter(
            facture__famille=famille,
            nature=Nature.GARDE,
            enfant__isnull=False,
            facture__affectations__reglement__date__lt=datetime.date(aujourd_hui.year, 1, 1),
        )
        .annotate(annee=ExtractYear("facture__affectations__reglement__date"))
        .order_by()
        .values_list("annee", "enfant__date_naissance")
        .distinct()
    )
    return sorted({a for a, naissance in couples if moins_de_six_ans(naissance, a)}, reverse=True)


def annee_disponible(annee: int, *, aujourd_hui: datetime.date | None = None) -> bool:
    """Une année est attestable à partir du 1er janvier suivant."""
    return annee < (aujourd_hui or timezone.localdate()).year


def familles_concernees(*, annee: int) -> list[int]:
    """Les familles qui ont un paiement de garde dans l'année pour un enfant reconnu (candidates :
    `attestation` dit ensuite si un enfant de moins de 6 ans compte)."""
    return list(
        Facture.objects.filter(
            lignes__nature=Nature.GARDE,
            lignes__enfant__date_naissance__gt=datetime.date(annee - 6, 1, 1),
            lignes__enfant__date_naissance__lte=datetime.date(annee, 12, 31),
            affectations__reglement__date__year=annee,
        )
        .values_list("famille_id", flat=True)
        .distinct()
        .order_by("famille_id")
    )
