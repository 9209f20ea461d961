"""PayFiP (DGFiP) par eopayment : ce qui est propre à PayFiP (paramètres du web service, une
facture par transaction, notification sans signature, résultat demandé à PayFiP). Les garanties
communes avec Stripe (rejeux, livraisons parallèles, rapprochement, avoirs, refus, reçus) sont
dans tests/test_facturation_paiement_prestataires.py. Le web service est un faux sur la boucle
locale (tests/payfip_factice.py) : aucun accès réseau."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError

from facturation import paiement
from facturation.models import EvenementPaiement, PaiementEnLigne, Regie, Reglement
from tests.factories import FactureFactory, RegieFactory
from tests.payfip_factice import FauxPayFiP

pytestmark = pytest.mark.django_db

URL_NOTIFICATION = "/paiements/payfip/notification/"


@pytest.fixture
def faux_payfip(settings):
    settings.DEMO = False
    faux = FauxPayFiP()
    settings.PAYFIP_URL_SERVICE = faux.adresse
    yield faux
    faux.arreter()


@pytest.fixture
def regie_payfip():
    return RegieFactory(
        code="CR", nom="Régie crèche", prestataire_paiement="payfip", payfip_numcli="123456", payfip_mode="T"
    )


@pytest.fixture
def facture(parent, regie_payfip):
    return FactureFactory(
        famille=parent.famille,
        regie=regie_payfip,
        numero="CR-36",
        montant=Decimal("120.60"),
        quantite=Decimal("37.6875"),
        date_facture=datetime.date(2015, 4, 8),
    )


def notifier(client, tentative):
    corps = f"idOp={tentative.session_id}"
    return client.post(URL_NOTIFICATION, corps, content_type="application/x-www-form-urlencoded")


def payer(client, facture, email="recu@example.fr"):
    return client.post(f"/releve/factures/{facture.pk}/payer/", {"email": email})


def test_creer_paiement_securise_parametres_exacts(client_parent, faux_payfip, facture, parent):
    reponse = payer(client_parent, facture)
    assert reponse.status_code == 303
    tentative = PaiementEnLigne.objects.get()
    assert tentative.prestataire == "payfip"
    assert reponse["Location"] == f"https://www.payfip.gouv.fr/tpa/paiementws.web?idop={tentative.session_id}"
    (demande,) = faux_payfip.operations("creerPaiementSecurise")
    assert demande == {
        "exer": "2015",
        "mel": "recu@example.fr",
        "montant": "12060",
        "numcli": "123456",
        "objet": f"Facture CR 36 famille {parent.famille.numero}",
        "refdet": "CR36",
        "saisie": "T",
        "urlnotif": "http://testserver/paiements/payfip/notification/",
        "urlredirect": f"http://testserver/paiements/{tentative.pk}/retour/",
    }
    # Une opération PayFiP vaut 15 minutes.
    assert tentative.expire_le - tentative.date_creation < datetime.timedelta(minutes=16)


def test_exercice_et_mode_de_la_regie(client_parent, faux_payfip, facture, regie_payfip):
    Regie.objects.filter(pk=regie_payfip.pk).update(payfip_exer="2016", payfip_mode="W")
    payer(client_parent, facture)
    (demande,) = faux_payfip.operations("creerPaiementSecurise")
    assert (demande["exer"], demande["saisie"]) == ("2016", "W")


def test_retour_poste_par_payfip_redirige_vers_la_page_de_retour(client, faux_payfip, client_parent, facture):
    payer(client_parent, facture)
    tentative = PaiementEnLigne.objects.get()
    # PayFiP renvoie le navigateur à urlredirect par un formulaire posté, sans jeton CSRF.
    client.handler.enforce_csrf_checks = True
    reponse = client.post(f"/paiements/{tentative.pk}/retour/", {"idOp": tentative.session_id})
    assert reponse.status_code == 302
    assert reponse["Location"] == f"/releve/paiements/{tentative.pk}/"


def test_notification_d_une_operation_inconnue_refusee(client, faux_payfip, facture):
    for corps in ("idOp=inconnu", "", "idOp=a&idOp=b", "idOp=%ff%fe", "autre=1", "idOp=" + "x" * 300):
        reponse = client.post(URL_NOTIFICATION, corps, content_type="application/x-www-form-urlencoded")
        assert reponse.status_code == 400
    assert EvenementPaiement.objects.count() == 0
    assert faux_payfip.requetes == []  # PayFiP n'est pas interrogé pour un inconnu


def test_notification_sans_resultat_puis_paiement(client, client_parent, faux_payfip, facture):
    """P5 (« résultat non connu ») : rien n'est joué, l'événement reste à traiter ; la
    notification suivante (ou le rapprochement) encaisse."""
    payer(client_parent, facture)
    tentative = PaiementEnLigne.objects.get()
    assert notifier(client, tentative).status_code == 200
    ev = EvenementPaiement.objects.get()
    assert (ev.statut, ev.motif) == ("recu", "Paiement PayFiP en cours : pas encore de résultat.")
    tentative.refresh_from_db()
    assert tentative.statut == "ouverte" and Reglement.objects.count() == 0
    faux_payfip.payer(tentative.session_id)
    notifier(client, tentative)
    ev.refresh_from_db()
    assert ev.statut == "traite" and Reglement.objects.get().reference_externe == tentative.session_id
    # La réponse de PayFiP est gardée dans l'événement (pour le personnel).
    assert '"resultrans": "P"' in ev.payload and '"notification": "idOp=' in ev.payload


def test_prelevement_unique_encaisse(client, client_parent, faux_payfip, facture):
    payer(client_parent, facture)
    tentative = PaiementEnLigne.objects.get()
    faux_payfip.payer(tentative.session_id, resultrans="V")
    client.post(
        URL_NOTIFICATION, f"idOp={tentative.session_id}", content_type="application/x-www-form-urlencoded"
    )
    assert Reglement.objects.get().montant == Decimal("120.60")


def test_payfip_injoignable(client_parent, faux_payfip, facture):
    faux_payfip.en_panne()
    reponse = payer(client_parent, facture)
    assert reponse.status_code == 200
    assert "Le service de paiement ne répond pas" in reponse.content.decode()
    assert PaiementEnLigne.objects.count() == 0


def test_email_trop_long_pour_payfip(client_parent, faux_payfip, facture):
    reponse = payer(client_parent, facture, email="a" * 75 + "@example.fr")
    assert "de 6 à 80 caractères" in reponse.content.decode()
    assert PaiementEnLigne.objects.count() == 0 and faux_payfip.requetes == []


def test_moins_d_un_euro_refuse(client_parent, faux_payfip, parent, regie_payfip):
    petite = FactureFactory(
        famille=parent.famille,
        regie=regie_payfip,
        numero="CR-1",
        montant=Decimal("0.64"),
        quantite=Decimal("0.2"),
    )
    reponse = payer(client_parent, petite)
    assert "pas moins de 1,00" in reponse.content.decode()
    assert PaiementEnLigne.objects.count() == 0


def test_plusieurs_factures_une_a_la_fois(client_parent, faux_payfip, facture, parent, regie_payfip):
    """PayFiP paie un refdet par transaction : pas de panier, ni cases à cocher, et le parent
    le lit en français ; rien n'est ouvert chez PayFiP."""
    autre = FactureFactory(famille=parent.famille, regie=regie_payfip, numero="CR-37")
    html = client_parent.get("/").content.decode()
    assert f'href="/releve/factures/{facture.pk}/payer/"' in html  # la carte, facture par facture
    assert "case-panier" not in html and "Payer les factures cochées" not in html
    releve = client_parent.get("/releve/?annee=2014").content.decode()
    assert f'href="/releve/factures/{facture.pk}/payer/"' in releve
    assert "case-panier" not in releve and "Payer les factures cochées" not in releve
    reponse = client_parent.post(
        "/releve/factures/payer/", {"factures": [facture.pk, autre.pk], "email": "recu@example.fr"}
    )
    assert reponse.status_code == 200
    assert "règle une facture à la fois" in reponse.content.decode()
    assert PaiementEnLigne.objects.count() == 0 and faux_payfip.requetes == []
    with pytest.raises(paiement.PaiementImpossible, match="une facture à la fois"):
        paiement.paiement_demarrer_plusieurs(
            factures=[facture, autre], famille=parent.famille, email="a@example.fr", url_base="http://t/"
        )


def test_regie_sans_prestataire_pas_de_carte(client_parent, parent, settings):
    settings.DEMO = True  # même en démonstration
    regie = RegieFactory(code="SP", nom="Régie sans paiement", prestataire_paiement="")
    facture = FactureFactory(famille=parent.famille, regie=regie, numero="SP-1")
    assert "icone-carte" not in client_parent.get("/").content.decode()
    html = client_parent.get(f"/releve/factures/{facture.pk}/payer/").content.decode()
    assert "Le paiement en ligne n'est pas disponible" in html
    assert payer(client_parent, facture).status_code == 200
    assert PaiementEnLigne.objects.count() == 0


def test_regie_payfip_sans_numero_client_invalide():
    regie = Regie(code="X", nom="X", prestataire_paiement="payfip")
    with pytest.raises(ValidationError, match="numéro client"):
        regie.full_clean()
    regie.payfip_numcli = "12345"
    with pytest.raises(ValidationError, match="6 chiffres"):
        regie.full_clean()
    regie.payfip_numcli = "123456"
    regie.full_clean()


def test_administration_de_la_regie(client, agent, regie_payfip):
    client.force_login(agent)
    html = client.get(f"/admin/facturation/regie/{regie_payfip.pk}/change/").content.decode()
    for libelle in ("Paiement en ligne", "PayFiP : numéro client", "PayFiP : exercice", "PayFiP : mode"):
        assert libelle in html
    assert "STRIPE_SECRET" not in html and "sk_" not in html


def test_page_payfip_simulee_hors_demonstration_404(client, settings, client_parent, faux_payfip, facture):
    payer(client_parent, facture)
    tentative = PaiementEnLigne.objects.get()
    settings.DEMO = False
    assert client.get(f"/payfip-simule/?idop={tentative.session_id}").status_code == 404


def test_demonstration_payfip_simule(client_parent, settings, facture):
    """DEMO=1 : une régie PayFiP passe par le PayFiP simulé (jamais la DGFiP), par le même code."""
    settings.DEMO = True
    settings.PAYFIP_URL_SERVICE = ""
    reponse = payer(client_parent, facture)
    tentative = PaiementEnLigne.objects.get()
    assert tentative.prestataire == "payfip_simule"
    assert reponse["Location"] == f"http://testserver/payfip-simule/?idop={tentative.session_id}"
    page = client_parent.get(reponse["Location"])
    assert "PayFiP simulé" in page.content.decode() and "120,60" in page.content.decode()
    retour = client_parent.post(reponse["Location"], {"action": "payer"})
    assert urlsplit(retour["Location"]).path == f"/paiements/{tentative.pk}/retour/"
    html = client_parent.get(f"/releve/paiements/{tentative.pk}/").content.decode()
    assert "Paiement confirmé." in html
    assert Reglement.objects.get().reference_externe == tentative.session_id
    assert parse_qs(urlsplit(reponse["Location"]).query)["idop"] == [tentative.session_id]


def test_controles_des_reglages(settings):
    from django.core.checks import run_checks

    def avertis():
        return {e.id for e in run_checks() if e.id in ("facturation.W002", "facturation.W003")}

    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "", ""
    settings.PAYFIP_URL_SERVICE = ""
    assert avertis() == set()
    settings.STRIPE_SECRET_KEY = "sk_live_x"
    settings.DEBUG = False
    settings.PAYFIP_URL_SERVICE = "http://127.0.0.1:1/tpa/services/securite"
    assert avertis() == {"facturation.W002", "facturation.W003"}


def test_page_de_retour_interroge_payfip_au_plus_une_fois_par_intervalle(client_parent, faux_payfip, facture):
    payer(client_parent, facture)
    tentative = PaiementEnLigne.objects.get()
    for _ in range(3):  # facturation.js interroge la page toutes les 3 secondes
        etat = client_parent.get(f"/releve/paiements/{tentative.pk}/?format=json").json()
        assert etat == {"statut": "ouverte"}
    assert len(faux_payfip.operations("recupererDetailPaiementSecurise")) == 1


def test_administration_choisit_payfip_pour_une_regie(client, agent):
    client.force_login(agent)
    regie = RegieFactory(code="GA", nom="Régie garderie", prestataire_paiement="")
    url = f"/admin/facturation/regie/{regie.pk}/change/"
    donnees = {
        "code": "GA",
        "nom": "Régie garderie",
        "modalites_paiement": "",
        "nature_par_defaut": "garde",
        "prestataire_paiement": "payfip",
        "payfip_numcli": "",
        "payfip_exer": "",
        "payfip_mode": "T",
    }
    reponse = client.post(url, donnees)
    assert reponse.status_code == 200
    assert "PayFiP demande le numéro client" in reponse.content.decode()
    regie.refresh_from_db()
    assert regie.prestataire_paiement == ""
    reponse = client.post(url, {**donnees, "payfip_numcli": "654321", "payfip_exer": "2026"})
    assert reponse.status_code == 302
    regie.refresh_from_db()
    assert (regie.prestataire_paiement, regie.payfip_numcli, regie.payfip_exer, regie.payfip_mode) == (
        "payfip",
        "654321",
        "2026",
        "T",
    )
    assert paiement.disponible(regie) and not paiement.peut_payer_plusieurs(regie)


def test_regie_passee_de_stripe_a_payfip(
    client_parent, faux_payfip, facture, regie_payfip, settings, monkeypatch
):
    """Une session Stripe ouverte avant le changement de prestataire n'est pas réutilisée : elle
    est expirée chez Stripe, et la nouvelle tentative passe par PayFiP."""
    from tests.test_facturation_paiement import SECRET, FauxStripe

    settings.STRIPE_SECRET_KEY = "sk_test_cle"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    faux_stripe = FauxStripe()
    monkeypatch.setattr(paiement, "HTTP_CLIENT", faux_stripe)
    Regie.objects.filter(pk=regie_payfip.pk).update(prestataire_paiement="stripe")
    payer(client_parent, facture)
    Regie.objects.filter(pk=regie_payfip.pk).update(prestataire_paiement="payfip")
    reponse = payer(client_parent, facture)
    assert reponse["Location"].startswith("https://www.payfip.gouv.fr/tpa/paiementws.web?idop=")
    assert dict(PaiementEnLigne.objects.values_list("prestataire", "statut")) == {
        "stripe": "expiree",
        "payfip": "ouverte",
    }
    assert any(r["chemin"].endswith("/expire") for r in faux_stripe.requetes)


@pytest.mark.parametrize(
    ("action", "statut", "message"),
    [("refuser", "echouee", "Le paiement a échoué."), ("abandonner", "annulee", "Paiement non effectué.")],
)
def test_demonstration_payfip_simule_refus_et_abandon(
    client_parent, settings, facture, action, statut, message
):
    settings.DEMO = True
    settings.PAYFIP_URL_SERVICE = ""
    page = payer(client_parent, facture)["Location"]
    tentative = PaiementEnLigne.objects.get()
    retour = client_parent.post(page, {"action": action})
    html = client_parent.get(retour["Location"], follow=True).content.decode()
    assert message in html and "Votre facture n'a pas été payée." in html
    tentative.refresh_from_db()
    assert tentative.statut == statut and Reglement.objects.count() == 0
    # L'opération est close : la page ne propose plus de payer.
    assert "Cette opération est terminée." in client_parent.get(page).content.decode()


def test_seul_le_paquet_de_paiement_connait_les_prestataires():
    """Hors de `facturation/paiement/`, aucun module n'importe un prestataire (Stripe, eopayment,
    `prestataires`) ni ne lit le prestataire d'une régie : les vues demandent au paquet
    (`disponible`, `offre`, `simulation`). L'administration et la démonstration configurent
    le champ, les migrations le créent."""
    import ast
    from pathlib import Path

    racine = Path(__file__).resolve().parent.parent
    permis = {"facturation/admin.py", "facturation/demo.py", "facturation/models.py"}
    fautes = []
    for fichier in racine.glob("*/**/*.py"):
        chemin = fichier.relative_to(racine).as_posix()
        if chemin.split("/")[0] in ("tests", "scripts", ".venv", "node_modules") or "/migrations/" in chemin:
            continue
        if chemin.startswith("facturation/paiement/") or chemin in permis:
            continue
        arbre = ast.parse(fichier.read_text(encoding="utf-8"))
        for noeud in ast.walk(arbre):
            if isinstance(noeud, ast.Import | ast.ImportFrom):
                noms = [a.name for a in noeud.names] + [getattr(noeud, "module", None) or ""]
                if any(
                    n.split(".")[0] in ("stripe", "eopayment", "zeep") or "prestataires" in n for n in noms
                ):
                    fautes.append(f"{chemin}:{noeud.lineno} importe {noms}")
            if isinstance(noeud, ast.Attribute) and noeud.attr in ("prestataire_paiement", "payfip_numcli"):
                fautes.append(f"{chemin}:{noeud.lineno} lit {noeud.attr}")
    assert fautes == []
