"""Écritures de la facturation : règlements et affectations (les factures viennent de l'import)."""

import re
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from commun.audit import audit_enregistrer
from facturation.models import (
    ZERO,
    Affectation,
    ConsommationExportee,
    EvenementMandat,
    EvenementPaiement,
    Facture,
    LigneFacture,
    LignePaiement,
    Mandat,
    PaiementEnLigne,
    Regie,
    Reglement,
    SerieRecus,
    deja_paye,
)
from familles.models import Famille

PREFIXE_PORTAIL = "WEB"


def numero_portail(*, regie: Regie, rang: int) -> str:
    """Le numéro d'un règlement enregistré par le portail : WEB-AL-12 (12e de la régie AL)."""
    return f"{PREFIXE_PORTAIL}-{regie.code}-{rang}"


def numero_du_portail(numero: str, *, regie: Regie) -> bool:
    """Le numéro est-il de la série du portail pour cette régie ? (l'import les refuse)"""
    return re.fullmatch(rf"{PREFIXE_PORTAIL}-{re.escape(regie.code)}-[0-9]+", numero) is not None


@transaction.atomic
def regie_numero_portail_attribuer(*, regie: Regie) -> str:
    """Attribue, sous verrou de la régie, le numéro suivant de la série du portail : deux
    règlements n'ont jamais le même ; un numéro déjà pris (reprise de données) est sauté."""
    regie = Regie.objects.select_for_update().get(pk=regie.pk)
    while True:
        regie.dernier_numero_portail += 1
        numero = numero_portail(regie=regie, rang=regie.dernier_numero_portail)
        if not Reglement.objects.filter(regie=regie, numero=numero).exists():
            break
    regie.save(update_fields=["dernier_numero_portail"])
    return numero


@transaction.atomic
def recu_numero_attribuer(*, reglement: Reglement) -> Reglement:
    """Donne au règlement le numéro de reçu suivant de sa régie pour l'année de sa date ; un
    règlement déjà numéroté le garde (`recus_numeroter`)."""
    if reglement.recu_rang is None:
        recus_numeroter(reglements=Reglement.objects.filter(pk=reglement.pk))
        reglement.recu_annee, reglement.recu_rang = (
            Reglement.objects.filter(pk=reglement.pk).values_list("recu_annee", "recu_rang").get()
        )
    return reglement


@transaction.atomic
def recus_numeroter(*, reglements: QuerySet[Reglement]) -> int:
    """Numérote les reçus des règlements donnés qui n'en ont pas : dans chaque série (régie,
    année de la date), à la suite, par date puis ordre d'enregistrement ; renvoie leur nombre.

    Chaque série est verrouillée (créée au besoin sans conflit), dans un ordre fixe, jusqu'à la
    fin de la transaction : deux règlements n'ont jamais le même numéro. La numérotation vient
    après l'imputation (l'import numérote à la fin du fichier) : les factures sont toujours
    verrouillées avant les séries, jamais l'inverse, donc pas d'interblocage avec un paiement."""
    groupes: dict[tuple[int, int], list[int]] = defaultdict(list)
    lignes = reglements.filter(recu_rang__isnull=True).order_by("date", "pk")
    for pk, regie_id, date in lignes.values_list("pk", "regie_id", "date").iterator(chunk_size=5000):
        groupes[(regie_id, date.year)].append(pk)
    cles = sorted(groupes)
    SerieRecus.objects.bulk_create(
        [SerieRecus(regie_id=regie_id, annee=annee) for regie_id, annee in cles], ignore_conflicts=True
    )
    for regie_id, annee in cles:
        serie = SerieRecus.objects.select_for_update().get(regie_id=regie_id, annee=annee)
        pks = groupes[(regie_id, annee)]
        Reglement.objects.bulk_update(
            [
                Reglement(pk=pk, recu_annee=annee, recu_rang=serie.dernier_rang + rang)
                for rang, pk in enumerate(pks, 1)
            ],
            ["recu_annee", "recu_rang"],
            batch_size=1000,
        )
        serie.dernier_rang += len(pks)
        serie.save(update_fields=["dernier_rang"])
    return sum(len(pks) for pks in groupes.values())


def facture_reste_du(*, facture: Facture) -> Decimal:
    """Le reste dû d'une facture : son montant moins son déjà payé (`models.deja_paye`)."""
    paye = (
        Facture.objects.filter(pk=facture.pk).annotate(paye=deja_paye()).values_list("paye", flat=True).get()
    )
    return facture.montant - paye


@transaction.atomic
def reglement_affecter(
    *,
    reglement: Reglement,
    factures: list[Facture] | None = None,
    plafonds: dict[int, Decimal] | None = None,
) -> Decimal:
    """Impute un règlement aux factures données (sinon aux impayées de la famille et de la
    régie, la plus ancienne échéance d'abord) ; renvoie ce qui reste en avoir.

    Une facture ne reçoit jamais plus que son reste dû : l'excédent reste un crédit du compte.
    `plafonds` (pk de facture → montant) : une facture ne reçoit pas plus que sa part (paiement
    en ligne de plusieurs factures : chacune sa ligne).
    """
    reglement = Reglement.objects.select_for_update().get(pk=reglement.pk)
    if factures is None:
        cibles = Facture.objects.filter(famille_id=reglement.famille_id, regie_id=reglement.regie_id)
        cibles = cibles.order_by("date_echeance", "pk")
    else:
        cibles = Facture.objects.filter(pk__in=[f.pk for f in factures]).order_by("date_echeance", "pk")
    # Verrou sur les factures : deux règlements simultanés ne paient pas deux fois le même reste.
    verrouillees = list(cibles.select_for_update())
    deja = reglement.affectations.aggregate(t=Sum("montant"))["t"] or ZERO
    disponible = reglement.montant - deja
    for facture in verrouillees:
        if disponible <= 0:
            break
        reste = facture_reste_du(facture=facture)
        if reste <= 0:
            continue
        part = min(reste, disponible)
        if plafonds is not None:
            part = min(part, plafonds.get(facture.pk, ZERO))
            if part <= 0:
                continue
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
    numeroter_recu: bool = True,
    plafonds: dict[int, Decimal] | None = None,
) -> Reglement:
    """Enregistre un règlement et l'impute ; sans numéro (règlement du portail), il reçoit le
    suivant de la série du portail de la régie (WEB-AL-…).

    Avec `affecter=False` le règlement reste entièrement un avoir (crédit du compte). Il reçoit
    son numéro de reçu après l'imputation (`numeroter_recu=False` : l'appelant numérote, comme
    l'import à la fin du fichier, `recus_numeroter`).
    """
    if montant <= 0:
        raise ValueError("Un règlement a un montant positif.")
    if numero is None:
        numero = regie_numero_portail_attribuer(regie=regie)
    reglement = Reglement.objects.create(
        famille=famille,
        regie=regie,
        montant=montant,
        mode=mode,
        date=date,
        numero=numero,
        origine=origine,
        email_recu=email_recu,
        reference_externe=reference_externe,
    )
    if affecter:
        reglement_affecter(reglement=reglement, factures=factures, plafonds=plafonds)
    if numeroter_recu:
        recu_numero_attribuer(reglement=reglement)
    return reglement


# Ce que l'anonymisation RGPD fait de chaque modèle de l'application relié à une famille (un
# test vérifie qu'aucun modèle relié n'est oublié). Factures et règlements sont des pièces
# comptables, conservées dix ans, rattachées au N° Famille désormais anonyme.
FACTURATION_ANONYMISATION = {
    Facture: "conservé : pièce comptable",
    LigneFacture: "conservé : pièce comptable",
    Reglement: "conservé : pièce comptable ; adresse du reçu effacée",
    Affectation: "conservé : pièce comptable",
    PaiementEnLigne: "conservé : trace du paiement ; adresse du reçu effacée",
    LignePaiement: "conservé : trace du paiement (factures payées)",
    Mandat: "conservé (RUM, dates) ; débiteur, adresse, IBAN et BIC effacés",
    EvenementMandat: "conservé (nature, date) ; IBAN et BIC précédents effacés",
    ConsommationExportee: "conservé : ce qui a été transmis au logiciel de facturation (sans coordonnées)",
}


@transaction.atomic
def facturation_famille_anonymiser(*, famille: Famille) -> dict:
    """Les pièces comptables restent ; les adresses de reçu (coordonnées) sont effacées."""
    Reglement.objects.filter(famille=famille).exclude(email_recu="").update(email_recu="")
    PaiementEnLigne.objects.filter(famille=famille).exclude(email="").update(email="")
    from commun.anonymisation import NOM_ANONYME

    Mandat.objects.filter(famille=famille).update(titulaire=NOM_ANONYME, adresse="", iban="", bic="")
    EvenementMandat.objects.filter(mandat__famille=famille).update(iban_precedent="", bic_precedent="")
    return {}


def _debiteur_adresse(famille: Famille) -> str:
    from familles.models import Responsable

    principal = Responsable.objects.filter(famille=famille, role=Responsable.Role.PRINCIPAL).first()
    if principal is None:
        return ""
    return " ".join(p for p in (principal.adresse, principal.code_postal, principal.ville) if p)


def _debiteur_nom(famille: Famille) -> str:
    from familles.models import Responsable

    if famille.titulaire_compte:
        return famille.titulaire_compte
    principal = Responsable.objects.filter(famille=famille, role=Responsable.Role.PRINCIPAL).first()
    return principal.nom_complet if principal else f"Famille {famille.numero}"


@transaction.atomic
def mandat_appliquer(*, famille: Famille, date=None, ics: str = "") -> Mandat | None:
    """Après une demande bancaire acceptée : crée, amende ou révoque le mandat SEPA de la famille.
    `ics` : l'ICS du créancier (par défaut le réglage CCAS_ICS ; la démonstration passe le sien).

    - prélèvement demandé, pas de mandat actif : nouveau mandat (nouvelle RUM) ;
    - prélèvement, mandat actif, IBAN ou BIC changé : amendement (même RUM, ancien IBAN gardé) ;
    - prélèvement arrêté, mandat actif : révocation.
    """
    from django.conf import settings
    from django.utils import timezone

    from facturation.sepa import ics_normaliser, rum_construire

    date = date or timezone.localdate()
    famille = Famille.objects.select_for_update().get(pk=famille.pk)
    actif = Mandat.objects.filter(famille=famille, date_revocation__isnull=True).first()
    if not famille.prelevement_automatique:
        if actif is None:
            return None
        actif.date_revocation = date
        actif.save(update_fields=["date_revocation"])
        EvenementMandat.objects.create(mandat=actif, nature=EvenementMandat.Nature.REVOCATION, date=date)
        return actif
    ics = ics or settings.CCAS_ICS
    if not famille.iban or not ics:
        return None
    if actif is None:
        rang = Mandat.objects.filter(famille=famille).count() + 1
        actif = Mandat.objects.create(
            famille=famille,
            rum=rum_construire(numero_famille=famille.numero, rang=rang),
            ics=ics_normaliser(ics),
            titulaire=_debiteur_nom(famille),
            adresse=_debiteur_adresse(famille),
            iban=famille.iban,
            bic=famille.bic,
            date_signature=date,
        )
        EvenementMandat.objects.create(mandat=actif, nature=EvenementMandat.Nature.CREATION, date=date)
        return actif
    if (actif.iban, actif.bic) != (famille.iban, famille.bic):
        EvenementMandat.objects.create(
            mandat=actif,
            nature=EvenementMandat.Nature.AMENDEMENT,
            date=date,
            iban_precedent=actif.iban,
            bic_precedent=actif.bic,
        )
        actif.iban, actif.bic = famille.iban, famille.bic
        actif.titulaire = _debiteur_nom(famille)
        actif.adresse = _debiteur_adresse(famille)
        actif.save(update_fields=["iban", "bic", "titulaire", "adresse"])
    return actif


COLONNES_MANDATS = (
    "Nature",
    "RUM",
    "ICS",
    "N° Famille",
    "Débiteur",
    "Adresse",
    "IBAN",
    "BIC",
    "Date de signature",
    "Date de l'événement",
    "IBAN précédent",
    "BIC précédent",
)


@transaction.atomic
def mandats_exporter(*, sortie) -> int:
    """Écrit en CSV (`;`, UTF-8 avec BOM, dates jj/mm/aaaa) les événements jamais exportés.

    Les marque exportés dans la même transaction : un second export ne les reprend pas.
    """
    import csv

    from django.utils import timezone

    evenements = list(
        EvenementMandat.objects.select_for_update(of=("self",))
        .filter(exporte_le__isnull=True)
        .select_related("mandat__famille")
        .order_by("pk")
    )
    # Le compte en vigueur après chaque événement : l'« IBAN précédent » de l'amendement suivant
    # du même mandat, ou le compte actuel du mandat. Une création suivie d'un amendement, exportés
    # ensemble, donnent ainsi l'ancien puis le nouveau compte, chacun à sa ligne.
    comptes: dict[int, tuple[str, str]] = {}
    for ev in reversed(evenements):
        comptes[ev.pk] = comptes.get(-ev.mandat_id) or (ev.mandat.iban, ev.mandat.bic)
        if ev.nature == EvenementMandat.Nature.AMENDEMENT:
            comptes[-ev.mandat_id] = (ev.iban_precedent, ev.bic_precedent)
    sortie.write("\ufeff")
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(COLONNES_MANDATS)
    for ev in evenements:
        m = ev.mandat
        iban, bic = comptes[ev.pk]
        ecrivain.writerow(
            (
                ev.get_nature_display(),
                m.rum,
                m.ics,
                m.famille.numero,
                m.titulaire,
                m.adresse,
                iban,
                bic,
                m.date_signature.strftime("%d/%m/%Y"),
                ev.date.strftime("%d/%m/%Y"),
                ev.iban_precedent,
                ev.bic_precedent,
            )
        )
    EvenementMandat.objects.filter(pk__in=[e.pk for e in evenements]).update(exporte_le=timezone.now())
    return len(evenements)


# --- Les paiements en ligne « à vérifier » ------------------------------------------------------

PAIEMENT_NON_SIGNALE = "Ce paiement en ligne n’est pas « à vérifier » : il n’y a rien à marquer."
PAIEMENT_DEJA_VERIFIE = "Ce paiement en ligne a déjà été vérifié par {agent} le {date}."
COMMENTAIRE_VERIFICATION_TROP_LONG = (
    "Le commentaire fait {longueur} caractères : {maximum} au plus, s’il vous plaît."
)
COMMENTAIRE_VERIFICATION_MAX = 2000


@transaction.atomic
def evenement_paiement_verifier(
    *, evenement: EvenementPaiement, agent, commentaire: str = ""
) -> EvenementPaiement:
    """Marque vérifié un événement de paiement « à vérifier » : il quitte la file de l'accueil de
    l'administration. Une seule fois (ligne verrouillée : deux agents ne le vérifient pas deux
    fois), tracé dans le journal d'audit au nom de l'agent et de la famille du paiement."""
    commentaire = (commentaire or "").strip()
    if len(commentaire) > COMMENTAIRE_VERIFICATION_MAX:
        raise ValidationError(
            COMMENTAIRE_VERIFICATION_TROP_LONG.format(
                longueur=len(commentaire), maximum=COMMENTAIRE_VERIFICATION_MAX
            ),
            code="commentaire_trop_long",
        )
    evenement = (
        EvenementPaiement.objects.select_for_update(of=("self",))
        .select_related("verifie_par")
        .get(pk=evenement.pk)
    )
    if not evenement.signale:
        raise ValidationError(PAIEMENT_NON_SIGNALE, code="non_signale")
    if evenement.verifie_le is not None:
        raise ValidationError(
            PAIEMENT_DEJA_VERIFIE.format(
                agent=evenement.verifie_par or "un agent",
                date=timezone.localtime(evenement.verifie_le).strftime("%d/%m/%Y à %H:%M"),
            ),
            code="deja_verifie",
        )
    evenement.verifie_par = agent
    evenement.verifie_le = timezone.now()
    evenement.commentaire_verification = commentaire
    evenement.save(update_fields=["verifie_par", "verifie_le", "commentaire_verification"])
    paiement = (
        PaiementEnLigne.objects.filter(session_id=evenement.session_id).select_related("famille").first()
        if evenement.session_id
        else None
    )
    audit_enregistrer(
        auteur=agent,
        famille=paiement.famille if paiement else None,
        objet=f"Événement de paiement {evenement.evenement_id}"[:200],
        action="Paiement en ligne « à vérifier » marqué vérifié",
        avant={"vérifié": "Non"},
        apres={"vérifié": "Oui", "commentaire": commentaire},
    )
    return evenement
