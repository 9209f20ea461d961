import pytest
from playwright.sync_api import expect

from familles import demo
from tests.browser.conftest import se_connecter

pytestmark = pytest.mark.django_db(transaction=True)


def test_changement_d_adresse_accepte_par_un_agent(page):
    demo.creer()
    # Le parent demande un changement d'adresse.
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", name="Informations famille")).to_be_visible()
    page.get_by_role("link", name="Informations responsable").click()
    page.get_by_label("Adresse", exact=True).fill("8 RUE DES LILAS")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Votre demande a été transmise au CCAS")).to_be_visible()
    attente = page.locator("section", has=page.get_by_role("heading", name="Demandes en attente"))
    expect(attente).to_contain_text("8 RUE DES LILAS")

    # L'agent l'accepte dans l'administration.
    page.context.clear_cookies()
    page.goto("/admin/login/")
    champ_identifiant = page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Identifiant"))
    champ_identifiant.first.fill(demo.IDENTIFIANT_AGENT)
    page.get_by_label("Mot de passe").fill(demo.MOT_DE_PASSE_AGENT)
    page.get_by_role("button", name="Connexion").click()
    page.goto("/admin/demandes/demande/")
    page.get_by_role("link", name="Informations responsable", exact=True).click()
    expect(page.get_by_text("12 RUE DES BONBONS").first).to_be_visible()
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text("acceptée : la fiche a été mise à jour")).to_be_visible()

    # Le parent voit sa nouvelle adresse et la demande acceptée.
    page.context.clear_cookies()
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_text("8 RUE DES LILAS")).to_be_visible()
    page.get_by_role("link", name="Liste des demandes").click()
    acceptees = page.locator("section", has=page.get_by_role("heading", name="Demandes acceptées"))
    expect(acceptees).to_contain_text("8 RUE DES LILAS")
    # (L'administration ne déclare pas de favicon : son 404 n'est pas une erreur de nos pages.)
    assert [e for e in page.erreurs_console if "favicon" not in e and "404" not in e] == []
