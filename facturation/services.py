"""Écritures de la facturation : règlements et affectations (les factures viennent de l'import)."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from facturation.models import ZERO, Affectation, Facture, Regie, Reglement
from familles.models import Famille


def _numero_valeur(numero: str, code: str) -> int | None:
    prefixe, _, suite = numero.rpartition("-")
    return int(suite) if prefixe == code and suite.isdigit() else None


@transaction.atomic
def regie_numeros_reserver(*, regie: Regie, numeros: list[str] | None = None) -> str | None:
    """Tient le compteur d'opérations de la régie à jour.

    Avec `numeros` (numéros importés), le compteur passe au-dessus du plus grand ; sans, un
    nouveau numéro est attribué (AL-229) sous verrou : deux opérations n'ont jamais le même.
    """
    regie = Regie.objects.select_for_update().get(pk=regie.pk)
    if numeros is not None:
        valeurs = [v for v in (_numero_valeur(n, regie.code) for n in numeros) if v is not None]
        if valeurs and max(valeurs) > regie.dernier_numero:
            regie.dernier_numero = max(valeurs)
            regie.save(update_fields=["dernier_numero"])
        return None
    numero_pris = True
    while numero_pris:
        regie.dernier_numero += 1
        numero = f"{regie.code}-{regie.dernier_numero}"
        numero_pris = (
            Facture.objects.filter(regie=regie, numero=numero).exists()
            or Reglement.objects.filter(regie=regie, numero=numero).exists()
        )
    regie.save(update_fields=["dernier_numero"])
    return numero


def facture_reste_du(*, facture: Facture) -> Decimal:
    paye = facture.affectations.aggregate(t=Sum("montant"))["t"] or ZERO
    return facture.montant - paye


@transaction.atomic
def reglement_affecter(*, reglement: Reglement, factures: list[Facture] | None = None) -> Decimal:
    """Impute un règlement aux factures données (sinon aux impayées de la famille et de la
    régie, la plus ancienne échéance d'abord) ; renvoie ce qui reste en avoir.

    Une facture ne reçoit jamais plus que son reste dû : l'excédent reste un crédit du compte.
    """
    reglement = Reglement.objects.select_for_update().get(pk=reglement.pk)
    if factures is None:
        cibles = Facture.objects.filter(famille_id=reglement.famille_id, regie_id=reglement.regie_id)
        cibles = cibles.order_by("date_echeance", "pk")
    else:
        cibles = Facture.objects.filter(pk__in=[f.pk for f in factures]).order_by("date_echeance", "pk")
    # Verrou sur les factures : deux règlements simultanés ne paient pas deux fois le même reste.
    cibles = list(cibles.select_for_update())
    deja = reglement.affectations.aggregate(t=Sum("montant"))["t"] or ZERO
    disponible = reglement.montant - deja
    for facture in cibles:
        if disponible <= 0:
            break
        reste = facture_reste_du(facture=facture)
        if reste <= 0:
            continue
        part = min(reste, disponible)
        affectation, creee = Affectation.objects.get_or_create(
            reglement=reglement, facture=facture, defaults={"montant": part}
        )
        if not creee:
            affectation.montant += part
            affectation.save(update_fields=["montant"])
        disponible -= part
    return disponible


@transaction.atomic
def reglement_enregistrer(
    *,
    famille: Famille,
    regie: Regie,
    montant: Decimal,
    mode: str,
    date,
    numero: str | None = None,
    origine: str = Reglement.Origine.IMPORT,
    email_recu: str = "",
    reference_externe: str = "",
    factures: list[Facture] | None = None,
    affecter: bool = True,
) -> Reglement:
    """Enregistre un règlement (numéroté par la régie s'il n'a pas de numéro) et l'impute.

    Avec `affecter=False` le règlement reste entièrement un avoir (crédit du compte).
    """
    if montant <= 0:
        raise ValueError("Un règlement a un montant positif.")
    if numero is None:
        numero = regie_numeros_reserver(regie=regie)
    reglement = Reglement.objects.create(
        famille=famille, regie=regie, montant=montant, mode=mode, date=date, numero=numero,
        origine=origine, email_recu=email_recu, reference_externe=reference_externe,
    )
    if affecter:
        reglement_affecter(reglement=reglement, factures=factures)
    return reglement
