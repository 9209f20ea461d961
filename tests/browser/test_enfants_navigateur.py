import re

import pytest
from playwright.sync_api import expect

from demandes import demo as demandes_demo
from enfants import demo as enfants_demo
from familles import demo
from tests.browser.conftest import accepter_par_l_agent, se_connecter, section

pytestmark = pytest.mark.django_db(transaction=True)


def test_ajout_d_une_personne_autorisee_par_une_demande(page):
    demo.creer()
    enfants_demo.creer()
    demandes_demo.creer()
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    page.get_by_role("link", name="Mes enfants").click()
    page.get_by_role("link", name="LÉA").click()
    expect(page.get_by_role("heading", name="Fiche de LÉA DUPONT")).to_be_visible()
    page.get_by_role("navigation", name="Fiche de LÉA").get_by_role(
        "link", name="Ajouter une personne autorisée"
    ).click()
    page.get_by_role("textbox", name=re.compile(r"^\s*Nom")).fill("BERNARD")
    page.get_by_label("Prénom").fill("Luc")
    page.get_by_label("Lien avec l'enfant").fill("Voisin")
    page.get_by_label("Téléphone").fill("06 98 76 54 32")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Votre demande a été transmise au CCAS")).to_be_visible()
    page.get_by_role("navigation", name="Demandes de").get_by_role("link", name="Mes enfants").click()
    attente = section(page, "Demandes en attente")
    expect(attente).to_contain_text("BERNARD")

    # L'agent accepte la demande dans l'administration.
    accepter_par_l_agent(page, "Ajout d'une personne autorisée", visible="BERNARD")

    # Le parent voit la personne dans la fiche de LÉA.
    page.get_by_role("link", name="Mes enfants").click()
    page.get_by_role("link", name="LÉA").click()
    personnes = section(page, "Personnes autorisées")
    expect(personnes).to_contain_text("BERNARD")
    expect(personnes).to_contain_text("06 98 76 54 32")
    assert [e for e in page.erreurs_console if "favicon" not in e and "404" not in e] == []
