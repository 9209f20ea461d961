"""Un faux web service PayFiP sur la boucle locale (127.0.0.1, port libre) : eopayment lui parle
en SOAP par HTTP comme à celui de la DGFiP (`PAYFIP_URL_SERVICE`). Il répond avec le service
imité de la démonstration (`facturation.paiement.prestataires.payfip_simule.ServiceFactice`),
qui suit le WSDL et les erreurs documentées de PayFiP (P1 opération inconnue, P5 pas encore de
résultat) ; chaque requête reçue est gardée pour les assertions. Aucun accès réseau."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lxml import etree

from facturation.paiement.prestataires.payfip_simule import SERVICE, _local


class _Gestionnaire(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (nom imposé par http.server)
        corps = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requetes.append({"chemin": self.path, "entetes": dict(self.headers), "corps": corps})
        if self.server.en_panne:
            statut, contenu = 503, b"<html>Service indisponible</html>"
        else:
            statut, contenu = SERVICE.repondre(corps)
        self.send_response(statut)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(contenu)))
        self.end_headers()
        self.wfile.write(contenu)

    def log_message(self, *args):
        pass


class FauxPayFiP:
    """Le serveur, ses requêtes reçues, et ce que le parent fait sur la page (`payer`)."""

    def __init__(self):
        self.serveur = ThreadingHTTPServer(("127.0.0.1", 0), _Gestionnaire)
        self.serveur.requetes = []
        self.serveur.en_panne = False
        self.serveur.daemon_threads = True
        self.fil = threading.Thread(target=self.serveur.serve_forever, daemon=True)
        self.fil.start()

    @property
    def adresse(self) -> str:
        return f"http://127.0.0.1:{self.serveur.server_address[1]}/tpa/services/securite"

    @property
    def requetes(self) -> list[dict]:
        return self.serveur.requetes

    def en_panne(self, valeur: bool = True) -> None:
        self.serveur.en_panne = valeur

    def operations(self, nom: str) -> list[dict]:
        """Les requêtes SOAP d'une opération (`creerPaiementSecurise`…), champs de arg0 lus."""
        resultat = []
        for requete in self.requetes:
            racine = etree.fromstring(requete["corps"])
            (operation,) = racine.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
            if _local(operation.tag) == nom:
                arg0 = operation.find("arg0")
                resultat.append({_local(e.tag): e.text for e in arg0})
        return resultat

    def payer(self, idop: str, **kwargs) -> dict:
        return SERVICE.payer(idop, **kwargs)

    def arreter(self) -> None:
        self.serveur.shutdown()
        self.serveur.server_close()
