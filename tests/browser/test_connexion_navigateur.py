import pytest
from playwright.sync_api import expect

from familles import demo
from tests.browser.conftest import se_connecter

pytestmark = pytest.mark.django_db(transaction=True)


def test_le_parent_de_demo_se_connecte_et_voit_l_accueil(page):
    demo.creer()
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    expect(page.get_by_text("Bienvenue JEAN DUPONT, vous avez")).to_be_visible()
    expect(page.get_by_role("heading", name="Responsable")).to_be_visible()
    expect(page.get_by_text("1001001818331")).to_be_visible()
    expect(page.get_by_role("navigation", name="Onglets du portail")).to_contain_text("Accueil")
    assert page.erreurs_console == []


def test_premiere_connexion_impose_le_changement(page):
    demo.creer()
    se_connecter(page, demo.IDENTIFIANT_MARTIN, demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN)
    expect(page.get_by_role("heading", name="Choisir un nouveau mot de passe")).to_be_visible()
    page.get_by_role("textbox", name="Nouveau mot de passe", exact=False).first.fill("Lapin-Vert-2026")
    page.get_by_label("Confirmation du nouveau mot de passe").fill("Lapin-Vert-2026")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Votre mot de passe a été changé.")).to_be_visible()
    expect(page.get_by_text("Bienvenue SOPHIE MARTIN")).to_be_visible()


def test_la_csp_autorise_la_redirection_de_deconnexion(client, settings):
    """« Déconnexion » est un POST redirigé vers le site de la ville : form-action doit le
    permettre (la directive couvre les redirections qui suivent un envoi de formulaire)."""
    from portail.settings import _origine

    entete = client.get("/connexion/")["Content-Security-Policy"]
    form_action = next(d for d in entete.split(";") if "form-action" in d)
    assert _origine(settings.SITE_VILLE_URL) in form_action
