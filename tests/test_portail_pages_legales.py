"""Déclaration d'accessibilité, mentions légales et données personnelles : publiques, au pied de page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES_LEGALES = ["accessibilite", "mentions_legales", "donnees_personnelles"]


@pytest.mark.parametrize("nom", PAGES_LEGALES)
def test_page_legale_publique(nom, client):
    reponse = client.get(reverse(nom))
    assert reponse.status_code == 200


@pytest.mark.parametrize("nom", PAGES_LEGALES)
def test_page_legale_accessible_avant_le_changement_de_mot_de_passe_impose(nom, client, parent):
    parent.doit_changer_mot_de_passe = True
    parent.save()
    client.force_login(parent)
    reponse = client.get(reverse(nom))
    assert reponse.status_code == 200
    assert client.get(reverse("portail:accueil")).url == reverse("mot_de_passe_nouveau")


def _absents(contenu: str, attendus: list[str]) -> list[str]:
    """Les textes attendus que la page ne contient pas (tous nommés en cas d'échec)."""
    return [attendu for attendu in attendus if attendu not in contenu]


@pytest.mark.parametrize("chemin", ["/connexion/", "/accessibilite/", "/"])
def test_le_pied_de_page_mene_aux_pages_legales(chemin, client, parent):
    if chemin == "/":
        client.force_login(parent)
    contenu = client.get(chemin).content.decode()
    liens = [
        '<a href="/accessibilite/">Accessibilité : partiellement conforme</a>',
        '<a href="/mentions-legales/">Mentions légales</a>',
        '<a href="/donnees-personnelles/">Données personnelles</a>',
    ]
    assert _absents(contenu, liens) == []


def test_declaration_d_accessibilite_au_format_rgaa(client, settings):
    settings.ACCESSIBILITE_DATE_EVALUATION = "2026-11-28"
    contenu = client.get("/accessibilite/").content.decode()
    attendus = [
        "<strong>partiellement conforme</strong>",
        "RGAA), version 4.1",
        "Contenus non accessibles",
        "Dérogations pour charge disproportionnée",
        '<time datetime="2026-11-28">28/11/2026</time>',
        "Technologies utilisées",
        "Environnement de test",
        "Retour d'information et contact",
        "ccas@leves.fr",
        "Voies de recours",
        "Défenseur des droits",
        "Libre réponse 71120",
    ]
    assert _absents(contenu, attendus) == []


def test_mentions_legales_viennent_des_reglages(client, settings):
    settings.NOM_CCAS = "CCAS de Chartres"
    settings.DIRECTEUR_PUBLICATION = "Mme la présidente du CCAS"
    settings.HEBERGEUR_NOM = "Hébergeur Exemple SAS"
    settings.HEBERGEUR_ADRESSE = "1 rue du Serveur, 75000 Paris"
    contenu = client.get("/mentions-legales/").content.decode()
    attendus = [
        "édité par le CCAS de Chartres",
        "Mme la présidente du CCAS",
        "Hébergeur Exemple SAS, 1 rue du Serveur, 75000 Paris",
    ]
    assert _absents(contenu, attendus) == []


def test_donnees_personnelles_decrivent_le_traitement(client, settings):
    settings.DPO_EMAIL = "dpo@leves.fr"
    contenu = client.get("/donnees-personnelles/").content.decode()
    attendus = [
        "données de santé",
        "IBAN",
        "Factures et règlements",
        "Messages et demandes",
        "mission de service public",
        "Durées de conservation",
        "Qui voit vos données",
        "Vos droits",
        'href="mailto:dpo@leves.fr"',
        "www.cnil.fr/fr/plaintes",
    ]
    assert _absents(contenu, attendus) == []
