"""PayFiP (DGFiP) par le web service de paiement sécurisé, au travers d'eopayment
(`eopayment.payfip_ws`, Entr'ouvert).

- Démarrer : `creerPaiementSecurise` (numcli, exer, refdet, montant, mel, saisie T/X/W,
  urlnotif, urlredirect) rend un `idOp` ; le parent paie sur
  https://www.payfip.gouv.fr/tpa/paiementws.web?idop=….
- Notification : PayFiP poste `idOp=…` à urlnotif, sans signature. Le portail ne croit que la
  réponse de `recupererDetailPaiementSecurise(idOp)` (resultrans P/V payé, R/Z refusé, A
  abandonné ; code P5 : pas encore de résultat ; P1 : opération inconnue ou expirée).
- Un `refdet` par transaction : une facture par paiement.

eopayment parle SOAP par zeep, qui passe par `requests` : le transport ci-dessous envoie à
`PAYFIP_URL_SERVICE` quand il est réglé (le faux service des tests, sur la boucle locale),
sinon à l'adresse du WSDL de la DGFiP.
"""

import json
import re
import threading
from datetime import timedelta
from decimal import Decimal

import eopayment
import zeep
from django.conf import settings
from eopayment.payfip_ws import PayFiPError

from commun.formats import montant_fr
from facturation.models import EvenementPaiement, Facture, PaiementEnLigne, Regie
from facturation.paiement.erreurs import PaiementImpossible
from facturation.paiement.prestataires.base import (
    ANNULE,
    ATTENTE,
    ECHEC,
    EXPIRE,
    IGNORE,
    PAYE,
    Constat,
    Prestataire,
    Urls,
)

URL_SERVICE_DGFIP = "https://www.payfip.gouv.fr/tpa/services/securite"
DELAI = 15  # secondes, par appel au web service
MINIMUM = Decimal("1.00")  # PayFiP refuse moins d'un euro
ERREUR_MINIMUM = (
    "Le paiement en ligne de cette régie (PayFiP) n'accepte pas moins de {minimum} € : réglez cette "
    "facture par un autre moyen."
)
ERREUR_EMAIL = (
    "PayFiP demande une adresse email de 6 à 80 caractères pour le reçu : saisissez-en une plus courte."
)
MOTIF_EN_COURS = "Paiement PayFiP en cours : pas encore de résultat."
MOTIF_INCONNU = "Résultat PayFiP inconnu ({resultat}) : à vérifier."
RESULTATS = {"P": PAYE, "V": PAYE, "R": ECHEC, "Z": ECHEC, "A": ANNULE}


class Transport(zeep.Transport):
    """Le transport HTTP de zeep, vers une adresse choisie (le WSDL embarqué par eopayment
    nomme celle de la DGFiP)."""

    def __init__(self, adresse: str, session=None):
        super().__init__(session=session, operation_timeout=DELAI)
        self.adresse = adresse

    def post(self, address, message, headers):
        return super().post(self.adresse, message, headers)


def refdet(facture: Facture) -> str:
    """La référence de la dette chez PayFiP : le numéro de facture, lettres et chiffres
    seulement (AL-36 → AL36), 30 au plus."""
    return re.sub(r"[^A-Za-z0-9]", "", facture.numero)[:30] or f"F{facture.pk}"


def exer(regie: Regie, facture: Facture) -> str:
    return regie.payfip_exer or str(facture.date_facture.year)


class PayFiP(Prestataire):
    code = PaiementEnLigne.Prestataire.PAYFIP
    plusieurs_factures = False
    # Un idOp vaut 15 minutes chez PayFiP.
    duree = timedelta(minutes=15)
    erreurs = (PayFiPError,)
    interrogeable = True

    _clients: dict[str, object] = {}
    _verrou = threading.Lock()

    def adresse(self) -> str:
        return settings.PAYFIP_URL_SERVICE or URL_SERVICE_DGFIP

    def session_http(self):
        return None

    def url_page(self, *, idop: str, url: str, urls: Urls) -> str:
        return url

    def _service(self):
        """Le client SOAP d'eopayment (le WSDL lu une fois par adresse et par processus)."""
        adresse = self.adresse()
        cle = f"{self.code} {adresse}"
        with self._verrou:
            if cle not in self._clients:
                self._clients[cle] = eopayment.payfip_ws.PayFiP(
                    zeep_client_kwargs={"transport": Transport(adresse, session=self.session_http())}
                )
            return self._clients[cle]

    def _backend(self, regie: Regie, urls: Urls | None = None):
        options = {
            "numcli": regie.payfip_numcli,
            "saisie": regie.payfip_mode,
            "normal_return_url": urls.retour_externe if urls else "",
            "automatic_return_url": urls.notification if urls else "",
        }
        paiement = eopayment.Payment(eopayment.PAYFIP_WS, options)
        paiement.backend.payfip = self._service()
        return paiement

    def minimum(self, regie):
        return MINIMUM

    def demarrer(self, *, paiement, factures, urls):
        ((facture, reste),) = factures
        regie = facture.regie
        if reste < MINIMUM:
            raise PaiementImpossible(ERREUR_MINIMUM.format(minimum=montant_fr(MINIMUM)))
        if not 6 <= len(paiement.email) <= 80:
            raise PaiementImpossible(ERREUR_EMAIL)
        idop, _, url = self._backend(regie, urls).request(
            reste,
            email=paiement.email,
            refdet=refdet(facture),
            exer=exer(regie, facture),
            subject=f"Facture {facture.numero} famille {paiement.famille.numero}",
        )
        return idop, self.url_page(idop=idop, url=url, urls=urls)

    def lire(self, evenement: EvenementPaiement) -> Constat:
        """Interroge PayFiP (`recupererDetailPaiementSecurise`) : la notification ne prouve rien
        par elle-même. La réponse est gardée dans l'événement."""
        idop = evenement.session_id
        paiement = (
            PaiementEnLigne.objects.select_related("facture__regie", "famille")
            .filter(session_id=idop)
            .first()
        )
        if paiement is None:
            return Constat(IGNORE, motif="Opération PayFiP inconnue du portail.")
        regie = paiement.facture.regie
        reponse = self._backend(regie).payment_status(idop, transaction_date=paiement.date_creation)
        banque = {k: v for k, v in (reponse.bank_data or {}).items() if isinstance(v, str | None)}
        try:
            contenu = json.loads(evenement.payload)
        except ValueError:
            contenu = {"notification": evenement.payload}
        contenu["reponse"] = banque or reponse.bank_status
        evenement.payload = json.dumps(contenu)
        if reponse.result == eopayment.EXPIRED:
            return Constat(EXPIRE, {"id": idop})
        resultat = RESULTATS.get(banque.get("resultrans") or "")
        if resultat is None:
            if reponse.result == eopayment.WAITING:
                return Constat(ATTENTE, {"id": idop}, motif=MOTIF_EN_COURS, definitif=False)
            motif = MOTIF_INCONNU.format(resultat=banque.get("resultrans") or reponse.bank_status)
            return Constat(ATTENTE, {"id": idop}, motif=motif, definitif=False)
        concorde = banque.get("refdet") == refdet(paiement.facture) and banque.get("numcli") == (
            regie.payfip_numcli or banque.get("numcli")
        )
        reference = str(paiement.facture_id) if concorde else f"refdet {banque.get('refdet')}"
        montant = banque.get("montant") or ""
        session = {
            "id": idop,
            "amount_total": int(montant) if montant.isdigit() else 0,
            "currency": "eur",
            "client_reference_id": reference,
            "metadata": {
                "facture_id": reference,
                "famille_numero": paiement.famille.numero,
                "regie": regie.code,
            },
            "customer_email": banque.get("mel") or paiement.email,
        }
        return Constat(resultat, session)
