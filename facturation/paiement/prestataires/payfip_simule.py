"""PayFiP simulé : le web service de la DGFiP imité, pour la démonstration (DEMO=1) et les tests.

`ServiceFactice` répond aux trois opérations du WSDL de PayFiP (`creerPaiementSecurise`,
`recupererDetailPaiementSecurise`, `recupererDetailClient`) avec les enveloppes SOAP et les
erreurs fonctionnelles (FonctionnelleErreur P1, P5) que le service documente ; il garde ses
opérations dans le cache de Django. En démonstration, eopayment lui parle par un adaptateur
`requests` dans le processus (aucune connexion) et la page de paiement est une page du portail ;
les tests le servent en HTTP sur la boucle locale (`tests/payfip_factice.py`).
"""

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import requests
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from facturation.models import PaiementEnLigne
from facturation.paiement.prestataires.payfip import PayFiP

ADRESSE = "http://payfip-simule.invalid/tpa/services/securite"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
CHAMPS_DETAIL = (
    "dattrans",
    "exer",
    "heurtrans",
    "idOp",
    "mel",
    "montant",
    "numauto",
    "numcli",
    "objet",
    "refdet",
    "resultrans",
    "saisie",
)
DUREE = 60 * 60 * 24 * 2  # secondes : PayFiP oublie un idOp la nuit suivante (P1)
FAUTE_FONCTIONNELLE = "fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur"
_PARSEUR = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _enveloppe(corps: etree._Element) -> bytes:
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"S": SOAP})
    etree.SubElement(env, f"{{{SOAP}}}Body").append(corps)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def _faute(code: str, libelle: str) -> tuple[int, bytes]:
    faute = etree.Element(f"{{{SOAP}}}Fault")
    etree.SubElement(faute, "faultcode").text = "S:Server"
    etree.SubElement(
        faute, "faultstring"
    ).text = "fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur"
    detail = etree.SubElement(faute, "detail")
    erreur = etree.SubElement(detail, f"{{{NS}}}FonctionnelleErreur", nsmap={"ns2": NS})
    for nom, valeur in (("code", code), ("descriptif", libelle), ("libelle", libelle), ("severite", "2")):
        etree.SubElement(erreur, nom).text = valeur
    return 500, _enveloppe(faute)


def _reponse(operation: str, champs: dict) -> tuple[int, bytes]:
    element = etree.Element(f"{{{NS}}}{operation}Response", nsmap={"ns2": NS})
    retour = etree.SubElement(element, "return")
    for nom, valeur in champs.items():
        if valeur is not None:
            etree.SubElement(retour, nom).text = valeur
    return 200, _enveloppe(element)


class ServiceFactice:
    """Le web service de PayFiP, imité ; `payer` joue ce que le parent fait sur la page."""

    prefixe = "payfip_simule:"

    def operation(self, idop: str) -> dict | None:
        return cache.get(self.prefixe + idop)

    def _garder(self, idop: str, operation: dict) -> None:
        cache.set(self.prefixe + idop, operation, DUREE)

    def repondre(self, corps: bytes) -> tuple[int, bytes]:
        try:
            racine = etree.fromstring(corps, parser=_PARSEUR)
            (requete,) = racine.find(f"{{{SOAP}}}Body")
        except (etree.XMLSyntaxError, TypeError, ValueError):
            return _faute("T1", "Requête illisible")
        arguments = requete.find("arg0")
        champs = {_local(e.tag): (e.text or "") for e in (arguments if arguments is not None else [])}
        operation = _local(requete.tag)
        if operation == "creerPaiementSecurise":
            return self._creer(champs)
        if operation == "recupererDetailPaiementSecurise":
            return self._detail(champs.get("idOp", ""))
        if operation == "recupererDetailClient":
            return _reponse(operation, {"libelleN1": "REGIE SIMULEE", "numcli": champs.get("numCli")})
        return _faute("T2", "Opération inconnue")

    def _creer(self, champs: dict) -> tuple[int, bytes]:
        if not (champs.get("numcli", "").isdigit() and len(champs["numcli"]) == 6):
            return _faute("A2", "Numéro client invalide")
        if not champs.get("montant", "").isdigit() or not champs.get("refdet"):
            return _faute("R3", "Montant ou référence invalide")
        idop = str(uuid.uuid4())
        self._garder(idop, {**champs, "idOp": idop, "resultrans": None})
        return _reponse("creerPaiementSecurise", {"idOp": idop})

    def _detail(self, idop: str) -> tuple[int, bytes]:
        operation = self.operation(idop)
        if operation is None:
            return _faute("P1", "IdOp incorrect.")
        if not operation.get("resultrans"):
            return _faute("P5", "Résultat de la transaction non connu.")
        return _reponse("recupererDetailPaiementSecurise", {k: operation.get(k) for k in CHAMPS_DETAIL})

    def payer(self, idop: str, *, resultrans: str = "P", il_y_a: timedelta = timedelta(0), **modifie) -> dict:
        """Le parent termine sur la page : P (carte) ou V (prélèvement) payé, R/Z refusé, A
        abandonné ; `modifie` change ce que PayFiP répondra (montant, refdet…)."""
        operation = self.operation(idop)
        if operation is None:
            raise KeyError(idop)
        moment = (timezone.now() - il_y_a).astimezone(ZoneInfo("Europe/Paris"))
        operation.update(
            resultrans=resultrans,
            dattrans=moment.strftime("%d%m%Y"),
            heurtrans=moment.strftime("%H%M"),
            numauto="112233" if resultrans in ("P", "V") else "",
            **modifie,
        )
        self._garder(idop, operation)
        return operation


SERVICE = ServiceFactice()


class Adaptateur(requests.adapters.BaseAdapter):
    """Un adaptateur `requests` qui remet la requête au faux service, dans le processus."""

    def __init__(self, service: ServiceFactice):
        super().__init__()
        self.service = service

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        corps = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        statut, contenu = self.service.repondre(corps)
        reponse = requests.Response()
        reponse.status_code = statut
        reponse._content = contenu
        reponse.headers["Content-Type"] = "text/xml; charset=utf-8"
        reponse.url = request.url
        reponse.request = request
        reponse.encoding = "utf-8"
        return reponse

    def close(self):
        pass


class PayFiPSimule(PayFiP):
    code = PaiementEnLigne.Prestataire.PAYFIP_SIMULE
    simulation = "un PayFiP simulé"

    def adresse(self):
        return ADRESSE

    def session_http(self):
        session = requests.Session()
        session.mount("http://payfip-simule.invalid/", Adaptateur(SERVICE))
        return session

    def url_page(self, *, idop, url, urls):
        return urls.base + reverse("payfip_simule:page") + f"?idop={idop}"
