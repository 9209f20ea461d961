"""Paiement en ligne des factures par Stripe Checkout : rien de perdu, rien de payé deux fois.

- `paiement_demarrer` crée (ou réutilise) la session de paiement d'une facture, sous verrou de
  la facture, avec une clé d'idempotence par facture et par tentative.
- `evenement_recevoir` vérifie la signature du webhook sur le corps brut, **stocke** l'événement
  (identifiant unique), puis le traite dans une autre transaction ; un échec laisse l'événement
  « en échec » (commande `paiements_retraiter`).
- L'encaissement est idempotent par session : un seul règlement par session (contrainte
  d'unicité sur `Reglement.reference_externe` et verrou de la tentative). Toute incohérence
  (montant, devise, facture, facture déjà payée) : l'argent est enregistré en avoir, non imputé,
  et l'événement est signalé au personnel.
- Sans clés Stripe, en démonstration (DEMO=1), une banque simulée signe un événement avec le même
  schéma et le fait passer par le même code.
"""

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from datetime import timedelta
from decimal import Decimal

import stripe
from django.conf import settings
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
from familles.models import Famille

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

# Stripe impose au moins 30 minutes ; la marge couvre le délai de l'appel.
DUREE_SESSION = timedelta(minutes=35)
TOLERANCE_SIGNATURE = 300
SECRET_DEMO = "whsec_banque_simulee_demonstration"  # noqa: S105  # nosec B105 (démonstration seulement)

COMPLETED = "checkout.session.completed"
ASYNC_OK = "checkout.session.async_payment_succeeded"
ASYNC_ECHEC = "checkout.session.async_payment_failed"
EXPIRED = "checkout.session.expired"

# Remplacé dans les tests par un faux client HTTP (aucun accès réseau).
HTTP_CLIENT: stripe.HTTPClient | None = None


class PaiementImpossible(Exception):
    pass


class SignatureInvalide(Exception):
    """Rien n'est sûr (signature absente, fausse, périmée ou datée du futur) : 400."""


class CorpsIllisible(SignatureInvalide):
    """Signé, mais illisible (pas du JSON, trop imbriqué, pas un objet) : 400, rien d'écrit."""


# Ce qu'un identifiant et un type d'événement Stripe peuvent être (evt_1Nz…, checkout.session.…) ;
# autre chose est enregistré sans traitement et signalé (les colonnes font 255 et 100 caractères).
IDENTIFIANT_VALIDE = re.compile(r"[A-Za-z0-9_.:-]{1,255}")
TYPE_VALIDE = re.compile(r"[a-z0-9_.]{1,100}")
TYPES_TRAITES = frozenset({COMPLETED, ASYNC_OK, ASYNC_ECHEC, EXPIRED})
MOTIF_INVALIDE = "Événement enregistré sans traitement, à vérifier : {anomalies}."


def stripe_configure() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def simule() -> bool:
    """La banque simulée : seulement en démonstration et sans clés Stripe."""
    return settings.DEMO and not stripe_configure()


def disponible() -> bool:
    return stripe_configure() or settings.DEMO


def secret_webhook() -> str:
    if stripe_configure():
        return settings.STRIPE_WEBHOOK_SECRET
    return SECRET_DEMO if settings.DEMO else ""


def client() -> stripe.StripeClient:
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, http_client=HTTP_CLIENT, max_network_retries=2)


def centimes(montant: Decimal) -> int:
    return int((montant * 100).to_integral_value())


def _metadata(paiement: PaiementEnLigne, factures: list[Facture] | None = None) -> dict:
    """`facture_id` : la première facture ; `factures` (plusieurs factures seulement) : toutes."""
    facture = paiement.facture
    metadata = {
        "facture_id": str(facture.pk),
        "facture_numero": facture.numero,
        "regie": facture.regie.code,
        "famille_numero": paiement.famille.numero,
        "paiement_id": str(paiement.pk),
        "tentative": str(paiement.tentative),
    }
    if factures and len(factures) > 1:
        metadata["factures"] = ",".join(str(f.pk) for f in factures)
    return metadata


# --- Démarrer un paiement --------------------------------------------------------------------


@transaction.atomic
def paiement_demarrer(*, facture: Facture, famille: Famille, email: str, url_base: str) -> PaiementEnLigne:
    """La session de paiement de la facture : l'ouverte si elle vaut toujours (même montant,
    même email), sinon une nouvelle, l'ancienne expirée d'abord. Le montant est le reste dû,
    calculé ici, jamais reçu du formulaire."""
    if not disponible():
        raise PaiementImpossible(ERREUR_INDISPONIBLE)
    facture = Facture.objects.select_for_update().select_related("regie").get(pk=facture.pk, famille=famille)
    reste = services.facture_reste_du(facture=facture)
    if reste <= 0:
        raise PaiementImpossible(ERREUR_DEJA_PAYEE)
    maintenant = timezone.now()
    for ouverte in PaiementEnLigne.objects.filter(facture=facture, statut=PaiementEnLigne.Statut.OUVERTE):
        if (
            ouverte.expire_le > maintenant + timedelta(minutes=2)
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
    if not disponible():
        raise PaiementImpossible(ERREUR_INDISPONIBLE)
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
    """Pourquoi ces factures (annotées `reste_du` et `paiement_en_cours`, cf. les sélecteurs) ne
    se paient pas ensemble ; liste vide : elles le peuvent. Revérifié sous verrou au départ."""
    if not factures:
        return [ERREUR_AUCUNE]
    refus = []
    if len({f.regie_id for f in factures}) > 1:
        refus.append(ERREUR_REGIES)
    for facture in factures:
        if facture.reste_du <= 0:
            refus.append(ERREUR_UNE_DEJA_PAYEE.format(numero=facture.numero))
        elif facture.paiement_en_cours and len(factures) > 1:
            refus.append(ERREUR_EN_COURS.format(numero=facture.numero))
    return refus


def _session_creer(
    *, factures: list[tuple[Facture, Decimal]], famille: Famille, email: str, url_base: str
) -> PaiementEnLigne:
    """Le paiement (une ligne par facture) et sa session Stripe (un article par facture)."""
    facture = factures[0][0]
    montant = sum((reste for _, reste in factures), Decimal("0.00"))
    maintenant = timezone.now()
    tentative = (PaiementEnLigne.objects.filter(facture=facture).aggregate(n=Max("tentative"))["n"] or 0) + 1
    paiement = PaiementEnLigne.objects.create(
        facture=facture,
        famille=famille,
        tentative=tentative,
        montant=montant,
        email=email,
        prestataire=(PaiementEnLigne.Prestataire.SIMULE if simule() else PaiementEnLigne.Prestataire.STRIPE),
        expire_le=maintenant + DUREE_SESSION,
    )
    LignePaiement.objects.bulk_create(
        LignePaiement(paiement=paiement, facture=f, montant=reste) for f, reste in factures
    )
    paiement.famille = famille
    paiement.facture = facture
    base = url_base.rstrip("/")
    retour = base + reverse("facturation:paiement_retour", kwargs={"pk": paiement.pk})
    annulation = base + reverse("facturation:paiement_annuler", kwargs={"pk": paiement.pk})
    if simule():
        paiement.session_id = f"cs_demo_{secrets.token_hex(12)}"
        paiement.url = base + reverse("banque_simulee:banque", kwargs={"pk": paiement.pk})
    else:
        metadata = _metadata(paiement, [f for f, _ in factures])
        numeros = ", ".join(f.numero for f, _ in factures)
        session = client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": "eur",
                            "unit_amount": centimes(reste),
                            "product_data": {"name": f"Facture {f.numero} — {f.regie.nom}"},
                        },
                    }
                    for f, reste in factures
                ],
                "customer_email": email,
                "client_reference_id": str(facture.pk),
                "metadata": metadata,
                "payment_intent_data": {
                    "receipt_email": email,
                    "metadata": metadata,
                    "description": f"Facture{'s' if len(factures) > 1 else ''} {numeros}",
                },
                "success_url": retour,
                "cancel_url": annulation,
                "expires_at": int(paiement.expire_le.timestamp()),
                "locale": "fr",
            },
            options={"idempotency_key": paiement.cle_idempotence},
        )
        paiement.session_id = session.id
        paiement.url = session.url
    paiement.save(update_fields=["session_id", "url"])
    return paiement


def _session_expirer(paiement: PaiementEnLigne, *, strict: bool = True) -> None:
    """Ferme une session ouverte (chez Stripe d'abord : elle ne pourra plus être payée).

    `strict` : si Stripe ne répond pas, on refuse d'ouvrir une autre session (le parent
    pourrait payer les deux) ; sinon (annulation par le parent) on note seulement l'incident.
    """
    if (
        paiement.prestataire == PaiementEnLigne.Prestataire.STRIPE
        and paiement.session_id
        and stripe_configure()
    ):
        try:
            client().v1.checkout.sessions.expire(paiement.session_id)
        except stripe.InvalidRequestError:
            # Déjà expirée ou payée : si elle est payée, le webhook l'encaissera (en avoir si
            # la facture a été réglée entre-temps).
            logger.warning("Session %s non expirée chez Stripe", paiement.session_id)
        except stripe.StripeError:
            logger.exception("Session %s : Stripe injoignable", paiement.session_id)
            if strict:
                raise
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
    defaults = {"type": type_, "payload": payload, "session_id": session_id}
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


def _appliquer(evenement: EvenementPaiement) -> None:
    session = json.loads(evenement.payload)["data"]["object"]
    evenement.statut = EvenementPaiement.Statut.TRAITE
    if evenement.type == COMPLETED:
        if session.get("payment_status") == "paid":
            _encaisser(session, evenement)
        else:
            evenement.motif = "Paiement différé : en attente de confirmation de la banque."
    elif evenement.type == ASYNC_OK:
        _encaisser(session, evenement)
    elif evenement.type in (ASYNC_ECHEC, EXPIRED):
        statut = (
            PaiementEnLigne.Statut.ECHOUEE
            if evenement.type == ASYNC_ECHEC
            else PaiementEnLigne.Statut.EXPIREE
        )
        PaiementEnLigne.objects.filter(
            session_id=session.get("id"), statut=PaiementEnLigne.Statut.OUVERTE
        ).update(statut=statut)
    else:
        evenement.statut = EvenementPaiement.Statut.IGNORE


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
    """Encaisse les sessions payées chez Stripe ces `jours` derniers jours dont l'événement
    n'est jamais arrivé (webhooks perdus) ; renvoie le nombre de sessions rattrapées."""
    depuis = int((timezone.now() - timedelta(days=jours)).timestamp())
    rattrapees = 0
    sessions = client().v1.checkout.sessions.list(
        params={"created": {"gte": depuis}, "status": "complete", "limit": 100}
    )
    for session in sessions.auto_paging_iter():
        if session.payment_status != "paid":
            continue
        if Reglement.objects.filter(reference_externe=session.id).exists():
            continue
        donnees = {
            "id": f"rapprochement_{session.id}",
            "type": COMPLETED,
            "data": {"object": session.to_dict()},
        }
        evenement = _evenement_stocker(donnees=donnees, payload=json.dumps(donnees))
        evenement_traiter(evenement=evenement)
        rattrapees += 1
    return rattrapees


# --- Banque simulée (démonstration) ----------------------------------------------------------


def banque_simulee_payer(*, paiement: PaiementEnLigne) -> EvenementPaiement:
    """Ce que ferait Stripe après un paiement réussi : un événement signé, livré au même code."""
    if not simule():
        raise PaiementImpossible(ERREUR_INDISPONIBLE)
    paiement = PaiementEnLigne.objects.select_related("facture__regie", "famille").get(pk=paiement.pk)
    factures = [ligne.facture for ligne in paiement.lignes.select_related("facture")]
    donnees = {
        "id": f"evt_demo_{secrets.token_hex(12)}",
        "object": "event",
        "type": COMPLETED,
        "data": {
            "object": {
                "id": paiement.session_id,
                "object": "checkout.session",
                "amount_total": centimes(paiement.montant),
                "currency": "eur",
                "payment_status": "paid",
                "status": "complete",
                "client_reference_id": str(paiement.facture_id),
                "customer_email": paiement.email,
                "customer_details": {"email": paiement.email},
                "metadata": _metadata(paiement, factures),
            }
        },
    }
    payload = json.dumps(donnees).encode()
    return evenement_recevoir(payload=payload, signature=signer(payload, secret_webhook()))
