"""« Agir pour cette famille » (issue 22) dans le navigateur : le champ de date du guichet a le
calendrier et les raccourcis de l'administration (widgets.css, jsi18n, calendar.js,
DateTimeShortcuts.js chargés comme dans une fiche de l'administration)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enfants import demo as enfants_demo
from familles import demo
from familles.models import Utilisateur
from tests.browser.conftest import se_connecter_admin

pytestmark = pytest.mark.django_db(transaction=True)


def test_le_jour_se_choisit_au_calendrier_ou_par_aujourd_hui(page):
    demo.creer()
    enfants_demo.creer()
    famille = Utilisateur.objects.get(username=demo.IDENTIFIANT_DUPONT).famille
    se_connecter_admin(page, demo.IDENTIFIANT_AGENT, demo.MOT_DE_PASSE_AGENT)
    page.goto(f"/admin/demandes/demande/guichet/{famille.pk}/planning/")
    jour = page.locator("#id_date")
    raccourcis = page.locator(".datetimeshortcuts")
    expect(raccourcis).to_be_visible()
    # L'icône du calendrier vient de widgets.css : sans la feuille, un lien vide et invisible.
    icone = raccourcis.locator(".date-icon")
    assert "icon-calendar.svg" in icone.evaluate("e => getComputedStyle(e).backgroundImage")
    assert icone.bounding_box()["width"] > 0
    raccourcis.get_by_role("button", name="Aujourd'hui").click()
    expect(jour).to_have_value(timezone.localdate().strftime("%d/%m/%Y"))
    jour.fill("")
    raccourcis.get_by_role("button", name="Choisir une date").click()
    calendrier = page.locator(".calendarbox").first
    expect(calendrier).to_be_visible()
    expect(calendrier).to_contain_text(timezone.localdate().strftime("%Y"))
    calendrier.get_by_role("button", name=re.compile(r"^15 ")).click()
    expect(jour).to_have_value(timezone.localdate().replace(day=15).strftime("%d/%m/%Y"))
    assert page.erreurs_console == []
