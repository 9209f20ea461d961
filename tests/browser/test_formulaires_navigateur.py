"""Résumé des erreurs d'un formulaire dans Chromium : le focus y va, ses liens mènent au champ."""

import pytest
from playwright.sync_api import expect

from familles import demo
from tests.browser.conftest import se_connecter

pytestmark = pytest.mark.django_db(transaction=True)


def test_le_focus_va_au_resume_puis_au_champ(page):
    demo.creer()
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    page.goto("/messagerie/nouveau/")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    resume = page.locator("#resume-erreurs")
    expect(resume).to_be_visible()
    expect(page).to_have_title("Erreur : Boîte de réception — Nouveau message — CCAS de Lèves")
    expect(resume).to_be_focused()
    resume.get_by_role("link", name="Objet : Indiquez l'objet du message.").click()
    expect(page.get_by_label("Objet")).to_be_focused()
    expect(page.get_by_label("Objet")).to_be_in_viewport()
    assert page.erreurs_console == []


def test_sans_javascript_le_resume_et_ses_liens_fonctionnent(navigateur, live_server):
    demo.creer()
    contexte = navigateur.new_context(java_script_enabled=False, base_url=live_server.url, locale="fr-FR")
    page = contexte.new_page()
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    page.goto("/messagerie/nouveau/")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    resume = page.locator("#resume-erreurs")
    expect(resume).to_be_visible()
    resume.get_by_role("link", name="Objet : Indiquez l'objet du message.").click()
    assert page.url.endswith("#id_objet")
    expect(page.get_by_label("Objet")).to_be_in_viewport()
    contexte.close()


def test_un_texte_colle_trop_long_n_est_pas_coupe_mais_refuse(page):
    demo.creer()
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    page.goto("/messagerie/nouveau/")
    objet = "Pique-nique du mercredi " * 7
    objet = objet.strip()
    page.get_by_label("Objet").fill(objet)  # comme un collage : le navigateur ne coupe rien
    assert len(page.get_by_label("Objet").input_value()) == len(objet) > 150
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.locator("#resume-erreurs")).to_contain_text(
        f"Objet : Assurez-vous que cette valeur comporte au plus 150 caractères (actuellement {len(objet)})."
    )
    assert page.get_by_label("Objet").input_value() == objet
