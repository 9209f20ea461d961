"""Résumé des erreurs d'un formulaire dans Chromium : le focus y va, ses liens mènent au champ."""

import pytest
from playwright.sync_api import expect

from familles import demo
from tests.browser.conftest import se_connecter

pytestmark = pytest.mark.django_db(transaction=True)


def _focus(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_le_focus_va_au_resume_puis_au_champ(page):
    demo.creer()
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    page.goto("/messagerie/nouveau/")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    resume = page.locator("#resume-erreurs")
    expect(resume).to_be_visible()
    expect(page).to_have_title("Erreur : Boîte de réception — Nouveau message — CCAS de Lèves")
    assert _focus(page) == "resume-erreurs"
    resume.get_by_role("link", name="Objet : Indiquez l'objet du message.").click()
    assert _focus(page) == "id_objet"
    expect(page.get_by_label("Objet")).to_be_in_viewport()
    assert page.erreurs_console == []


def test_sans_javascript_le_resume_et_ses_liens_fonctionnent(navigateur, live_server):
    demo.creer()
    contexte = navigateur.new_context(java_script_enabled=False, base_url=live_server.url,
                                      locale="fr-FR")
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
