"""Paiement en ligne des factures : rien de perdu, rien de payé deux fois, quel que soit le
prestataire de la régie (Stripe, PayFiP, ou leurs simulations en démonstration).

- `paiement_demarrer` crée (ou réutilise) la tentative de paiement d'une facture, sous verrou de
  la facture, et ouvre la page du prestataire de sa régie (`prestataires.pour_regie`).
- Une notification (webhook Stripe signé, notification PayFiP) est **stockée** (identifiant
  unique), puis traitée dans une autre transaction ; un échec laisse l'événement « en échec »
  (commande `paiements_retraiter`).
- L'encaissement est idempotent par tentative : un seul règlement par référence du prestataire
  (contrainte d'unicité sur `Reglement.reference_externe` et verrou de la tentative). Toute
  incohérence (montant, devise, facture, facture déjà payée) : l'argent est enregistré en avoir,
  non imputé, et l'événement est signalé au personnel.
- Le retour du parent sans notification est rattrapé en demandant au prestataire où en est le
  paiement (PayFiP), et `paiements_rapprocher` le fait pour les derniers jours.

Hors de ce paquet, personne ne sait quel prestataire une régie utilise : les vues demandent
`disponible(regie)`, `offre()`, `simulation(regie)`.
"""

import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import stripe
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone

from commun.formats import montant_fr
from facturation import services
from facturation.models import (
    EvenementPaiement,
    Facture,
    LignePaiement,
    PaiementEnLigne,
    Regie,
    Reglement,
)
from facturation.paiement import prestataires
from facturation.paiement.erreurs import (
    CorpsIllisible,
    NotificationInconnue,
    PaiementImpossible,
    PrestataireInjoignable,
    SignatureInvalide,
)
from facturation.paiement.prestataires import base
from facturation.paiement.prestataires.payfip_simule import SERVICE as PAYFIP_FACTICE
from facturation.paiement.prestataires.simulee import SECRET_DEMO, evenement_paye
from facturation.paiement.prestataires.stripe import (
    ASYNC_ECHEC,
    ASYNC_OK,
    COMPLETED,
    EXPIRED,
    TYPES_TRAITES,
    centimes,
    client,
)
from facturation.paiement.prestataires.stripe import configure as stripe_configure
from facturation.paiement.prestataires.stripe import metadata as _metadata
from familles.models import Famille

__all__ = [
    "ASYNC_ECHEC",
    "ASYNC_OK",
    "COMPLETED",
    "EXPIRED",
    "_metadata",
    "PAYFIP_FACTICE",
    "CorpsIllisible",
    "NotificationInconnue",
    "PaiementImpossible",
    "PrestataireInjoignable",
    "SignatureInvalide",
    "centimes",
    "client",
    "stripe_configure",
]

logger = logging.getLogger(__name__)

ERREUR_DEJA_PAYEE = "Cette facture est déjà réglée : il n'y a rien à payer."
ERREUR_AUCUNE = "Cochez au moins une facture à payer."
ERREUR_REGIES = (
    "Les factures cochées sont de régies différentes : un paiement par carte ne règle que les "
    "factures d'une seule régie."
)
ERREUR_UNE_DEJA_PAYEE = "La facture {numero} est déjà réglée : décochez-la."
ERREUR_EN_COURS = (
    "Un paiement de la facture {numero} est déjà en cours : terminez-le ou annulez-le avant de "
    "payer plusieurs factures."
)
ERREUR_INDISPONIBLE = "Le paiement en ligne n'est pas disponible pour le moment."
ERREUR_PRESTATAIRE = (
    "Le service de paiement ne répond pas pour le moment. Votre facture n'a pas été débitée : "
    "réessayez dans quelques minutes."
)
MOTIF_AVOIR = "Montant enregistré en avoir (crédit du compte), non imputé : à vérifier."

ERREUR_UNE_A_LA_FOIS = (
    "Pour la {regie}, le paiement en ligne règle une facture à la fois : payez-les l'une après "
    "l'autre (icône « Carte » de chaque facture)."
)
ERREUR_DEMO = "Cette page de paiement simulée n'existe qu'en démonstration."

TOLERANCE_SIGNATURE = 300
# Remplacé dans les tests par un faux client HTTP (aucun accès réseau).
HTTP_CLIENT: stripe.HTTPClient | None = None

# Ce qu'un identifiant et un type d'événement peuvent être (evt_1Nz…, checkout.session.…, un
# idOp PayFiP) ; autre chose est enregistré sans traitement et signalé (les colonnes font 255 et
# 100 caractères).
IDENTIFIANT_VALIDE = re.compile(r"[A-Za-z0-9_.:-]{1,255}")
TYPE_VALIDE = re.compile(r"[a-z0-9_.]{1,100}")
MOTIF_INVALIDE = "Événement enregistré sans traitement, à vérifier : {anomalies}."
TYPE_PAYFIP = "payfip.notification"
INTERVALLE_RETOUR = 5  # secondes entre deux questions au prestataire depuis la page de retour


# --- Ce que le portail propose ---------------------------------------------------------------


def disponible(regie: Regie) -> bool:
    """La régie encaisse en ligne (un prestataire choisi et configuré) : bouton « Carte »."""
    return prestataires.pour_regie(regie) is not None


def peut_payer_plusieurs(regie: Regie) -> bool:
    """Plusieurs factures de la régie se paient en une fois (pas avec PayFiP : un refdet)."""
    prestataire = prestataires.pour_regie(regie)
    return prestataire is not None and prestataire.plusieurs_factures


def simulation(regie: Regie) -> str:
    """« une banque simulée », « un PayFiP simulé » en démonstration ; vide sinon."""
    prestataire = prestataires.pour_regie(regie)
    return prestataire.simulation if prestataire else ""


@dataclass(frozen=True)
class Offre:
    """Les régies (identifiants) dont les factures se paient en ligne, et celles dont plusieurs
    factures se paient en une fois : ce que l'accueil et le relevé montrent (une requête)."""

    payables: frozenset[int] = frozenset()
    groupables: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.payables)

    def regroupe(self, factures) -> bool:
        """Au moins une de ces factures peut être cochée pour un paiement groupé."""
        return any(f.regie_id in self.groupables for f in factures)


def offre() -> Offre:
    regies = Regie.objects.exclude(prestataire_paiement="").only(
        "pk", "prestataire_paiement", "payfip_numcli"
    )
    payables, groupables = set(), set()
    for regie in regies:
        prestataire = prestataires.pour_regie(regie)
        if prestataire is not None:
            payables.add(regie.pk)
            if prestataire.plusieurs_factures:
                groupables.add(regie.pk)
    return Offre(frozenset(payables), frozenset(groupables))


def secret_webhook() -> str:
    if stripe_configure():
        return settings.STRIPE_WEBHOOK_SECRET
    return SECRET_DEMO if settings.DEMO else ""


# --- Démarrer un paiement --------------------------------------------------------------------


@transaction.atomic
def paiement_demarrer(*, facture: Facture, famille: Famille, email: str, url_base: str) -> PaiementEnLigne:
    """La session de paiement de la facture : l'ouverte si elle vaut toujours (même montant,
    même email), sinon une nouvelle, l'ancienne expirée d'abord. Le montant est le reste dû,
    calculé ici, jamais reçu du formulaire."""
    facture = Facture.objects.select_for_update().select_related("regie").get(pk=facture.pk, famille=famille)
    if not disponible(facture.regie):
        raise PaiementImpossible(ERREUR_INDISPONIBLE)
    reste = services.facture_reste_du(facture=facture)
    if reste <= 0:
        raise PaiementImpossible(ERREUR_DEJA_PAYEE)
    maintenant = timezone.now()
    prestataire = prestataires.pour_regie(facture.regie)
    for ouverte in PaiementEnLigne.objects.filter(facture=facture, statut=PaiementEnLigne.Statut.OUVERTE):
        if (
            prestataire is not None
            and ouverte.prestataire == prestataire.code  # la régie a pu changer de prestataire
            and ouverte.expire_le > maintenant + timedelta(minutes=2)
            and ouverte.montant == reste
            and ouverte.email == email
            and list(ouverte.lignes.values_list("facture_id", flat=True)) == [facture.pk]
        ):
            return ouverte
        _session_expirer(ouverte)
    return _session_creer(factures=[(facture, reste)], famille=famille, email=email, url_base=url_base)


@transaction.atomic
def paiement_demarrer_plusieurs(
    *, factures: list[Facture], famille: Famille, email: str, url_base: str
) -> PaiementEnLigne:
    """Une session pour plusieurs factures impayées d'une régie (une ligne chacune, son reste
    dû). Une seule facture : `paiement_demarrer`, comme depuis sa page. Refusé (message en
    français) : aucune facture, régies différentes, facture réglée ou déjà en cours de paiement."""
    if not factures:
        raise PaiementImpossible(ERREUR_AUCUNE)
    if len(factures) == 1:
        return paiement_demarrer(facture=factures[0], famille=famille, email=email, url_base=url_base)
    # Toujours dans le même ordre (pk) : deux paniers qui se recoupent ne s'interbloquent pas.
    verrouillees = list(
        Facture.objects.select_for_update()
        .select_related("regie")
        .filter(pk__in=[f.pk for f in factures], famille=famille)
        .order_by("pk")
    )
    if len(verrouillees) != len({f.pk for f in factures}):
        raise Facture.DoesNotExist
    if len({f.regie_id for f in verrouillees}) > 1:
        raise PaiementImpossible(ERREUR_REGIES)
    regie = verrouillees[0].regie
    if not disponible(regie):
        raise PaiementImpossible(ERREUR_INDISPONIBLE)
    if not peut_payer_plusieurs(regie):
        raise PaiementImpossible(ERREUR_UNE_A_LA_FOIS.format(regie=regie.nom))
    ouvertes = PaiementEnLigne.objects.filter(
        lignes__facture__in=verrouillees,
        statut=PaiementEnLigne.Statut.OUVERTE,
        expire_le__gt=timezone.now(),
    ).values_list("lignes__facture__numero", flat=True)
    parts = []
    for facture in sorted(verrouillees, key=lambda f: (f.date_echeance, f.pk)):
        reste = services.facture_reste_du(facture=facture)
        if reste <= 0:
            raise PaiementImpossible(ERREUR_UNE_DEJA_PAYEE.format(numero=facture.numero))
        parts.append((facture, reste))
    for numero in ouvertes:
        if numero in {f.numero for f in verrouillees}:
            raise PaiementImpossible(ERREUR_EN_COURS.format(numero=numero))
    return _session_creer(factures=parts, famille=famille, email=email, url_base=url_base)


def panier_refus(factures) -> list[str]:
    """Pourquoi ces factures (annotées `reste_du` et `paiement_en_cours`, avec leur régie, cf.
    les sélecteurs) ne se paient pas ensemble ; liste vide : elles le peuvent. Revérifié sous
    verrou au départ."""
    if not factures:
        return [ERREUR_AUCUNE]
    refus = []
    if len({f.regie_id for f in factures}) > 1:
        refus.append(ERREUR_REGIES)
    elif len(factures) > 1 and disponible(factures[0].regie) and not peut_payer_plusieurs(factures[0].regie):
        refus.append(ERREUR_UNE_A_LA_FOIS.format(regie=factures[0].regie.nom))
    for facture in factures:
        if facture.reste_du <= 0:
            refus.append(ERREUR_UNE_DEJA_PAYEE.format(numero=facture.numero))
        elif facture.paiement_en_cours and len(factures) > 1:
            refus.append(ERREUR_EN_COURS.format(numero=facture.numero))
    return refus


def _session_creer(
    *, factures: list[tuple[Facture, Decimal]], famille: Famille, email: str, url_base: str
) -> PaiementEnLigne:
    """La tentative (une ligne par facture) et sa page chez le prestataire de la régie. Si le
    prestataire ne répond pas : PrestataireInjoignable, et rien n'est gardé (la transaction de
    l'appelant est annulée)."""
    facture = factures[0][0]
    prestataire = prestataires.pour_regie(facture.regie)
    if prestataire is None:
        raise PaiementImpossible(ERREUR_INDISPONIBLE)
    montant = sum((reste for _, reste in factures), Decimal("0.00"))
    maintenant = timezone.now()
    tentative = (PaiementEnLigne.objects.filter(facture=facture).aggregate(n=Max("tentative"))["n"] or 0) + 1
    paiement = PaiementEnLigne.objects.create(
        facture=facture,
        famille=famille,
        tentative=tentative,
        montant=montant,
        email=email,
        prestataire=prestataire.code,
        expire_le=maintenant + prestataire.duree,
    )
    LignePaiement.objects.bulk_create(
        LignePaiement(paiement=paiement, facture=f, montant=reste) for f, reste in factures
    )
    paiement.famille = famille
    paiement.facture = facture
    base_url = url_base.rstrip("/")
    urls = base.Urls(
        base=base_url,
        retour=base_url + reverse("facturation:paiement_retour", kwargs={"pk": paiement.pk}),
        annulation=base_url + reverse("facturation:paiement_annuler", kwargs={"pk": paiement.pk}),
        retour_externe=base_url + reverse("paiement_retour_prestataire", kwargs={"pk": paiement.pk}),
        notification=base_url + reverse("notification_payfip"),
    )
    try:
        paiement.session_id, paiement.url = prestataire.demarrer(
            paiement=paiement, factures=factures, urls=urls
        )
    except prestataire.erreurs as erreur:
        logger.exception("Page de paiement non ouverte chez %s", prestataire.code)
        raise PrestataireInjoignable(ERREUR_PRESTATAIRE) from erreur
    paiement.save(update_fields=["session_id", "url"])
    return paiement


def _session_expirer(paiement: PaiementEnLigne, *, strict: bool = True) -> None:
    """Ferme une tentative ouverte (chez le prestataire d'abord, s'il le permet : elle ne
    pourra plus être payée) ; `strict` : voir `Prestataire.expirer`."""
    prestataire = prestataires.pour_paiement(paiement)
    try:
        prestataire.expirer(paiement=paiement, strict=strict)
    except prestataire.erreurs as erreur:
        raise PrestataireInjoignable(ERREUR_PRESTATAIRE) from erreur
    PaiementEnLigne.objects.filter(pk=paiement.pk, statut=PaiementEnLigne.Statut.OUVERTE).update(
        statut=PaiementEnLigne.Statut.EXPIREE
    )


@transaction.atomic
def paiement_annuler(*, paiement: PaiementEnLigne) -> None:
    """Le parent a annulé sur la page de paiement : la facture redevient payable aussitôt."""
    paiement = PaiementEnLigne.objects.select_for_update().get(pk=paiement.pk)
    if paiement.statut == PaiementEnLigne.Statut.OUVERTE:
        _session_expirer(paiement, strict=False)
        PaiementEnLigne.objects.filter(pk=paiement.pk).update(statut=PaiementEnLigne.Statut.ANNULEE)


# --- Recevoir un événement -------------------------------------------------------------------


def signer(payload: bytes, secret: str, horodatage: int | None = None) -> str:
    """L'en-tête Stripe-Signature (t=…,v1=HMAC-SHA256(t.payload)) : banque simulée."""
    horodatage = int(time.time()) if horodatage is None else horodatage
    signe = f"{horodatage}.".encode() + payload
    return f"t={horodatage},v1={hmac.new(secret.encode(), signe, hashlib.sha256).hexdigest()}"


def _horodatage_verifier(signature: str) -> None:
    """stripe-python refuse une signature trop ancienne, pas une datée du futur : même tolérance."""
    horodatages = [v for k, _, v in (p.strip().partition("=") for p in signature.split(",")) if k == "t"]
    if not horodatages or int(horodatages[0]) > time.time() + TOLERANCE_SIGNATURE:
        raise SignatureInvalide


def evenement_recevoir(*, payload: bytes, signature: str | None) -> EvenementPaiement:
    """Vérifie, stocke, puis traite un événement ; SignatureInvalide si rien n'est sûr,
    CorpsIllisible si le contenu signé ne se lit pas. Un événement lisible mais invalide est
    enregistré, signalé « à vérifier » et n'est pas traité."""
    secret = secret_webhook()
    if not secret or not signature:
        raise SignatureInvalide
    try:
        texte = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(texte, signature, secret, tolerance=TOLERANCE_SIGNATURE)
        _horodatage_verifier(signature)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
        raise SignatureInvalide from None
    try:
        donnees = json.loads(texte)
    except (ValueError, RecursionError):  # RecursionError : imbrication démesurée
        raise CorpsIllisible from None
    if not isinstance(donnees, dict):
        raise CorpsIllisible
    evenement = _evenement_stocker(donnees=donnees, payload=texte)
    if evenement.signale and evenement.statut == EvenementPaiement.Statut.IGNORE:
        return evenement
    return evenement_traiter(evenement=evenement)


def _decrire(valeur) -> str:
    """Ce qu'est une valeur refusée, sans la recopier (elle peut être énorme ou piégée)."""
    if valeur is None:
        return "absent"
    if isinstance(valeur, bool | int | float):
        return "nombre"
    if isinstance(valeur, dict):
        return "objet"
    if isinstance(valeur, list):
        return "liste"
    if any(not c.isprintable() for c in valeur):
        return "caractère de contrôle"
    return f"texte de {len(valeur)} caractères"


def _evenement_stocker(*, donnees: dict, payload: str) -> EvenementPaiement:
    evenement_id, type_ = donnees.get("id"), donnees.get("type")
    anomalies = []
    if not (isinstance(evenement_id, str) and IDENTIFIANT_VALIDE.fullmatch(evenement_id)):
        anomalies.append(f"identifiant d'événement invalide ({_decrire(evenement_id)})")
        # Le même corps reçu deux fois reste un seul enregistrement.
        evenement_id = "invalide_" + hashlib.sha256(payload.encode()).hexdigest()
    if not (isinstance(type_, str) and TYPE_VALIDE.fullmatch(type_)):
        anomalies.append(f"type d'événement invalide ({_decrire(type_)})")
        type_ = "invalide"
    data = donnees.get("data")
    objet = data.get("object") if isinstance(data, dict) else None
    session_id = objet.get("id") if isinstance(objet, dict) else None
    if not (isinstance(session_id, str) and IDENTIFIANT_VALIDE.fullmatch(session_id)):
        session_id = ""
        if type_ in TYPES_TRAITES:
            anomalies.append("session absente ou invalide")
    defaults: dict[str, object] = {"type": type_, "payload": payload, "session_id": session_id}
    if anomalies:
        defaults.update(
            signale=True,
            statut=EvenementPaiement.Statut.IGNORE,
            motif=MOTIF_INVALIDE.format(anomalies="; ".join(anomalies)),
        )
    try:
        evenement, _ = EvenementPaiement.objects.get_or_create(evenement_id=evenement_id, defaults=defaults)
    except IntegrityError:  # deux livraisons simultanées : l'autre l'a stocké
        evenement = EvenementPaiement.objects.get(evenement_id=evenement_id)
    return evenement


def evenement_traiter(*, evenement: EvenementPaiement) -> EvenementPaiement:
    """Traite un événement stocké (une fois) ; en cas d'erreur, il reste « en échec »."""
    try:
        with transaction.atomic():
            evenement = EvenementPaiement.objects.select_for_update().get(pk=evenement.pk)
            if evenement.statut in (EvenementPaiement.Statut.TRAITE, EvenementPaiement.Statut.IGNORE):
                return evenement
            evenement.tentatives += 1
            _appliquer(evenement)
            evenement.erreur = ""
            evenement.date_traitement = timezone.now()
            evenement.save()
    except Exception as erreur:
        logger.exception("Échec du traitement de l'événement %s", evenement.evenement_id)
        EvenementPaiement.objects.filter(pk=evenement.pk).update(
            statut=EvenementPaiement.Statut.ECHEC,
            erreur=repr(erreur)[:2000],
            tentatives=F("tentatives") + 1,
            date_traitement=timezone.now(),
        )
    return EvenementPaiement.objects.get(pk=evenement.pk)


STATUTS_FINAUX = {
    base.ECHEC: PaiementEnLigne.Statut.ECHOUEE,
    base.EXPIRE: PaiementEnLigne.Statut.EXPIREE,
    base.ANNULE: PaiementEnLigne.Statut.ANNULEE,
}


def _appliquer(evenement: EvenementPaiement) -> None:
    """Ce que le prestataire constate : payé (encaissé), en attente, refusé, expiré, abandonné
    (la tentative est close, la facture reste à payer)."""
    constat = prestataires.pour_evenement(evenement).lire(evenement)
    evenement.statut = EvenementPaiement.Statut.TRAITE
    if constat.resultat == base.PAYE:
        _encaisser(constat.session, evenement)
    elif constat.resultat == base.ATTENTE:
        evenement.motif = constat.motif
        if not constat.definitif:
            evenement.statut = EvenementPaiement.Statut.RECU  # traité de nouveau plus tard
    elif constat.resultat in STATUTS_FINAUX:
        PaiementEnLigne.objects.filter(
            session_id=constat.session.get("id"), statut=PaiementEnLigne.Statut.OUVERTE
        ).update(statut=STATUTS_FINAUX[constat.resultat])
    else:
        evenement.statut = EvenementPaiement.Statut.IGNORE
        evenement.motif = constat.motif


# --- Notification PayFiP et « où en est ce paiement ? » -------------------------------------


def _stocker_interrogation(*, paiement_ref: str, contenu: dict) -> EvenementPaiement:
    """L'événement d'une opération PayFiP (un par idOp) : la notification, le retour du parent
    et le rapprochement y mènent tous ; il est traité tant qu'aucun résultat définitif n'est
    connu."""
    evenement_id = f"payfip_{paiement_ref}"
    defaults = {"type": TYPE_PAYFIP, "payload": json.dumps(contenu), "session_id": paiement_ref}
    try:
        evenement, _ = EvenementPaiement.objects.get_or_create(evenement_id=evenement_id, defaults=defaults)
    except IntegrityError:  # deux livraisons simultanées : l'autre l'a stocké
        evenement = EvenementPaiement.objects.get(evenement_id=evenement_id)
    return evenement


def notification_recevoir(*, corps: bytes) -> EvenementPaiement:
    """La notification de PayFiP (`idOp=…`, de serveur à serveur, sans signature) : stockée,
    puis traitée en demandant à PayFiP le résultat de l'opération. Une notification qui ne
    nomme aucune tentative PayFiP du portail : NotificationInconnue, rien n'est écrit."""
    try:
        texte = corps.decode("ascii")
        idops = parse_qs(texte, max_num_fields=5).get("idOp") or []
    except (UnicodeDecodeError, ValueError):
        raise NotificationInconnue from None
    if len(idops) != 1 or not IDENTIFIANT_VALIDE.fullmatch(idops[0]):
        raise NotificationInconnue
    idop = idops[0]
    if not PaiementEnLigne.objects.filter(
        session_id=idop,
        prestataire__in=[PaiementEnLigne.Prestataire.PAYFIP, PaiementEnLigne.Prestataire.PAYFIP_SIMULE],
    ).exists():
        raise NotificationInconnue
    evenement = _stocker_interrogation(paiement_ref=idop, contenu={"notification": texte[:2000]})
    return evenement_traiter(evenement=evenement)


def statut_actualiser(*, paiement: PaiementEnLigne, origine: str = "retour") -> PaiementEnLigne:
    """Demande au prestataire où en est une tentative (s'il sait le dire : PayFiP) et le traite
    comme sa notification : le retour du parent sans notification est ainsi rattrapé."""
    prestataire = prestataires.pour_paiement(paiement)
    if not (prestataire.interrogeable and paiement.session_id):
        return paiement
    evenement = _stocker_interrogation(paiement_ref=paiement.session_id, contenu={"origine": origine})
    evenement_traiter(evenement=evenement)
    return paiement


def retour_constater(*, paiement: PaiementEnLigne) -> bool:
    """Le parent revient sur le portail : une tentative encore ouverte chez un prestataire
    interrogeable est vérifiée aussitôt. Vrai si elle a pu changer (à relire)."""
    if paiement.statut != PaiementEnLigne.Statut.OUVERTE:
        return False
    if not prestataires.pour_paiement(paiement).interrogeable:
        return False
    # La page de retour s'interroge toutes les quelques secondes (facturation.js) : PayFiP au
    # plus une fois par tentative et par intervalle.
    if not cache.add(f"paiement_retour_constate:{paiement.session_id}", 1, INTERVALLE_RETOUR):
        return False
    statut_actualiser(paiement=paiement)
    return True


def anomalies_detecter(
    *, session: dict, montant: Decimal, paiement: PaiementEnLigne | None, facture: Facture | None
) -> list[str]:
    """Ce qui cloche dans une session payée, sans rien lire en base : session ou facture
    inconnues, référence de facture, montant ou devise qui ne correspondent pas."""
    anomalies = []
    metadata = session.get("metadata") or {}
    if paiement is None:
        anomalies.append("session de paiement inconnue du portail")
        if facture is None:
            anomalies.append("facture inconnue")
    else:
        reference = str(paiement.facture_id)
        if metadata.get("facture_id") != reference or session.get("client_reference_id") != reference:
            anomalies.append("la référence de facture ne correspond pas")
        if montant != paiement.montant:
            anomalies.append(
                f"montant payé {montant_fr(montant)} € au lieu de {montant_fr(paiement.montant)} €"
            )
    if session.get("currency") != "eur":
        anomalies.append(f"devise {session.get('currency')} au lieu de eur")
    return anomalies


def _montant_session(session: dict) -> Decimal:
    return (Decimal(int(session["amount_total"])) / 100).quantize(Decimal("0.01"))


def _email_session(session: dict, paiement: PaiementEnLigne | None) -> str:
    return (
        (session.get("customer_details") or {}).get("email")
        or session.get("customer_email")
        or (paiement.email if paiement else "")
        or ""
    )


def _facture_de_session(session: dict, paiement: PaiementEnLigne | None) -> Facture | None:
    """La facture payée : celle du paiement du portail, sinon celle que nomme la session."""
    if paiement is not None:
        return paiement.facture
    facture_id = str((session.get("metadata") or {}).get("facture_id", ""))
    return Facture.objects.filter(pk=int(facture_id)).first() if facture_id.isdigit() else None


def _encaisser(session: dict, evenement: EvenementPaiement) -> None:
    session_id = session["id"]
    paiement = (
        PaiementEnLigne.objects.select_for_update()
        .select_related("facture")
        .filter(session_id=session_id)
        .first()
    )
    if Reglement.objects.filter(reference_externe=session_id).exists():
        return  # déjà encaissée (rejeu, autre événement de la même session)
    montant = _montant_session(session)
    lignes = list(paiement.lignes.select_related("facture")) if paiement is not None else []
    if len(lignes) > 1:
        _encaisser_plusieurs(session, evenement, paiement, lignes, montant)
        return
    facture = _facture_de_session(session, paiement)
    anomalies = anomalies_detecter(session=session, montant=montant, paiement=paiement, facture=facture)
    famille: Famille | None
    regie: Regie | None
    if facture is not None:
        facture = Facture.objects.select_for_update().select_related("famille", "regie").get(pk=facture.pk)
        famille, regie = facture.famille, facture.regie
        reste = services.facture_reste_du(facture=facture)
        if not anomalies and reste < montant:
            anomalies.append(f"facture déjà réglée par un autre moyen (reste dû {montant_fr(reste)} €)")
    else:
        metadata = session.get("metadata") or {}
        famille = Famille.objects.filter(numero=metadata.get("famille_numero", "")).first()
        regie = Regie.objects.filter(code=metadata.get("regie", "")).first()
        if famille is None or regie is None:
            evenement.signale = True
            evenement.motif = (
                "; ".join(anomalies) + " ; famille ou régie introuvable : rien "
                "n'est enregistré, à rembourser ou à affecter à la main."
            )
            return
    _encaissement_ecrire(
        session=session,
        evenement=evenement,
        paiement=paiement,
        facture=facture,
        famille=famille,
        regie=regie,
        montant=montant,
        anomalies=anomalies,
    )


def _encaisser_plusieurs(session, evenement, paiement, lignes, montant) -> None:
    """Plusieurs factures : chacune reçoit sa part (son reste dû au départ) ; une facture
    réglée entre-temps par un autre moyen ne reçoit rien, sa part reste en avoir et l'événement
    est signalé. Une anomalie de la session (montant, devise, référence) : tout en avoir."""
    globales = anomalies_detecter(
        session=session, montant=montant, paiement=paiement, facture=paiement.facture
    )
    anomalies = list(globales)
    factures = list(
        Facture.objects.select_for_update()
        .select_related("famille", "regie")
        .filter(pk__in=[ligne.facture_id for ligne in lignes])
        .order_by("pk")
    )
    par_pk = {f.pk: f for f in factures}
    a_payer, plafonds = [], {}
    for ligne in lignes:
        facture = par_pk[ligne.facture_id]
        reste = services.facture_reste_du(facture=facture)
        if reste < ligne.montant:
            anomalies.append(
                f"facture {facture.numero} déjà réglée par un autre moyen (reste dû "
                f"{montant_fr(reste)} € au lieu de {montant_fr(ligne.montant)} €) : sa part "
                f"({montant_fr(ligne.montant)} €) n'est pas imputée"
            )
        else:
            a_payer.append(facture)
            plafonds[facture.pk] = ligne.montant
    reglement = services.reglement_enregistrer(
        famille=paiement.famille,
        regie=paiement.facture.regie,
        montant=montant,
        mode=Reglement.Mode.CARTE_EN_LIGNE,
        date=timezone.localdate(),
        origine=Reglement.Origine.EN_LIGNE,
        email_recu=_email_session(session, paiement),
        reference_externe=session["id"],
        factures=a_payer,
        affecter=bool(a_payer) and not globales,
        plafonds=plafonds,
    )
    paiement.reglement = reglement
    paiement.statut = PaiementEnLigne.Statut.PAYEE
    paiement.save(update_fields=["reglement", "statut"])
    if anomalies:
        evenement.signale = True
        evenement.motif = "; ".join(anomalies) + ". " + MOTIF_AVOIR


def _encaissement_ecrire(
    *, session, evenement, paiement, facture, famille, regie, montant, anomalies
) -> None:
    """Enregistre le règlement (affecté à la facture s'il n'y a pas d'anomalie, sinon avoir) et
    signale l'événement qui en a."""
    reglement = services.reglement_enregistrer(
        famille=famille,
        regie=regie,
        montant=montant,
        mode=Reglement.Mode.CARTE_EN_LIGNE,
        date=timezone.localdate(),
        origine=Reglement.Origine.EN_LIGNE,
        email_recu=_email_session(session, paiement),
        reference_externe=session["id"],
        factures=[facture] if facture else None,
        affecter=not anomalies,
    )
    if paiement is not None:
        paiement.reglement = reglement
        paiement.statut = PaiementEnLigne.Statut.PAYEE
        paiement.save(update_fields=["reglement", "statut"])
    if anomalies:
        evenement.signale = True
        evenement.motif = "; ".join(anomalies) + ". " + MOTIF_AVOIR


# --- Rattrapage ------------------------------------------------------------------------------


def evenements_retraiter() -> list[EvenementPaiement]:
    """Retraite les événements en échec (commande `paiements_retraiter`)."""
    return [
        evenement_traiter(evenement=e)
        for e in EvenementPaiement.objects.filter(statut=EvenementPaiement.Statut.ECHEC).order_by(
            "date_reception"
        )
    ]


def rapprocher(*, jours: int) -> int:
    """Encaisse les paiements de ces `jours` derniers jours dont la notification n'est jamais
    arrivée : sessions payées chez Stripe (si Stripe est configuré), tentatives PayFiP sans
    règlement (demandées une à une à PayFiP) ; renvoie le nombre de paiements rattrapés."""
    rattrapees = 0
    if stripe_configure():
        for session_id, session in prestataires.STRIPE.sessions_payees(jours=jours):
            if Reglement.objects.filter(reference_externe=session_id).exists():
                continue
            donnees = {"id": f"rapprochement_{session_id}", "type": COMPLETED, "data": {"object": session}}
            evenement = _evenement_stocker(donnees=donnees, payload=json.dumps(donnees))
            evenement_traiter(evenement=evenement)
            rattrapees += 1
    interrogeables = [p.code for p in prestataires.PAR_CODE.values() if p.interrogeable]
    tentatives = PaiementEnLigne.objects.filter(
        prestataire__in=interrogeables,
        reglement__isnull=True,
        statut__in=[PaiementEnLigne.Statut.OUVERTE, PaiementEnLigne.Statut.EXPIREE],
        date_creation__gte=timezone.now() - timedelta(days=jours),
    ).exclude(session_id=None)
    for tentative in tentatives.order_by("date_creation"):
        statut_actualiser(paiement=tentative, origine="rapprochement")
        if Reglement.objects.filter(reference_externe=tentative.session_id).exists():
            rattrapees += 1
    return rattrapees


def rapprochement_possible() -> bool:
    """Stripe configuré, ou des tentatives PayFiP à vérifier."""
    return (
        stripe_configure()
        or Regie.objects.filter(prestataire_paiement=Regie.PrestatairePaiement.PAYFIP).exists()
    )


# --- Banque simulée (démonstration) ----------------------------------------------------------


def banque_simulee_ouverte(paiement: PaiementEnLigne) -> bool:
    """La page de la banque simulée ne sert qu'en démonstration, aux tentatives simulées."""
    return bool(settings.DEMO) and paiement.prestataire == PaiementEnLigne.Prestataire.SIMULE


def banque_simulee_payer(*, paiement: PaiementEnLigne) -> EvenementPaiement:
    """Ce que ferait Stripe après un paiement réussi : un événement signé, livré au même code."""
    if not banque_simulee_ouverte(paiement):
        raise PaiementImpossible(ERREUR_DEMO)
    paiement = PaiementEnLigne.objects.select_related("facture__regie", "famille").get(pk=paiement.pk)
    payload = evenement_paye(paiement)
    return evenement_recevoir(payload=payload, signature=signer(payload, secret_webhook()))


def payfip_simule_operation(idop: str) -> dict | None:
    """Démonstration : ce que le PayFiP simulé sait de l'opération (montant, refdet, objet)."""
    if not settings.DEMO:
        return None
    return PAYFIP_FACTICE.operation(idop)


def payfip_simule_terminer(*, idop: str, resultrans: str) -> str:
    """Démonstration : le parent termine sur la page du PayFiP simulé (P payé, R refusé, A
    abandonné). Le faux service note le résultat et notifie le portail comme PayFiP le fait ;
    renvoie l'adresse de retour du parent (urlredirect)."""
    if not settings.DEMO:
        raise PaiementImpossible(ERREUR_DEMO)
    operation = PAYFIP_FACTICE.payer(idop, resultrans=resultrans)
    try:
        notification_recevoir(corps=f"idOp={idop}".encode())
    except NotificationInconnue:
        logger.warning("PayFiP simulé : opération %s inconnue du portail", idop)
    return operation["urlredirect"]
