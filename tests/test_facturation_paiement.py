"""Paiement en ligne (Stripe Checkout) : démarrage, webhooks signés, encaissement idempotent.

Aucun accès réseau : la couche HTTP de stripe-python est remplacée par un faux client, et les
webhooks sont signés ici avec le vrai schéma (t=…,v1=HMAC-SHA256).
"""

import datetime
import hashlib
import hmac
import io
import json
import threading
import time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe
from django.core.management import CommandError, call_command
from django.db import connection

from facturation import paiement, services
from facturation.models import EvenementPaiement, PaiementEnLigne, Reglement
from tests.factories import FactureFactory, RegieFactory, regler

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_secret"


class FauxStripe(stripe.HTTPClient):
    """Répond comme l'API Stripe ; garde chaque requête pour les assertions."""

    name = "faux"

    def __init__(self):
        super().__init__()
        self.requetes = []
        self.sessions_listees = []
        self.erreur = False

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        chemin = urlsplit(url).path
        self.requetes.append(
            {
                "methode": method,
                "chemin": chemin,
                "entetes": dict(headers or {}),
                "donnees": parse_qs(post_data or "") if post_data else {},
                "url": url,
            }
        )
        if self.erreur:
            return json.dumps({"error": {"message": "panne", "type": "api_error"}}), 500, {}
        if method == "post" and chemin == "/v1/checkout/sessions":
            n = sum(1 for r in self.requetes if r["chemin"] == chemin)
            corps = {
                "id": f"cs_test_{n}",
                "object": "checkout.session",
                "url": f"https://checkout.stripe.com/c/pay/cs_test_{n}",
            }
        elif method == "post" and chemin.endswith("/expire"):
            corps = {"id": chemin.split("/")[-2], "object": "checkout.session", "status": "expired"}
        elif method == "get" and chemin == "/v1/checkout/sessions":
            corps = {
                "object": "list",
                "data": self.sessions_listees,
                "has_more": False,
                "url": "/v1/checkout/sessions",
            }
        else:
            return json.dumps({"error": {"message": "inconnu", "type": "invalid_request_error"}}), 404, {}
        return json.dumps(corps), 200, {}

    def close(self):
        pass

    def creations(self):
        return [r for r in self.requetes if r["chemin"] == "/v1/checkout/sessions" and r["methode"] == "post"]


@pytest.fixture
def faux_stripe(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = "sk_test_cle"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    faux = FauxStripe()
    monkeypatch.setattr(paiement, "HTTP_CLIENT", faux)
    return faux


@pytest.fixture
def facture(parent):
    return FactureFactory(
        famille=parent.famille,
        regie=RegieFactory(),
        numero="AL-36",
        montant=Decimal("120.60"),
        quantite=Decimal("37.6875"),
        date_facture=datetime.date(2015, 4, 8),
    )


def payer(client, facture, email="recu@example.fr", **autres):
    return client.post(f"/releve/factures/{facture.pk}/payer/", {"email": email, **autres})


def signer(payload: bytes, secret=SECRET, horodatage=None):
    horodatage = int(time.time()) if horodatage is None else horodatage
    mac = hmac.new(secret.encode(), f"{horodatage}.".encode() + payload, hashlib.sha256)
    return f"t={horodatage},v1={mac.hexdigest()}"


def evenement(type_, tentative=None, *, evenement_id=None, **session):
    objet = {
        "id": tentative.session_id if tentative else "cs_inconnue",
        "object": "checkout.session",
        "amount_total": paiement.centimes(tentative.montant) if tentative else 1000,
        "currency": "eur",
        "payment_status": "paid",
        "status": "complete",
        "client_reference_id": str(tentative.facture_id) if tentative else "",
        "customer_details": {"email": "recu@example.fr"},
        "metadata": paiement._metadata(tentative) if tentative else {},
    }
    objet.update(session)
    return {
        "id": evenement_id or f"evt_{type_}_{objet['id']}",
        "object": "event",
        "type": type_,
        "data": {"object": objet},
    }


def envoyer(client, donnees, *, secret=SECRET, horodatage=None, signature=None):
    payload = json.dumps(donnees).encode()
    entete = signature if signature is not None else signer(payload, secret, horodatage)
    extra = {"HTTP_STRIPE_SIGNATURE": entete} if entete else {}
    return client.post("/paiements/stripe/webhook/", payload, content_type="application/json", **extra)


@pytest.fixture
def tentative(client_parent, faux_stripe, facture):
    payer(client_parent, facture)
    return PaiementEnLigne.objects.get()


def reglements_en_ligne():
    return list(Reglement.objects.filter(mode=Reglement.Mode.CARTE_EN_LIGNE))


# --- Démarrer un paiement ------------------------------------------------------------------


def test_session_checkout_parametres_exacts(client_parent, faux_stripe, facture):
    reponse = payer(client_parent, facture, montant="1.00")  # un montant posté est ignoré
    assert reponse.status_code == 303
    assert reponse["Location"] == "https://checkout.stripe.com/c/pay/cs_test_1"
    (requete,) = faux_stripe.creations()
    d = requete["donnees"]
    assert d["mode"] == ["payment"]
    assert d["line_items[0][quantity]"] == ["1"]
    assert d["line_items[0][price_data][currency]"] == ["eur"]
    assert d["line_items[0][price_data][unit_amount]"] == ["12060"]
    assert d["line_items[0][price_data][product_data][name]"] == ["Facture AL-36 — Régie garderie ALSH"]
    assert d["customer_email"] == ["recu@example.fr"]
    assert d["payment_intent_data[receipt_email]"] == ["recu@example.fr"]
    assert d["client_reference_id"] == [str(facture.pk)]
    assert d["metadata[facture_id]"] == [str(facture.pk)]
    assert d["metadata[facture_numero]"] == ["AL-36"]
    assert d["metadata[famille_numero]"] == [facture.famille.numero]
    tentative = PaiementEnLigne.objects.get()
    assert d["success_url"] == [f"http://testserver/releve/paiements/{tentative.pk}/"]
    assert d["cancel_url"] == [f"http://testserver/releve/paiements/{tentative.pk}/annuler/"]
    assert requete["entetes"]["Idempotency-Key"] == f"facture-{facture.pk}-tentative-1"
    assert requete["entetes"]["Authorization"] == "Bearer sk_test_cle"
    assert (tentative.session_id, tentative.montant, tentative.email) == (
        "cs_test_1",
        Decimal("120.60"),
        "recu@example.fr",
    )


def test_second_clic_reutilise_la_session(client_parent, faux_stripe, facture):
    premier = payer(client_parent, facture)
    second = payer(client_parent, facture)
    assert premier["Location"] == second["Location"]
    assert len(faux_stripe.creations()) == 1
    html = client_parent.get("/").content.decode()
    assert "paiement en cours" in html
    assert (
        "Un paiement est en cours"
        in client_parent.get(f"/releve/factures/{facture.pk}/payer/").content.decode()
    )


def test_autre_email_expire_l_ancienne_session(client_parent, faux_stripe, facture):
    payer(client_parent, facture)
    payer(client_parent, facture, email="autre@example.fr")
    creations = faux_stripe.creations()
    assert [c["entetes"]["Idempotency-Key"] for c in creations] == [
        f"facture-{facture.pk}-tentative-1",
        f"facture-{facture.pk}-tentative-2",
    ]
    assert any(r["chemin"] == "/v1/checkout/sessions/cs_test_1/expire" for r in faux_stripe.requetes)
    assert dict(PaiementEnLigne.objects.values_list("tentative", "statut")) == {1: "expiree", 2: "ouverte"}


def test_email_invalide(client_parent, faux_stripe, facture):
    reponse = payer(client_parent, facture, email="pas-un-email")
    assert reponse.status_code == 200
    assert "Saisissez une adresse email valide" in reponse.content.decode()
    assert 'value="pas-un-email"' in reponse.content.decode()
    assert faux_stripe.requetes == []


def test_email_prerempli(client_parent, faux_stripe, facture, parent):
    html = client_parent.get(f"/releve/factures/{facture.pk}/payer/").content.decode()
    assert f'value="{parent.famille.responsable_principal.email}"' in html
    assert "120,60\u00a0€" in html


def test_une_famille_ne_paie_pas_la_facture_d_une_autre(client, autre_parent, faux_stripe, facture):
    client.force_login(autre_parent)
    assert payer(client, facture).status_code == 404
    assert client.get(f"/releve/factures/{facture.pk}/payer/").status_code == 404
    assert faux_stripe.requetes == []


def test_facture_reglee_rien_a_payer(client_parent, faux_stripe, facture, parent):
    regler(parent.famille, facture.regie, facture.montant)
    reponse = payer(client_parent, facture)
    assert reponse.status_code == 200
    assert "il n'y a rien à payer" in reponse.content.decode()
    assert faux_stripe.requetes == []


def test_prestataire_en_panne(client_parent, faux_stripe, facture, monkeypatch):
    faux_stripe.erreur = True
    monkeypatch.setattr(
        paiement,
        "client",
        lambda: stripe.StripeClient("sk_test_cle", http_client=faux_stripe, max_network_retries=0),
    )
    reponse = payer(client_parent, facture)
    assert reponse.status_code == 200
    assert "Le service de paiement ne répond pas" in reponse.content.decode()
    assert PaiementEnLigne.objects.count() == 0


def test_sans_cles_pas_de_carte(client_parent, facture, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.DEMO = False
    html = client_parent.get("/").content.decode()
    assert "AL-36" in html and "icone-carte" not in html
    html = client_parent.get(f"/releve/factures/{facture.pk}/payer/").content.decode()
    assert "Le paiement en ligne n'est pas disponible" in html
    assert payer(client_parent, facture).status_code == 200
    assert PaiementEnLigne.objects.count() == 0


def test_carte_sur_accueil_et_releve(client_parent, faux_stripe, facture):
    url = f'href="/releve/factures/{facture.pk}/payer/"'
    assert url in client_parent.get("/").content.decode()
    assert url in client_parent.get("/releve/?annee=2014").content.decode()


def test_annuler_revient_a_la_facture_impayee(client_parent, tentative, faux_stripe, facture):
    # Le retour « annuler » du prestataire (GET) ne change rien : il propose de reprendre ou
    # d'annuler (POST).
    page = client_parent.get(f"/releve/paiements/{tentative.pk}/annuler/")
    assert page.status_code == 200
    assert "Votre facture n'a pas été payée." in page.content.decode()
    tentative.refresh_from_db()
    assert tentative.statut == "ouverte"
    assert not [r for r in faux_stripe.requetes if r["chemin"].endswith("/expire")]
    reponse = client_parent.post(f"/releve/paiements/{tentative.pk}/annuler/")
    assert reponse.status_code == 302 and reponse["Location"] == f"/releve/factures/{facture.pk}/payer/"
    tentative.refresh_from_db()
    assert tentative.statut == "annulee"
    assert "Paiement annulé" in client_parent.get(reponse["Location"]).content.decode()
    assert services.facture_reste_du(facture=facture) == Decimal("120.60")


def test_page_de_retour(client_parent, client, tentative):
    html = client_parent.get(f"/releve/paiements/{tentative.pk}/").content.decode()
    assert "en cours de confirmation" in html and "js/facturation.js" in html
    etat = client_parent.get(f"/releve/paiements/{tentative.pk}/?format=json")
    assert etat.json() == {"statut": "ouverte"}
    envoyer(client, evenement(paiement.COMPLETED, tentative))
    html = client_parent.get(f"/releve/paiements/{tentative.pk}/").content.decode()
    assert "Paiement confirmé." in html and "recu@example.fr" in html
    assert "js/facturation.js" not in html
    assert client_parent.get(f"/releve/paiements/{tentative.pk}/?format=json").json() == {"statut": "payee"}


def test_page_de_retour_d_une_autre_famille(client, autre_parent, tentative):
    client.force_login(autre_parent)
    assert client.get(f"/releve/paiements/{tentative.pk}/").status_code == 404
    assert client.get(f"/releve/paiements/{tentative.pk}/annuler/").status_code == 404


def test_csp_autorise_stripe_quand_configure():
    import subprocess
    import sys

    code = (
        "import django, os; django.setup(); from django.conf import settings; "
        "print('https://checkout.stripe.com' in settings.SECURE_CSP['form-action'])"
    )
    sortie = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={
            "DJANGO_SETTINGS_MODULE": "portail.settings",
            "DEBUG": "1",
            "PATH": "/usr/bin",
            "STRIPE_SECRET_KEY": "sk_test_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
        },
    )
    assert sortie.stdout.strip() == "True"


# --- Webhooks ------------------------------------------------------------------------------


def test_webhook_valide_encaisse_une_fois(client, tentative, facture):
    reponse = envoyer(client, evenement(paiement.COMPLETED, tentative))
    assert reponse.status_code == 200
    (reglement,) = reglements_en_ligne()
    assert (reglement.montant, reglement.regie_id, reglement.famille_id) == (
        Decimal("120.60"),
        facture.regie_id,
        facture.famille_id,
    )
    assert reglement.get_mode_display() == "Carte bancaire en ligne"
    assert reglement.reference_externe == tentative.session_id
    assert reglement.email_recu == "recu@example.fr"
    assert reglement.numero == "WEB-AL-1"  # série du portail, jamais celle du logiciel
    assert list(reglement.affectations.values_list("facture_id", "montant")) == [
        (facture.pk, Decimal("120.60"))
    ]
    assert services.facture_reste_du(facture=facture) == 0
    tentative.refresh_from_db()
    assert tentative.statut == "payee" and tentative.reglement == reglement
    ev = EvenementPaiement.objects.get()
    assert (ev.statut, ev.signale) == ("traite", False)


@pytest.mark.parametrize("cas", ["mauvais_secret", "sans_signature", "perimee", "falsifiee"])
def test_webhook_signature_refusee(client, tentative, cas):
    donnees = evenement(paiement.COMPLETED, tentative)
    if cas == "mauvais_secret":
        reponse = envoyer(client, donnees, secret="whsec_autre")
    elif cas == "sans_signature":
        reponse = envoyer(client, donnees, signature="")
    elif cas == "perimee":
        reponse = envoyer(client, donnees, horodatage=int(time.time()) - 301)
    else:
        payload = json.dumps(donnees).encode()
        signature = signer(payload)
        donnees["data"]["object"]["amount_total"] = 1
        reponse = envoyer(client, donnees, signature=signature)
    assert reponse.status_code == 400
    assert EvenementPaiement.objects.count() == 0
    assert reglements_en_ligne() == []


def test_webhook_rejoue_trois_fois(client, tentative):
    donnees = evenement(paiement.COMPLETED, tentative)
    for _ in range(3):
        assert envoyer(client, donnees).status_code == 200
    assert len(reglements_en_ligne()) == 1
    assert EvenementPaiement.objects.count() == 1


def test_async_avant_completed(client, tentative):
    envoyer(client, evenement(paiement.ASYNC_OK, tentative))
    envoyer(client, evenement(paiement.COMPLETED, tentative))
    assert len(reglements_en_ligne()) == 1
    assert EvenementPaiement.objects.filter(statut="traite").count() == 2


def test_completed_non_paye_puis_async(client, tentative, facture):
    envoyer(client, evenement(paiement.COMPLETED, tentative, payment_status="unpaid"))
    assert reglements_en_ligne() == []
    tentative.refresh_from_db()
    assert tentative.statut == "ouverte"
    envoyer(client, evenement(paiement.ASYNC_OK, tentative))
    assert len(reglements_en_ligne()) == 1
    assert services.facture_reste_du(facture=facture) == 0


def test_async_echec_et_expiration(client, tentative, client_parent, facture):
    envoyer(client, evenement(paiement.ASYNC_ECHEC, tentative, payment_status="unpaid"))
    tentative.refresh_from_db()
    assert tentative.statut == "echouee" and reglements_en_ligne() == []
    assert "Le paiement a échoué" in client_parent.get(f"/releve/paiements/{tentative.pk}/").content.decode()
    payer(client_parent, facture)
    nouvelle = PaiementEnLigne.objects.get(tentative=2)
    envoyer(client, evenement(paiement.EXPIRED, nouvelle, payment_status="unpaid"))
    nouvelle.refresh_from_db()
    assert nouvelle.statut == "expiree" and reglements_en_ligne() == []


def test_montant_different_en_avoir_et_signale(client, tentative, facture):
    envoyer(client, evenement(paiement.COMPLETED, tentative, amount_total=5000))
    (reglement,) = reglements_en_ligne()
    assert reglement.montant == Decimal("50.00")
    assert reglement.affectations.count() == 0  # avoir, non imputé
    assert services.facture_reste_du(facture=facture) == Decimal("120.60")
    ev = EvenementPaiement.objects.get()
    assert ev.signale and "montant payé 50,00 € au lieu de 120,60 €" in ev.motif


def test_devise_differente_signalee(client, tentative):
    envoyer(client, evenement(paiement.COMPLETED, tentative, currency="usd"))
    (reglement,) = reglements_en_ligne()
    assert reglement.affectations.count() == 0
    assert EvenementPaiement.objects.get().signale


def test_facture_inconnue(client, faux_stripe, parent):
    regie = RegieFactory()
    donnees = evenement(
        paiement.COMPLETED,
        None,
        metadata={"facture_id": "999999", "famille_numero": parent.famille.numero, "regie": regie.code},
    )
    assert envoyer(client, donnees).status_code == 200
    (reglement,) = reglements_en_ligne()
    assert reglement.famille_id == parent.famille_id and reglement.montant == Decimal("10.00")
    assert reglement.affectations.count() == 0
    ev = EvenementPaiement.objects.get()
    assert ev.signale and "facture inconnue" in ev.motif


def test_facture_et_famille_inconnues(client, faux_stripe):
    envoyer(client, evenement(paiement.COMPLETED, None, metadata={"facture_id": "999999"}))
    assert reglements_en_ligne() == []
    ev = EvenementPaiement.objects.get()
    assert ev.signale and "rien n'est enregistré" in ev.motif


def test_facture_payee_entre_temps(client, tentative, facture, parent):
    regler(parent.famille, facture.regie, facture.montant)
    envoyer(client, evenement(paiement.COMPLETED, tentative))
    (reglement,) = reglements_en_ligne()
    assert reglement.affectations.count() == 0
    ev = EvenementPaiement.objects.get()
    assert ev.signale and "déjà réglée par un autre moyen" in ev.motif


def test_echec_du_traitement_puis_retraitement(client, tentative, monkeypatch):
    vraie = services.reglement_enregistrer

    def panne(**kwargs):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(services, "reglement_enregistrer", panne)
    assert envoyer(client, evenement(paiement.COMPLETED, tentative)).status_code == 200
    ev = EvenementPaiement.objects.get()
    assert ev.statut == "echec" and "base indisponible" in ev.erreur
    assert reglements_en_ligne() == []
    monkeypatch.setattr(services, "reglement_enregistrer", vraie)
    call_command("paiements_retraiter", stdout=io.StringIO())
    ev.refresh_from_db()
    assert ev.statut == "traite" and len(reglements_en_ligne()) == 1


def test_retraitement_qui_echoue_encore(client, tentative, monkeypatch):
    def panne(**kwargs):
        raise RuntimeError("toujours en panne")

    monkeypatch.setattr(services, "reglement_enregistrer", panne)
    envoyer(client, evenement(paiement.COMPLETED, tentative))
    with pytest.raises(CommandError):
        call_command("paiements_retraiter", stdout=io.StringIO(), stderr=io.StringIO())
    assert EvenementPaiement.objects.get().tentatives == 2


def test_rapprochement_des_webhooks_perdus(tentative, faux_stripe):
    session = evenement(paiement.COMPLETED, tentative)["data"]["object"]
    faux_stripe.sessions_listees = [session]
    sortie = io.StringIO()
    call_command("paiements_rapprocher", "--jours", "2", stdout=sortie)
    assert "1 session(s)" in sortie.getvalue()
    assert len(reglements_en_ligne()) == 1
    liste = [r for r in faux_stripe.requetes if r["methode"] == "get"][0]
    assert "status=complete" in liste["url"]
    call_command("paiements_rapprocher", stdout=sortie)
    assert len(reglements_en_ligne()) == 1


# --- Deux livraisons simultanées (PostgreSQL : verrous réels) ------------------------------


@pytest.mark.django_db(transaction=True)
def test_deux_livraisons_en_parallele(settings, monkeypatch):
    from tests.factories import famille_avec_parent

    settings.STRIPE_SECRET_KEY = "sk_test_cle"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    monkeypatch.setattr(paiement, "HTTP_CLIENT", FauxStripe())
    parent = famille_avec_parent()
    facture = FactureFactory(famille=parent.famille, regie=RegieFactory())
    tentative = paiement.paiement_demarrer(
        facture=facture, famille=parent.famille, email="recu@example.fr", url_base="http://testserver/"
    )
    completed = json.dumps(evenement(paiement.COMPLETED, tentative)).encode()
    asynchrone = json.dumps(evenement(paiement.ASYNC_OK, tentative)).encode()
    # Sur PostgreSQL, les fils démarrent ensemble ; SQLite (un seul écrivain) les enchaîne.
    parallele = connection.vendor == "postgresql"
    depart = threading.Barrier(4 if parallele else 1)
    verrou = threading.Lock()
    erreurs = []

    def livrer(payload):
        from django.db import connection as connexion_du_fil

        try:
            if parallele:
                depart.wait(timeout=10)
            with verrou if not parallele else threading.Lock():
                paiement.evenement_recevoir(payload=payload, signature=signer(payload))
        except Exception as e:  # noqa: BLE001
            erreurs.append(e)
        finally:
            connexion_du_fil.close()

    fils = [
        threading.Thread(target=livrer, args=(p,)) for p in (completed, completed, asynchrone, asynchrone)
    ]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=30)
    assert erreurs == []
    assert Reglement.objects.filter(reference_externe=tentative.session_id).count() == 1
    assert EvenementPaiement.objects.count() == 2
    assert set(EvenementPaiement.objects.values_list("statut", flat=True)) == {"traite"}
    assert services.facture_reste_du(facture=facture) == 0


def test_type_d_evenement_non_traite_ignore(client, tentative):
    donnees = evenement("payment_intent.created", tentative)
    assert envoyer(client, donnees).status_code == 200
    assert EvenementPaiement.objects.get().statut == "ignore"
    assert reglements_en_ligne() == []


@pytest.mark.django_db(transaction=True)
def test_deux_clics_simultanes_une_seule_session(settings, monkeypatch):
    from tests.factories import famille_avec_parent

    settings.STRIPE_SECRET_KEY = "sk_test_cle"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    faux = FauxStripe()
    monkeypatch.setattr(paiement, "HTTP_CLIENT", faux)
    parent = famille_avec_parent()
    facture = FactureFactory(famille=parent.famille, regie=RegieFactory())
    parallele = connection.vendor == "postgresql"
    depart = threading.Barrier(2 if parallele else 1)
    verrou = threading.Lock() if not parallele else None
    resultats, erreurs = [], []

    def cliquer():
        from django.db import connection as connexion_du_fil

        try:
            if parallele:
                depart.wait(timeout=10)
            if verrou:
                verrou.acquire()
            try:
                resultats.append(
                    paiement.paiement_demarrer(
                        facture=facture,
                        famille=parent.famille,
                        email="recu@example.fr",
                        url_base="http://testserver/",
                    ).url
                )
            finally:
                if verrou:
                    verrou.release()
        except Exception as e:  # noqa: BLE001
            erreurs.append(e)
        finally:
            connexion_du_fil.close()

    fils = [threading.Thread(target=cliquer) for _ in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=30)
    assert erreurs == []
    assert len(set(resultats)) == 1 and len(resultats) == 2
    assert len(faux.creations()) == 1
    assert PaiementEnLigne.objects.count() == 1


def test_anomalies_detectees_sans_lire_la_base():
    """La détection des anomalies d'une session payée est pure : aucune requête."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from facturation.models import PaiementEnLigne
    from facturation.paiement import anomalies_detecter

    paiement = PaiementEnLigne(facture_id=7, montant=Decimal("12.50"))
    session = {"metadata": {"facture_id": "7"}, "client_reference_id": "7", "currency": "eur"}
    with CaptureQueriesContext(connection) as requetes:
        assert (
            anomalies_detecter(session=session, montant=Decimal("12.50"), paiement=paiement, facture=None)
            == []
        )
        assert anomalies_detecter(
            session={**session, "currency": "usd", "client_reference_id": "8"},
            montant=Decimal("10.00"),
            paiement=paiement,
            facture=None,
        ) == [
            "la référence de facture ne correspond pas",
            "montant payé 10,00 € au lieu de 12,50 €",
            "devise usd au lieu de eur",
        ]
        assert anomalies_detecter(session=session, montant=Decimal("1"), paiement=None, facture=None) == [
            "session de paiement inconnue du portail",
            "facture inconnue",
        ]
    assert len(requetes) == 0
