from decimal import Decimal

import pytest
from playwright.sync_api import expect

from enfants import demo as enfants_demo
from facturation import demo as facturation_demo
from familles import demo as familles_demo
from tests.browser.conftest import se_connecter

pytestmark = pytest.mark.django_db(transaction=True)


def creer_demo():
    familles_demo.creer()
    enfants_demo.creer()
    facturation_demo.creer()


def test_releve_de_compte_de_l_exemple_du_guide(page):
    creer_demo()
    se_connecter(page, familles_demo.IDENTIFIANT_DUPONT, familles_demo.MOT_DE_PASSE_DUPONT)
    expect(page.get_by_text("votre compte présente un solde débiteur de 120,60")).to_be_visible()
    page.get_by_role("link", name="Relevé de compte").click()
    page.get_by_label("Année scolaire").select_option("2014")
    page.get_by_role("button", name="Afficher").click()
    tableau = page.get_by_role("table", name="Relevé des opérations — année scolaire 2014-2015")
    expect(tableau).to_contain_text("Règlement : Chèque")
    expect(tableau.get_by_role("row", name="AL-36")).to_contain_text("Facture : 01/04/2015 - 30/04/2015")
    expect(tableau).to_contain_text("363,80")
    # L'ordre du guide : AL-36, puis le chèque AL-228, puis AL-12 qu'il solde.
    assert tableau.locator("tbody tr th").all_inner_texts() == ["AL-36", "AL-228", "AL-12"]
    recu = tableau.get_by_role("row", name="AL-228").get_by_role(
        "link", name="Reçu (PDF) : télécharger le reçu du règlement AL-228"
    )
    expect(recu).to_be_visible()
    reponse = page.request.get(recu.get_attribute("href"))
    assert reponse.ok and reponse.headers["content-type"] == "application/pdf"
    assert page.erreurs_console == []


def test_paiement_de_demonstration_de_bout_en_bout(page, settings):
    settings.DEMO = True
    settings.STRIPE_SECRET_KEY = ""
    creer_demo()
    se_connecter(page, familles_demo.IDENTIFIANT_DUPONT, familles_demo.MOT_DE_PASSE_DUPONT)
    impayees = page.get_by_role("table", name="Vos factures impayées")
    expect(impayees).to_contain_text("AL-36")
    impayees.get_by_role("link", name="Carte : payer en ligne la facture AL-36").click()

    expect(page.get_by_role("heading", name="Payer en ligne la facture AL-36")).to_be_visible()
    champ = page.get_by_label("Adresse email pour recevoir le reçu de paiement")
    expect(champ).to_have_value("jean.dupont@wanadoo.fr")
    champ.fill("pas-un-email")
    page.get_by_role("button", name="Payer 120,60").click()
    expect(page.locator("#erreur-email")).to_contain_text("Saisissez une adresse email valide")
    # Le résumé des erreurs en tête de page mène au champ.
    expect(page.locator("#resume-erreurs").get_by_role("link")).to_have_attribute("href", "#id_email")
    page.get_by_label("Adresse email pour recevoir le reçu de paiement").fill("jean@example.fr")
    page.get_by_role("button", name="Payer 120,60").click()

    expect(page.get_by_role("heading", name="Banque simulée — démonstration")).to_be_visible()
    expect(page.get_by_text("Ceci n'est pas une vraie banque.")).to_be_visible()
    page.get_by_role("button", name="Payer 120,60 € (simulation)").click()

    expect(page.get_by_text("Paiement confirmé.")).to_be_visible()
    expect(page.get_by_text("Le reçu de paiement est envoyé à jean@example.fr.")).to_be_visible()
    page.get_by_role("link", name="Retour à l'accueil").click()
    expect(page.get_by_text("Vous n'avez aucune facture impayée.")).to_be_visible()
    expect(page.get_by_text("votre compte présente un solde de 0,00")).to_be_visible()
    page.get_by_role("link", name="Relevé de compte").click()
    expect(page.get_by_text("Règlement : Carte bancaire en ligne")).to_be_visible()
    assert page.erreurs_console == []


def test_la_page_de_retour_se_met_a_jour_a_la_confirmation(page, settings):
    from facturation import paiement
    from facturation.models import Facture
    from familles.models import Famille

    settings.DEMO = True
    settings.STRIPE_SECRET_KEY = ""
    creer_demo()
    famille = Famille.objects.get(numero=familles_demo.NUMERO_DUPONT)
    tentative = paiement.paiement_demarrer(
        facture=Facture.objects.get(numero="AL-36"),
        famille=famille,
        email="jean@example.fr",
        url_base="http://testserver/",
    )
    se_connecter(page, familles_demo.IDENTIFIANT_DUPONT, familles_demo.MOT_DE_PASSE_DUPONT)
    page.goto(f"/releve/paiements/{tentative.pk}/")
    expect(page.get_by_text("Votre paiement est en cours de confirmation.")).to_be_visible()
    paiement.banque_simulee_payer(paiement=tentative)  # l'événement arrive pendant l'attente
    expect(page.get_by_text("Paiement confirmé.")).to_be_visible(timeout=15_000)
    assert page.erreurs_console == []


def test_paiement_de_deux_factures_en_une_fois(page, settings):
    from facturation.models import Facture
    from tests.factories import FactureFactory

    settings.DEMO = True
    settings.STRIPE_SECRET_KEY = ""
    creer_demo()
    al36 = Facture.objects.get(numero="AL-36")
    FactureFactory(
        famille=al36.famille, regie=al36.regie, numero="AL-99", montant=Decimal("9.60"), quantite=Decimal("3")
    )
    se_connecter(page, familles_demo.IDENTIFIANT_DUPONT, familles_demo.MOT_DE_PASSE_DUPONT)
    page.get_by_label("Cocher la facture AL-36 pour la payer avec d'autres").check()
    page.get_by_label("Cocher la facture AL-99 pour la payer avec d'autres").check()
    page.get_by_role("button", name="Payer les factures cochées").click()
    expect(page.get_by_role("heading", name="Payer en ligne plusieurs factures")).to_be_visible()
    page.get_by_role("button", name="Payer 130,20").click()
    page.get_by_role("button", name="Payer 130,20 € (simulation)").click()
    expect(page.get_by_text("Paiement confirmé.")).to_be_visible()
    expect(page.get_by_text("sont payées")).to_be_visible()
    page.get_by_role("link", name="Retour à l'accueil").click()
    expect(page.get_by_text("Vous n'avez aucune facture impayée.")).to_be_visible()
    assert page.erreurs_console == []


def test_paiement_payfip_simule_de_bout_en_bout(page, settings):
    """Accueil → Carte → PayFiP (simulé, démonstration) → retour sur le portail : la facture est
    payée, le reçu se télécharge."""
    from facturation.models import Regie

    settings.DEMO = True
    settings.STRIPE_SECRET_KEY = ""
    creer_demo()
    # L'agent choisit PayFiP pour la régie dans l'administration (numéro client de la démo).
    Regie.objects.filter(code=facturation_demo.CODE_REGIE).update(prestataire_paiement="payfip")
    se_connecter(page, familles_demo.IDENTIFIANT_DUPONT, familles_demo.MOT_DE_PASSE_DUPONT)
    impayees = page.get_by_role("table", name="Vos factures impayées")
    impayees.get_by_role("link", name="Carte : payer en ligne la facture AL-36").click()
    expect(page.get_by_text("le paiement passe par un PayFiP simulé")).to_be_visible()
    page.get_by_label("Adresse email pour recevoir le reçu de paiement").fill("jean@example.fr")
    page.get_by_role("button", name="Payer 120,60").click()

    expect(page.get_by_role("heading", name="PayFiP simulé — démonstration")).to_be_visible()
    expect(page.get_by_text("Ceci n'est pas le vrai PayFiP.")).to_be_visible()
    expect(page.get_by_text("AL36", exact=True)).to_be_visible()  # la référence de la dette
    page.get_by_role("button", name="Payer 120,60 € (simulation PayFiP)").click()

    expect(page.get_by_text("Paiement confirmé.")).to_be_visible()
    recu = page.get_by_role("link", name="Reçu (PDF)")
    expect(recu).to_be_visible()
    reponse = page.request.get(recu.get_attribute("href"))
    assert reponse.ok and reponse.headers["content-type"] == "application/pdf"
    page.get_by_role("link", name="Retour à l'accueil").click()
    expect(page.get_by_text("Vous n'avez aucune facture impayée.")).to_be_visible()
    assert page.erreurs_console == []
