"""Payer plusieurs factures d'une régie en un seul paiement par carte (une session Stripe, un
article par facture) : le webhook impute à chaque facture sa part, avec les mêmes règles
d'idempotence et d'incohérence que pour une facture (tests/test_facturation_paiement.py)."""

import datetime
import json
import threading
from decimal import Decimal

import pytest
from django.db import connection

from facturation import paiement, services
from facturation.models import EvenementPaiement, LignePaiement, PaiementEnLigne, Reglement
from tests.factories import FactureFactory, RegieFactory, regler
from tests.test_facturation_paiement import (
    SECRET,
    FauxStripe,
    envoyer,
    evenement,
    reglements_en_ligne,
    signer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def faux_stripe(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = "sk_test_cle"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    faux = FauxStripe()
    monkeypatch.setattr(paiement, "HTTP_CLIENT", faux)
    return faux


@pytest.fixture
def regie():
    return RegieFactory()


@pytest.fixture
def factures(parent, regie):
    return [
        FactureFactory(
            famille=parent.famille,
            regie=regie,
            numero="AL-36",
            montant=Decimal("120.60"),
            date_facture=datetime.date(2015, 4, 8),
            date_echeance=datetime.date(2015, 5, 8),
        ),
        FactureFactory(
            famille=parent.famille,
            regie=regie,
            numero="AL-37",
            montant=Decimal("45.10"),
            date_facture=datetime.date(2015, 5, 8),
            date_echeance=datetime.date(2015, 6, 8),
        ),
    ]


def payer(client, factures, email="recu@example.fr"):
    return client.post("/releve/factures/payer/", {"email": email, "factures": [str(f.pk) for f in factures]})


@pytest.fixture
def tentative(client_parent, faux_stripe, factures):
    assert payer(client_parent, factures).status_code == 303
    return PaiementEnLigne.objects.get()


def evenement_plusieurs(type_, tentative, **session):
    factures = [ligne.facture for ligne in tentative.lignes.select_related("facture")]
    return evenement(type_, tentative, metadata=paiement._metadata(tentative, factures), **session)


# --- Démarrer ------------------------------------------------------------------------------


def test_une_session_un_article_par_facture(client_parent, faux_stripe, factures):
    reponse = payer(client_parent, factures)
    assert reponse.status_code == 303
    assert reponse["Location"] == "https://checkout.stripe.com/c/pay/cs_test_1"
    (requete,) = faux_stripe.creations()
    d = requete["donnees"]
    assert d["line_items[0][price_data][unit_amount]"] == ["12060"]
    assert d["line_items[0][price_data][product_data][name]"][0].startswith("Facture AL-36")
    assert d["line_items[1][price_data][unit_amount]"] == ["4510"]
    assert d["line_items[1][price_data][product_data][name]"][0].startswith("Facture AL-37")
    assert "line_items[2][quantity]" not in d
    assert d["client_reference_id"] == [str(factures[0].pk)]
    assert d["metadata[factures]"] == [f"{factures[0].pk},{factures[1].pk}"]
    assert d["payment_intent_data[description]"] == ["Factures AL-36, AL-37"]
    tentative = PaiementEnLigne.objects.get()
    assert tentative.montant == Decimal("165.70")
    assert tentative.facture == factures[0]
    assert [(ligne.facture, ligne.montant) for ligne in tentative.lignes.all()] == [
        (factures[0], Decimal("120.60")),
        (factures[1], Decimal("45.10")),
    ]
    assert requete["entetes"]["Idempotency-Key"] == f"facture-{factures[0].pk}-tentative-1"


def test_page_recapitulatif(client_parent, faux_stripe, factures):
    reponse = client_parent.get("/releve/factures/payer/", {"factures": [f.pk for f in factures]})
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert "AL-36" in contenu and "AL-37" in contenu and "Payer 165,70\u00a0€" in contenu


@pytest.mark.parametrize("n", [2, 20])
def test_requetes_constantes(client_parent, faux_stripe, parent, regie, n, django_assert_num_queries):
    """Session, utilisateur et famille, messages non lus, factures annotées : 4 requêtes."""
    pks = [FactureFactory(famille=parent.famille, regie=regie).pk for _ in range(n)]
    with django_assert_num_queries(4):
        reponse = client_parent.get("/releve/factures/payer/", {"factures": pks})
    assert reponse.content.decode().count('name="factures"') == n


def test_une_facture_seule_comme_aujourd_hui(client_parent, faux_stripe, factures):
    assert payer(client_parent, factures[:1]).status_code == 303
    (requete,) = faux_stripe.creations()
    assert "metadata[factures]" not in requete["donnees"]
    assert requete["donnees"]["payment_intent_data[description]"] == ["Facture AL-36"]
    assert PaiementEnLigne.objects.get().lignes.count() == 1


def test_regies_differentes_refusees(client_parent, faux_stripe, factures, parent):
    autre = FactureFactory(famille=parent.famille, regie=RegieFactory(code="CR"), numero="CR-1")
    reponse = payer(client_parent, [factures[0], autre])
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert "resume-erreurs" in contenu and "régies différentes" in contenu
    assert "Payer 1" not in contenu  # le bouton de paiement n'est plus proposé
    assert faux_stripe.creations() == [] and PaiementEnLigne.objects.count() == 0
    reponse = client_parent.get("/releve/factures/payer/", {"factures": [factures[0].pk, autre.pk]})
    assert "régies différentes" in reponse.content.decode()


def test_facture_deja_reglee_refusee(client_parent, faux_stripe, factures, parent):
    regler(parent.famille, factures[1].regie, factures[1].montant, factures=[factures[1]])
    reponse = payer(client_parent, factures)
    assert reponse.status_code == 200
    assert "La facture AL-37 est déjà réglée : décochez-la." in reponse.content.decode()
    assert faux_stripe.creations() == []


def test_facture_en_cours_de_paiement_refusee(client_parent, faux_stripe, factures):
    client_parent.post(f"/releve/factures/{factures[1].pk}/payer/", {"email": "recu@example.fr"})
    reponse = payer(client_parent, factures)
    assert reponse.status_code == 200
    assert "Un paiement de la facture AL-37 est déjà en cours" in reponse.content.decode()
    assert len(faux_stripe.creations()) == 1


def test_aucune_facture_cochee(client_parent, faux_stripe):
    reponse = payer(client_parent, [])
    assert reponse.status_code == 200
    assert "Cochez au moins une facture à payer." in reponse.content.decode()


def test_service_refuse_aussi_sous_verrou(faux_stripe, factures, parent):
    """Le formulaire a vu les factures impayées ; l'une est réglée avant le verrou."""
    regler(parent.famille, factures[0].regie, factures[0].montant, factures=[factures[0]])
    with pytest.raises(paiement.PaiementImpossible, match="AL-36 est déjà réglée"):
        paiement.paiement_demarrer_plusieurs(
            factures=factures, famille=parent.famille, email="a@example.fr", url_base="http://t/"
        )
    autre = FactureFactory(famille=parent.famille, regie=RegieFactory(code="CR"))
    with pytest.raises(paiement.PaiementImpossible, match="régies différentes"):
        paiement.paiement_demarrer_plusieurs(
            factures=[factures[1], autre], famille=parent.famille, email="a@example.fr", url_base="http://t/"
        )
    assert faux_stripe.creations() == []


def test_facture_d_une_autre_famille_404(client_parent, faux_stripe, factures, autre_parent):
    intruse = FactureFactory(famille=autre_parent.famille, regie=factures[0].regie)
    assert payer(client_parent, [factures[0], intruse]).status_code == 404
    reponse = client_parent.get("/releve/factures/payer/", {"factures": [factures[0].pk, intruse.pk]})
    assert reponse.status_code == 404
    assert client_parent.get("/releve/factures/payer/", {"factures": ["x"]}).status_code == 404
    assert PaiementEnLigne.objects.count() == 0


def test_cases_a_cocher_sur_accueil_et_releve(client_parent, faux_stripe, factures):
    for url in ("/", "/releve/?annee=2014"):
        contenu = client_parent.get(url).content.decode()
        assert contenu.count('form="panier" name="factures"') == 2, url
        assert 'id="panier"' in contenu and "Payer les factures cochées" in contenu


def test_annuler_revient_au_releve(client_parent, tentative, faux_stripe):
    contenu = client_parent.get(f"/releve/paiements/{tentative.pk}/annuler/").content.decode()
    assert "Paiement des factures AL-36, AL-37 interrompu" in contenu
    assert "Les factures AL-36, AL-37" in contenu and "restent à payer" in contenu
    reponse = client_parent.post(f"/releve/paiements/{tentative.pk}/annuler/")
    assert reponse.status_code == 302 and reponse["Location"] == "/releve/"
    tentative.refresh_from_db()
    assert tentative.statut == "annulee"
    assert any(r["chemin"].endswith("/expire") for r in faux_stripe.requetes)


# --- Encaisser -----------------------------------------------------------------------------


def test_webhook_impute_chaque_facture(client, client_parent, tentative, factures):
    assert envoyer(client, evenement_plusieurs(paiement.COMPLETED, tentative)).status_code == 200
    (reglement,) = reglements_en_ligne()
    assert reglement.montant == Decimal("165.70")
    assert sorted(reglement.affectations.values_list("facture__numero", "montant")) == [
        ("AL-36", Decimal("120.60")),
        ("AL-37", Decimal("45.10")),
    ]
    assert all(services.facture_reste_du(facture=f) == 0 for f in factures)
    assert not EvenementPaiement.objects.get().signale
    tentative.refresh_from_db()
    assert tentative.statut == "payee" and tentative.reglement == reglement
    contenu = client_parent.get(f"/releve/paiements/{tentative.pk}/").content.decode()
    assert "Les factures AL-36, AL-37" in contenu and "sont payées" in contenu


def test_webhook_rejoue_trois_fois(client, tentative):
    donnees = evenement_plusieurs(paiement.COMPLETED, tentative)
    for _ in range(3):
        assert envoyer(client, donnees).status_code == 200
    envoyer(client, evenement_plusieurs(paiement.ASYNC_OK, tentative))
    (reglement,) = reglements_en_ligne()
    assert reglement.affectations.count() == 2
    assert EvenementPaiement.objects.count() == 2


def test_une_facture_payee_entre_temps_sa_part_en_avoir(client, tentative, factures, parent):
    regler(parent.famille, factures[1].regie, "10.00", factures=[factures[1]])
    envoyer(client, evenement_plusieurs(paiement.COMPLETED, tentative))
    (reglement,) = reglements_en_ligne()
    # AL-36 reçoit sa part ; AL-37 (reste 35,10 € au lieu de 45,10 €) rien : pas d'imputation partielle.
    assert list(reglement.affectations.values_list("facture__numero", "montant")) == [
        ("AL-36", Decimal("120.60"))
    ]
    assert services.facture_reste_du(facture=factures[1]) == Decimal("35.10")
    ev = EvenementPaiement.objects.get()
    assert ev.signale
    assert "facture AL-37 déjà réglée par un autre moyen" in ev.motif and "45,10 €" in ev.motif
    assert paiement.MOTIF_AVOIR in ev.motif


def test_montant_different_tout_en_avoir(client, tentative):
    envoyer(client, evenement_plusieurs(paiement.COMPLETED, tentative, amount_total=12060))
    (reglement,) = reglements_en_ligne()
    assert reglement.montant == Decimal("120.60") and reglement.affectations.count() == 0
    ev = EvenementPaiement.objects.get()
    assert ev.signale and "au lieu de 165,70 €" in ev.motif


def test_recu_d_un_paiement_de_plusieurs_factures(client, client_parent, tentative):
    envoyer(client, evenement_plusieurs(paiement.COMPLETED, tentative))
    (reglement,) = reglements_en_ligne()
    reponse = client_parent.get(f"/releve/reglements/{reglement.pk}/recu/")
    assert reponse.status_code == 200 and reponse["Content-Type"] == "application/pdf"
    from facturation import selectors

    recu = selectors.recu_detail(famille=reglement.famille, pk=reglement.pk)
    assert [a.facture.numero for a in recu.affectations.all()] == ["AL-36", "AL-37"]


def test_banque_simulee_plusieurs_factures(client_parent, settings, factures):
    settings.DEMO = True
    settings.STRIPE_SECRET_KEY = ""
    assert payer(client_parent, factures).status_code == 303
    tentative = PaiementEnLigne.objects.get()
    paiement.banque_simulee_payer(paiement=tentative)
    (reglement,) = reglements_en_ligne()
    assert reglement.affectations.count() == 2


def test_migration_lignes_des_paiements_existants(factures, parent):
    """Un paiement d'avant les lignes (aucune ligne) : la migration lui en crée une."""
    import importlib

    from django.apps import apps

    tentative = PaiementEnLigne.objects.create(
        facture=factures[0],
        famille=parent.famille,
        tentative=1,
        montant=Decimal("120.60"),
        email="a@example.fr",
        prestataire="stripe",
        expire_le=datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC),
    )
    module = importlib.import_module("facturation.migrations.0010_lignes_paiement")
    module.lignes_creer(apps, None)
    assert list(LignePaiement.objects.values_list("paiement", "facture", "montant")) == [
        (tentative.pk, factures[0].pk, Decimal("120.60"))
    ]


# --- Livraisons simultanées (PostgreSQL : verrous réels) -----------------------------------


@pytest.mark.django_db(transaction=True)
def test_deux_livraisons_en_parallele(settings, monkeypatch):
    from tests.factories import famille_avec_parent

    settings.STRIPE_SECRET_KEY = "sk_test_cle"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    monkeypatch.setattr(paiement, "HTTP_CLIENT", FauxStripe())
    parent = famille_avec_parent()
    regie = RegieFactory()
    factures = [FactureFactory(famille=parent.famille, regie=regie) for _ in range(3)]
    tentative = paiement.paiement_demarrer_plusieurs(
        factures=factures, famille=parent.famille, email="recu@example.fr", url_base="http://testserver/"
    )
    completed = json.dumps(evenement_plusieurs(paiement.COMPLETED, tentative)).encode()
    asynchrone = json.dumps(evenement_plusieurs(paiement.ASYNC_OK, tentative)).encode()
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
    (reglement,) = Reglement.objects.filter(reference_externe=tentative.session_id)
    assert reglement.affectations.count() == 3
    assert set(EvenementPaiement.objects.values_list("statut", flat=True)) == {"traite"}
    assert all(services.facture_reste_du(facture=f) == 0 for f in factures)
