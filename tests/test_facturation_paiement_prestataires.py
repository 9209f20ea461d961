"""Les mêmes épreuves pour chaque prestataire (Stripe, PayFiP) : la notification (webhook
Stripe signé, notification PayFiP) rejouée 3 fois ou livrée 10 fois en parallèle n'encaisse
qu'une fois ; le retour du parent sans notification est rattrapé par la question « où en est ce
paiement ? » (`paiements_rapprocher`) ; montant ou facture qui ne correspondent pas : un avoir
signalé ; refusé ou abandonné : la facture reste à payer et le parent le lit en français ; le
reçu se télécharge. Aucun accès réseau : Stripe par un faux client HTTP, PayFiP par un faux web
service sur la boucle locale."""

import datetime
import io
import json
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from facturation import paiement, services
from facturation.models import EvenementPaiement, PaiementEnLigne, Reglement
from tests.factories import FactureFactory, RegieFactory, famille_avec_parent, regler
from tests.payfip_factice import FauxPayFiP
from tests.test_facturation_paiement import SECRET, FauxStripe, evenement, signer

pytestmark = pytest.mark.django_db


class ScenarioStripe:
    """Stripe : le paiement chez Stripe est un événement signé, livré au webhook."""

    nom = "stripe"

    def __init__(self, settings, monkeypatch):
        settings.STRIPE_SECRET_KEY = "sk_test_cle"
        settings.STRIPE_WEBHOOK_SECRET = SECRET
        self.faux = FauxStripe()
        monkeypatch.setattr(paiement, "HTTP_CLIENT", self.faux)
        self.session = {}

    def regie(self):
        return RegieFactory(prestataire_paiement="stripe")

    def payer(self, tentative, **modifie):
        """Le parent paie chez Stripe (ce que l'événement dira)."""
        self.session = modifie

    def refuser(self, tentative):
        self.payer(tentative, payment_status="unpaid")
        self.type_ = paiement.ASYNC_ECHEC

    def abandonner(self, tentative):
        self.payer(tentative, payment_status="unpaid")
        self.type_ = paiement.EXPIRED

    type_ = paiement.COMPLETED

    def _donnees(self, tentative):
        modifie = dict(self.session)
        if "montant" in modifie:
            modifie["amount_total"] = paiement.centimes(modifie.pop("montant"))
        if modifie.pop("autre_facture", False):
            modifie["client_reference_id"] = "999999"
        return evenement(self.type_, tentative, **modifie)

    def livraison(self, tentative):
        """Une livraison de la notification (appel direct du service, comme la vue)."""
        payload = json.dumps(self._donnees(tentative)).encode()
        return lambda: paiement.evenement_recevoir(payload=payload, signature=signer(payload))

    def notifier(self, client, tentative):
        payload = json.dumps(self._donnees(tentative)).encode()
        return client.post(
            "/paiements/stripe/webhook/",
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signer(payload),
        )

    def perdre_la_notification(self, tentative):
        """Payé chez Stripe, webhook jamais arrivé : la session est dans la liste de Stripe."""
        self.faux.sessions_listees = [self._donnees(tentative)["data"]["object"]]


class ScenarioPayFiP:
    """PayFiP : le parent paie sur la page de PayFiP (le faux service le note) ; PayFiP poste
    `idOp=…` à l'adresse de notification, le portail demande le résultat."""

    nom = "payfip"

    def __init__(self, settings, monkeypatch):
        settings.DEMO = False
        self.faux = FauxPayFiP()
        settings.PAYFIP_URL_SERVICE = self.faux.adresse

    def regie(self):
        return RegieFactory(prestataire_paiement="payfip", payfip_numcli="123456")

    def payer(self, tentative, **modifie):
        if "montant" in modifie:
            modifie["montant"] = str(paiement.centimes(modifie["montant"]))
        if modifie.pop("autre_facture", False):
            modifie["refdet"] = "AL999"
        self.faux.payer(tentative.session_id, **modifie)

    def refuser(self, tentative):
        self.faux.payer(tentative.session_id, resultrans="R")

    def abandonner(self, tentative):
        self.faux.payer(tentative.session_id, resultrans="A")

    def livraison(self, tentative):
        corps = f"idOp={tentative.session_id}".encode()
        return lambda: paiement.notification_recevoir(corps=corps)

    def notifier(self, client, tentative):
        return client.post(
            "/paiements/payfip/notification/",
            f"idOp={tentative.session_id}",
            content_type="application/x-www-form-urlencoded",
        )

    def perdre_la_notification(self, tentative):
        self.payer(tentative)


@pytest.fixture(params=[ScenarioStripe, ScenarioPayFiP], ids=["stripe", "payfip"])
def prestataire(request, settings, monkeypatch):
    scenario = request.param(settings, monkeypatch)
    yield scenario
    if isinstance(scenario, ScenarioPayFiP):
        scenario.faux.arreter()


@pytest.fixture
def facture(parent, prestataire):
    return FactureFactory(
        famille=parent.famille,
        regie=prestataire.regie(),
        numero="AL-36",
        montant=Decimal("120.60"),
        quantite=Decimal("37.6875"),
        date_facture=datetime.date(2015, 4, 8),
    )


@pytest.fixture
def tentative(client_parent, facture, prestataire):
    reponse = client_parent.post(f"/releve/factures/{facture.pk}/payer/", {"email": "recu@example.fr"})
    assert reponse.status_code == 303
    tentative = PaiementEnLigne.objects.get()
    assert tentative.prestataire == prestataire.nom
    return tentative


def reglements():
    return list(Reglement.objects.filter(mode=Reglement.Mode.CARTE_EN_LIGNE))


def test_notification_rejouee_trois_fois(client, tentative, prestataire, facture):
    prestataire.payer(tentative)
    for _ in range(3):
        assert prestataire.notifier(client, tentative).status_code == 200
    (reglement,) = reglements()
    assert reglement.reference_externe == tentative.session_id
    assert reglement.numero == "WEB-AL-1"
    assert list(reglement.affectations.values_list("facture_id", "montant")) == [
        (facture.pk, Decimal("120.60"))
    ]
    assert EvenementPaiement.objects.count() == 1
    assert services.facture_reste_du(facture=facture) == 0
    tentative.refresh_from_db()
    assert tentative.statut == "payee" and tentative.reglement == reglement


@pytest.mark.django_db(transaction=True)
def test_dix_livraisons_en_parallele(prestataire, client):
    """Sur PostgreSQL, dix fils livrent la même notification ensemble (verrous réels) ; sur
    SQLite (un seul écrivain), ils s'enchaînent."""
    parent = famille_avec_parent()
    facture = FactureFactory(famille=parent.famille, regie=prestataire.regie(), montant=Decimal("42.00"))
    client.force_login(parent)
    client.post(f"/releve/factures/{facture.pk}/payer/", {"email": "recu@example.fr"})
    tentative = PaiementEnLigne.objects.get()
    prestataire.payer(tentative)
    livrer = prestataire.livraison(tentative)
    parallele = connection.vendor == "postgresql"
    depart = threading.Barrier(10 if parallele else 1)
    verrou = threading.Lock()
    erreurs = []

    def fil():
        from django.db import connection as connexion_du_fil

        try:
            if parallele:
                depart.wait(timeout=10)
                livrer()
            else:
                with verrou:
                    livrer()
        except Exception as e:  # noqa: BLE001
            erreurs.append(e)
        finally:
            connexion_du_fil.close()

    fils = [threading.Thread(target=fil) for _ in range(10)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=60)
    assert erreurs == []
    assert Reglement.objects.filter(reference_externe=tentative.session_id).count() == 1
    assert EvenementPaiement.objects.count() == 1
    assert EvenementPaiement.objects.get().statut == "traite"
    assert services.facture_reste_du(facture=facture) == 0


def test_notification_perdue_rattrapee_par_le_rapprochement(client_parent, tentative, prestataire, facture):
    """Payé chez le prestataire, notification jamais arrivée, parent jamais revenu :
    `paiements_rapprocher` (planifié) le demande au prestataire et encaisse, une fois."""
    prestataire.perdre_la_notification(tentative)
    sortie = io.StringIO()
    call_command("paiements_rapprocher", "--jours", "2", stdout=sortie)
    assert "1 session(s) payée(s) rattrapée(s)" in sortie.getvalue()
    sortie = io.StringIO()
    call_command("paiements_rapprocher", "--jours", "2", stdout=sortie)
    assert "0 session(s)" in sortie.getvalue()
    assert len(reglements()) == 1
    assert services.facture_reste_du(facture=facture) == 0
    html = client_parent.get(f"/releve/paiements/{tentative.pk}/").content.decode()
    assert "Paiement confirmé." in html


def test_payfip_retour_du_parent_sans_notification(client_parent, tentative, prestataire, facture):
    """Un prestataire qui répond à « où en est ce paiement ? » (PayFiP) : la page de retour
    montre le résultat aussitôt, sans attendre la notification ni le rapprochement."""
    if prestataire.nom == "stripe":
        # Stripe ne s'interroge pas au retour : la page attend le webhook (facturation.js).
        prestataire.perdre_la_notification(tentative)
        html = client_parent.get(f"/releve/paiements/{tentative.pk}/").content.decode()
        assert "en cours de confirmation" in html and reglements() == []
        return
    prestataire.perdre_la_notification(tentative)
    etat = client_parent.get(f"/releve/paiements/{tentative.pk}/?format=json").json()
    assert etat == {"statut": "payee"}
    assert len(reglements()) == 1


@pytest.mark.parametrize("anomalie", ["montant", "facture"])
def test_incoherence_en_avoir_signale(client, tentative, prestataire, facture, anomalie):
    if anomalie == "montant":
        prestataire.payer(tentative, montant=Decimal("50.00"))
    else:
        prestataire.payer(tentative, autre_facture=True)
    assert prestataire.notifier(client, tentative).status_code == 200
    (reglement,) = reglements()
    assert reglement.affectations.count() == 0  # avoir, non imputé
    assert services.facture_reste_du(facture=facture) == Decimal("120.60")
    ev = EvenementPaiement.objects.get()
    assert ev.signale and paiement.MOTIF_AVOIR in ev.motif
    attendu = (
        "montant payé 50,00 € au lieu de 120,60 €"
        if anomalie == "montant"
        else "la référence de facture ne correspond pas"
    )
    assert attendu in ev.motif


def test_facture_reglee_entre_temps_en_avoir(client, tentative, prestataire, facture, parent):
    regler(parent.famille, facture.regie, facture.montant)
    prestataire.payer(tentative)
    prestataire.notifier(client, tentative)
    (reglement,) = reglements()
    assert reglement.affectations.count() == 0
    assert "déjà réglée par un autre moyen" in EvenementPaiement.objects.get().motif


@pytest.mark.parametrize("issue", ["refuse", "abandonne"])
def test_refuse_ou_abandonne_facture_impayee(client, client_parent, tentative, prestataire, facture, issue):
    if issue == "refuse":
        prestataire.refuser(tentative)
    else:
        prestataire.abandonner(tentative)
    assert prestataire.notifier(client, tentative).status_code == 200
    tentative.refresh_from_db()
    # Abandonné : Stripe expire la session, PayFiP dit « A » (abandon).
    attendu = {"refuse": "echouee", "abandonne": {"stripe": "expiree", "payfip": "annulee"}[prestataire.nom]}
    assert tentative.statut == attendu[issue]
    assert reglements() == []
    assert services.facture_reste_du(facture=facture) == Decimal("120.60")
    html = client_parent.get(f"/releve/paiements/{tentative.pk}/").content.decode()
    assert "Votre facture n'a pas été payée." in html
    # La facture se paie de nouveau.
    assert 'class="icone-action icone-carte"' in client_parent.get("/").content.decode()
    reponse = client_parent.post(f"/releve/factures/{facture.pk}/payer/", {"email": "recu@example.fr"})
    assert reponse.status_code == 303 and PaiementEnLigne.objects.count() == 2


def test_recu_pdf_du_paiement(client, client_parent, tentative, prestataire, facture):
    from pypdf import PdfReader

    prestataire.payer(tentative)
    prestataire.notifier(client, tentative)
    (reglement,) = reglements()
    annee = reglement.date.year
    html = client_parent.get(f"/releve/paiements/{tentative.pk}/").content.decode()
    assert f'href="/releve/reglements/{reglement.pk}/recu/"' in html
    reponse = client_parent.get(f"/releve/reglements/{reglement.pk}/recu/")
    assert reponse.status_code == 200 and reponse["Content-Type"] == "application/pdf"
    texte = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(reponse.content)).pages)
    assert f"Reçu de paiement N° R-AL-{annee}-00001" in texte
    assert "AL-36" in texte and "120,60" in texte
