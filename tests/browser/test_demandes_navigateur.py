import pytest
from playwright.sync_api import expect

from familles import demo
from tests.browser.conftest import accepter_par_l_agent, se_connecter, section

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
    attente = section(page, "Demandes en attente")
    expect(attente).to_contain_text("8 RUE DES LILAS")

    # L'agent l'accepte dans l'administration.
    accepter_par_l_agent(page, "Informations responsable", visible="12 RUE DES BONBONS")

    # Le parent voit sa nouvelle adresse et la demande acceptée.
    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_text("8 RUE DES LILAS")).to_be_visible()
    page.get_by_role("link", name="Liste des demandes").click()
    acceptees = section(page, "Demandes acceptées")
    expect(acceptees).to_contain_text("8 RUE DES LILAS")
    # (L'administration ne déclare pas de favicon : son 404 n'est pas une erreur de nos pages.)
    assert [e for e in page.erreurs_console if "favicon" not in e and "404" not in e] == []
