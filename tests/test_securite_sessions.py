"""Sécurité : réglages de production, sessions, journal, limite de « Mot de passe oublié »,
double authentification des agents."""

import json
import logging
import os
import secrets
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.aides import manage

pytestmark = pytest.mark.django_db


def environnement_production(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DEMO", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "portail.ville.example",
            "PORTAIL_URL": "https://portail.ville.example",
            "DJANGO_SETTINGS_MODULE": "portail.settings",
        }
    )
    env.update(extra)
    return env


def test_check_deploy_passe_avec_les_reglages_de_production():
    resultat = manage("check", "--deploy", "--fail-level", "WARNING", env=environnement_production())
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "0 silenced" in resultat.stdout


def test_check_deploy_echoue_si_un_reglage_est_affaibli():
    resultat = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=environnement_production(SECURE_HSTS_SECONDS="0")
    )
    assert resultat.returncode != 0
    assert "security.W004" in resultat.stderr + resultat.stdout


def test_refus_de_demarrer_sans_secret_key_hors_debug():
    env = environnement_production()
    del env["SECRET_KEY"]
    resultat = manage("check", env=env)
    assert resultat.returncode != 0
    assert "SECRET_KEY est obligatoire" in resultat.stderr


def connecter(client, utilisateur, mot_de_passe="Portail2026Ok"):
    return client.post(reverse("connexion"), {"username": utilisateur.username, "password": mot_de_passe})


def test_nouvelle_cle_de_session_a_la_connexion(client, parent):
    client.get(reverse("connexion"))
    client.session["panier"] = "x"
    session = client.session
    session.save()
    avant = session.session_key
    connecter(client, parent)
    assert client.session.session_key != avant
    assert client.session[SESSION_KEY] == str(parent.pk)


def test_expiration_apres_inactivite(client, parent, settings):
    connecter(client, parent)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    assert client.get(reverse("portail:accueil")).status_code == 302


def test_expiration_glissante_rafraichie_au_plus_une_fois_par_minute(client, parent, settings):
    from django.contrib.sessions.models import Session

    connecter(client, parent)
    client.get(reverse("portail:accueil"))
    cle = client.session.session_key
    premiere = Session.objects.get(session_key=cle).expire_date
    client.get(reverse("portail:accueil"))
    assert Session.objects.get(session_key=cle).expire_date == premiere
    session = client.session
    session["vu"] = time.time() - settings.SESSION_RAFRAICHISSEMENT - 1
    session.save()
    sauvegardee = Session.objects.get(session_key=cle).expire_date
    time.sleep(0.01)
    client.get(reverse("portail:accueil"))
    assert Session.objects.get(session_key=cle).expire_date > sauvegardee


def test_duree_de_vie_absolue(client, parent, settings):
    connecter(client, parent)
    session = client.session
    session["connexion_debut"] = time.time() - settings.SESSION_DUREE_MAXIMALE - 1
    session.save()
    reponse = client.get(reverse("portail:accueil"))
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("connexion")
    assert SESSION_KEY not in client.session


def test_desactiver_un_compte_ferme_ses_sessions(client, parent):
    connecter(client, parent)
    assert client.get(reverse("portail:accueil")).status_code == 200
    parent.is_active = False
    parent.save()
    assert client.get(reverse("portail:accueil")).status_code == 302


def lignes_du_journal(caplog):
    return [r for r in caplog.records if r.name == "portail.securite"]


def test_journal_connexion_et_echec_sans_mot_de_passe(client, parent, caplog):
    caplog.set_level(logging.INFO, logger="portail.securite")
    connecter(client, parent, "Mauvais-Secret-42")
    connecter(client, parent)
    evenements = lignes_du_journal(caplog)
    assert [e.evenement for e in evenements] == ["connexion_echec", "connexion"]
    for e in evenements:
        assert e.identifiant == parent.username
        assert e.ip == "127.0.0.1"
        assert "Mauvais-Secret-42" not in json.dumps(e.__dict__, default=str)
        assert "Portail2026Ok" not in json.dumps(e.__dict__, default=str)


def test_journal_neutralise_l_injection(client, caplog):
    caplog.set_level(logging.INFO, logger="portail.securite")
    client.post(reverse("connexion"), {"username": "x\nFAUX evenement=connexion", "password": "a"})
    (echec,) = lignes_du_journal(caplog)
    assert "\n" not in echec.identifiant
    assert echec.identifiant.startswith("x\ufffdFAUX")


def test_journal_au_format_json_en_utc():
    from portail.formateur_journal import FormateurJson

    enregistrement = logging.LogRecord("portail.securite", logging.INFO, "", 0, "connexion", None, None)
    enregistrement.identifiant = "a\nb"
    ligne = FormateurJson("%(asctime)s %(message)s").format(enregistrement)
    donnees = json.loads(ligne)
    assert donnees["identifiant"] == "a\nb"  # échappé dans le JSON : une seule ligne
    assert "\n" not in ligne


def test_reinitialisation_limitee(client, parent, settings):
    cache.clear()
    settings.REINITIALISATION_LIMITE_PAR_HEURE = 3
    for _ in range(5):
        reponse = client.post(reverse("mot_de_passe_oublie"), {"email": parent.email})
        assert reponse.status_code == 302
        assert reponse["Location"] == reverse("mot_de_passe_oublie_envoye")
    assert len(mail.outbox) == 3


@pytest.fixture
def double_authentification(settings):
    settings.ADMIN_DOUBLE_AUTHENTIFICATION = True


def test_agent_sans_code_totp_n_entre_pas(client, agent, double_authentification):
    client.force_login(agent)
    reponse = client.get(reverse("admin:index"))
    assert reponse.status_code == 302
    assert "/admin/login/" in reponse["Location"]


def test_agent_entre_avec_son_code_totp(agent, double_authentification):
    cache.clear()
    appareil = TOTPDevice.objects.create(user=agent, name="test")
    client = Client()
    formulaire = client.get(reverse("admin:login"))
    assert "Code à 6 chiffres" in formulaire.content.decode()
    mauvais = client.post(
        reverse("admin:login"),
        {
            "username": agent.username,
            "password": "Portail2026Ok",
            "otp_device": appareil.persistent_id,
            "otp_token": "000000" if totp(appareil.bin_key) != 0 else "111111",
        },
    )
    assert mauvais.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302
    appareil.refresh_from_db()
    appareil.throttling_failure_count = 0
    appareil.throttling_failure_timestamp = None
    appareil.save()
    bon = client.post(
        reverse("admin:login"),
        {
            "username": agent.username,
            "password": "Portail2026Ok",
            "otp_device": appareil.persistent_id,
            "otp_token": f"{totp(appareil.bin_key):06d}",
            "next": reverse("admin:index"),
        },
    )
    assert bon.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_commande_agent_totp(agent, capsys):
    call_command("agent_totp_creer", agent.username)
    assert TOTPDevice.objects.filter(user=agent).count() == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="déjà un appareil"):
        call_command("agent_totp_creer", agent.username)
    call_command("agent_totp_creer", agent.username, "--remplacer")
    assert TOTPDevice.objects.filter(user=agent).count() == 1


def test_pas_d_enumeration_par_le_temps_de_reponse(client, parent, monkeypatch):
    """Un identifiant inconnu coûte le même calcul de hachage qu'un identifiant connu."""
    from django.contrib.auth import hashers

    appels = []
    original = hashers.make_password

    def compter(*args, **kwargs):
        appels.append(1)
        return original(*args, **kwargs)

    verifications = []
    original_check = hashers.check_password

    def compter_check(*args, **kwargs):
        verifications.append(1)
        return original_check(*args, **kwargs)

    monkeypatch.setattr(hashers, "make_password", compter)
    monkeypatch.setattr("django.contrib.auth.base_user.make_password", compter)
    monkeypatch.setattr("django.contrib.auth.base_user.check_password", compter_check)
    client.post(reverse("connexion"), {"username": "inconnu.total", "password": "Faux-2026-x"})
    cout_inconnu = len(appels) + len(verifications)
    appels.clear()
    verifications.clear()
    client.post(reverse("connexion"), {"username": parent.username, "password": "Faux-2026-x"})
    cout_connu = len(appels) + len(verifications)
    assert cout_inconnu == cout_connu == 1
