import re

import pytest
from playwright.sync_api import expect

from enfants import demo as enfants_demo
from familles import demo
from tests.browser.conftest import se_connecter, se_connecter_admin

pytestmark = pytest.mark.django_db(transaction=True)


def test_aller_retour_d_un_message_entre_parent_et_agent(page):
    demo.creer()
    enfants_demo.creer()
    from enfants.models import Structure
    from familles.models import Utilisateur
    from messagerie.models import AgentStructure

    agent = Utilisateur.objects.get(username=demo.IDENTIFIANT_AGENT)
    AgentStructure.objects.create(agent=agent, structure=Structure.objects.get(nom="Accueil de Loisirs"))
    # La démo des enfants prévient déjà les DUPONT d'une place proposée : lue par les deux
    # parents, le compteur de chacun part de 0.
    from messagerie import services
    from messagerie.models import Fil

    for fil in Fil.objects.filter(famille__numero=demo.NUMERO_DUPONT):
        for compte in Utilisateur.objects.filter(famille=fil.famille):
            services.fil_lire(fil=fil, compte=compte)

    # Le parent écrit à l'accueil de loisirs.
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    expect(page.get_by_text("vous avez 0 nouveau message")).to_be_visible()
    page.get_by_role("link", name="Boîte de réception").click()
    page.get_by_role("link", name="Nouveau message", exact=True).click()
    page.get_by_label("Destinataire").select_option(label="Accueil de Loisirs")
    page.get_by_label("Objet").fill("Pique-nique mercredi")
    page.get_by_role("textbox", name=re.compile(r"Message")).fill("Faut-il prévoir un pique-nique pour TOM ?")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.get_by_text("Votre message a été envoyé.")).to_be_visible()
    page.context.clear_cookies()

    assert page.erreurs_console == [], page.erreurs_console

    # L'agent répond dans l'administration.
    se_connecter_admin(page, demo.IDENTIFIANT_AGENT, demo.MOT_DE_PASSE_AGENT)
    page.goto("/admin/messagerie/fil/")
    expect(page.get_by_text("1 non lu")).to_be_visible()
    page.get_by_role("link", name="Pique-nique mercredi").click()
    expect(page.get_by_text("Faut-il prévoir un pique-nique pour TOM ?")).to_be_visible()
    page.get_by_label("Votre réponse").fill("Oui, et une casquette.")
    page.get_by_role("button", name="Répondre", exact=True).click()
    expect(page.get_by_text("Votre réponse a été envoyée à la famille.")).to_be_visible()
    page.context.clear_cookies()
    # Les pages de l'administration de Django font une erreur de ressource 404 dans la console
    # (hors messagerie) : la console n'est contrôlée que sur les pages du portail.
    page.erreurs_console.clear()

    # Le parent voit le compteur, puis la réponse ; le compteur retombe à 0.
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    compteur = page.get_by_role("link", name=re.compile("1 nouveau message"))
    expect(compteur).to_be_visible()
    compteur.click()
    expect(page.get_by_text("1 non lu")).to_be_visible()
    page.get_by_role("link", name=re.compile("Pique-nique mercredi")).click()
    expect(page.get_by_text("Oui, et une casquette.")).to_be_visible()
    expect(page.get_by_text("vous avez 0 nouveau message")).to_be_visible()
    assert page.erreurs_console == [], page.erreurs_console
    page.context.clear_cookies()

    # L'autre parent (son propre compte) : la réponse est toujours nouvelle pour lui, et il voit
    # qui a écrit le premier message.
    se_connecter(page, demo.IDENTIFIANT_DUPONT_CONJOINT, demo.MOT_DE_PASSE_DUPONT_CONJOINT)
    page.get_by_role("link", name=re.compile("1 nouveau message")).click()
    expect(page.get_by_text("1 non lu")).to_be_visible()
    page.get_by_role("link", name=re.compile("Pique-nique mercredi")).click()
    expect(page.get_by_text("JEAN DUPONT")).to_be_visible()
    expect(page.get_by_text("Nouveau", exact=True)).to_be_visible()
    expect(page.get_by_text("vous avez 0 nouveau message")).to_be_visible()
    assert page.erreurs_console == [], page.erreurs_console
