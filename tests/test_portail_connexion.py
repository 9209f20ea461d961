"""Connexion, verrouillage, déconnexion, accueil (issue fondation)."""

import re

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from familles import demo
from portail.forms import MESSAGE_CONNEXION_INVALIDE

pytestmark = pytest.mark.django_db


def connecter(client, identifiant, mot_de_passe, **extra):
    return client.post(reverse("connexion"), {"username": identifiant, "password": mot_de_passe}, **extra)


def test_page_de_connexion_du_guide(client, settings):
    settings.CCAS_TELEPHONE = "02 99 99 99 99"
    settings.CCAS_EMAIL = "accueil@ville.example"
    page = client.get(reverse("connexion")).content.decode()
    for texte in (
        "COMPTE FAMILLE",
        "Identifiant",
        "Mot de passe",
        "Connexion",
        "Mot de passe oublié ?",
        "02 99 99 99 99",
        "accueil@ville.example",
    ):
        assert texte in page


def test_connexion_du_parent_de_demo_mene_a_l_accueil(client):
    demo.creer()
    reponse = connecter(client, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT, follow=True)
    assert reponse.redirect_chain[-1][0] == reverse("portail:accueil")
    page = reponse.content.decode()
    assert "Bienvenue JEAN DUPONT, vous avez" in page
    assert "0 nouveau message" in page
    assert date_format(timezone.localdate(), "l j F Y") in page
    bloc = re.sub(r"\s+", " ", page)
    assert "<dt>Civilité</dt><dd>Monsieur</dd>" in bloc.replace("> <", "><")
    assert "1001001818331" in page
    assert "<dd>JEAN</dd>" in page and "<dd>DUPONT</dd>" in page


def test_date_en_francais(client_parent, settings, monkeypatch):
    import datetime

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2015, 5, 4))
    page = client_parent.get(reverse("portail:accueil")).content.decode()
    assert "lundi 4 mai 2015" in page


def test_onglets_sans_page_ne_sont_pas_affiches(client_parent):
    from portail.onglets import ONGLETS, onglets_visibles

    visibles = {o["libelle"] for o in onglets_visibles("/")}
    page = client_parent.get(reverse("portail:accueil")).content.decode()
    assert "Accueil" in visibles
    for onglet in ONGLETS:
        lien = f">{onglet.libelle}</a>"
        assert (lien in page) == (onglet.libelle in visibles)
    assert "Déconnexion" in page


def test_mauvais_mot_de_passe_message_neutre(client, parent):
    reponse = connecter(client, parent.username, "Faux-mot-2026")
    assert reponse.status_code == 200
    assert MESSAGE_CONNEXION_INVALIDE in reponse.content.decode()
    assert "_auth_user_id" not in client.session


def test_identifiant_inconnu_meme_message(client, parent):
    inconnu = connecter(client, "personne.inconnue", "Faux-mot-2026").content.decode()
    assert MESSAGE_CONNEXION_INVALIDE in inconnu


def test_compte_desactive_meme_message(client, parent, mot_de_passe):
    parent.is_active = False
    parent.save()
    reponse = connecter(client, parent.username, mot_de_passe)
    assert MESSAGE_CONNEXION_INVALIDE in reponse.content.decode()


def test_identifiant_trop_long_refuse_sans_erreur_serveur(client):
    reponse = connecter(client, "x" * 5000, "Faux-mot-2026")
    assert reponse.status_code == 200
    assert "au plus 150 caractères" in reponse.content.decode()


def test_verrouillage_apres_echecs_meme_avec_le_bon_mot_de_passe(client, parent, mot_de_passe, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        connecter(client, parent.username, "Faux-mot-2026")
    reponse = connecter(client, parent.username, mot_de_passe)
    assert reponse.status_code == 429
    assert "Trop de tentatives de connexion ont échoué" in reponse.content.decode()
    assert "_auth_user_id" not in client.session


def test_verrouillage_ne_revele_pas_si_l_identifiant_existe(client, parent, settings):
    for identifiant in (parent.username, "personne.inconnue"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            connecter(client, identifiant, "Faux-mot-2026")
        reponse = connecter(client, identifiant, "Faux-mot-2026")
        assert reponse.status_code == 429


def test_verrouillage_par_identifiant_et_adresse_ip(client, parent, mot_de_passe, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        connecter(client, parent.username, "Faux-mot-2026", REMOTE_ADDR="10.0.0.1")
    # Depuis une autre adresse, le parent n'est pas bloqué par l'attaquant.
    reponse = connecter(client, parent.username, mot_de_passe, REMOTE_ADDR="10.0.0.2")
    assert reponse.status_code == 302


def test_deverrouillage_apres_la_periode(client, parent, mot_de_passe, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        connecter(client, parent.username, "Faux-mot-2026")
    assert connecter(client, parent.username, mot_de_passe).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME * 2)
    assert connecter(client, parent.username, mot_de_passe).status_code == 302


def test_deconnexion_post_vers_le_site_de_la_ville(client_parent, settings):
    reponse = client_parent.post(reverse("deconnexion"))
    assert reponse.status_code == 302
    assert reponse["Location"] == settings.SITE_VILLE_URL
    assert "_auth_user_id" not in client_parent.session
    assert client_parent.get(reverse("portail:accueil")).status_code == 302


def test_deconnexion_par_get_refusee(client_parent):
    assert client_parent.get(reverse("deconnexion")).status_code == 405
    assert client_parent.get(reverse("portail:accueil")).status_code == 200


def test_jeton_csrf_manquant(parent, mot_de_passe):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    reponse = connecter(client, parent.username, mot_de_passe)
    assert reponse.status_code == 403
    assert "Formulaire expiré" in reponse.content.decode()
    assert "_auth_user_id" not in client.session


def test_compte_agent_sans_famille_n_a_pas_de_portail(client, agent):
    client.force_login(agent)
    assert client.get(reverse("portail:accueil")).status_code == 403


def test_nombre_de_requetes_de_l_accueil_borne(client_parent, django_assert_max_num_queries):
    client_parent.get(reverse("portail:accueil"))  # la session vient d'être rafraîchie
    # session, utilisateur, famille, responsables, messages non lus ; factures impayées, solde.
    with django_assert_max_num_queries(8):
        assert client_parent.get(reverse("portail:accueil")).status_code == 200
