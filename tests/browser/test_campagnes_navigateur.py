"""Campagne d'inscription dans Chromium : depuis l'accueil, le parent ouvre son dossier,
certifie (la case oubliée est signalée), indique « pas d'inscription » pour ses enfants, envoie ;
l'agent voit le dossier envoyé au tableau de bord."""

import re

import pytest
from playwright.sync_api import expect

from familles import demo
from tests import factories
from tests.browser.conftest import se_connecter, se_connecter_admin

pytestmark = pytest.mark.django_db(transaction=True)


def campagne_famille():
    from familles.models import Famille

    return Famille.objects.get(numero=demo.NUMERO_DUPONT)


def test_le_parcours_du_dossier_de_campagne(page):
    demo.creer()
    campagne = factories.CampagneFactory(nom="Rentrée 2027")
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    bloc = page.locator("section.a-faire")
    bloc.get_by_role("link", name=re.compile(r"Dossier 2027-2028 : \d étapes? sur 5")).click()
    expect(page).to_have_url(re.compile(rf"/compte/dossier/{campagne.pk}/#etape-famille$"))
    page.get_by_role("button", name="Confirmer mon dossier").click()
    expect(page.get_by_text("Cochez « Je certifie l'exactitude").first).to_be_visible()
    page.get_by_label("Je certifie l'exactitude des informations de mon dossier").check()
    page.get_by_role("button", name="Confirmer mon dossier").click()
    expect(page.get_by_text("Votre dossier famille est confirmé.")).to_be_visible()
    expect(page.get_by_text(re.compile("Dossier certifié exact le"))).to_be_visible()
    # Un enfant (au moins) : « pas d'inscription cette année », puis l'envoi.
    factories.EnfantFactory(famille=campagne_famille(), prenom="ZOÉ")
    page.reload()
    page.get_by_role("button", name="Pas d'inscription cette année pour ZOÉ").click()
    expect(page.get_by_text("C'est noté : pas d'inscription cette année pour ZOÉ.")).to_be_visible()
    page.get_by_role("button", name="Envoyer mon dossier").click()
    expect(page.get_by_text(re.compile("Votre dossier a été envoyé au CCAS le"))).to_be_visible()
    expect(page.get_by_text("5 étapes sur 5 faites.")).to_be_visible()
    assert page.erreurs_console == [], page.erreurs_console

    se_connecter_admin(page, demo.IDENTIFIANT_AGENT, demo.MOT_DE_PASSE_AGENT)
    page.goto("/admin/enfants/campagne/")
    page.get_by_role("link", name="Tableau de bord").click()
    expect(page.locator("#dossiers")).to_contain_text("Ayant envoyé leur dossier : 1")
