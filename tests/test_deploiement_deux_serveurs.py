"""Deux processus gunicorn sur deux ports, une même base PostgreSQL : une session ouverte sur
l'un est reconnue par l'autre (serveurs d'application sans état, derrière un répartiteur)."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from familles import demo

RACINE = Path(__file__).resolve().parent.parent
SERVEUR = os.environ.get("PG_SAUVEGARDE_URL", "postgres://postgres@127.0.0.1:5432")


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environnement(base):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DEBUG": "1", "DATABASE_URL": base, "ALLOWED_HOSTS": "127.0.0.1"})
    return env


@pytest.fixture
def base():
    nom = f"portail_deux_serveurs_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVEUR}/postgres", autocommit=True) as connexion:
        connexion.execute(f'CREATE DATABASE "{nom}"')
    url = f"{SERVEUR}/{nom}"
    for commande in (["migrate", "--noinput", "-v0"], ["demo"]):
        subprocess.run([sys.executable, "manage.py", *commande], cwd=RACINE,
                       env=environnement(url), check=True, capture_output=True, timeout=300)
    yield url
    with psycopg.connect(f"{SERVEUR}/postgres", autocommit=True) as connexion:
        connexion.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')


@pytest.fixture
def deux_serveurs(base):
    ports = [port_libre(), port_libre()]
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    processus = [
        subprocess.Popen([gunicorn, "portail.wsgi", "--workers", "1", "--bind",
                          f"127.0.0.1:{port}"], cwd=RACINE, env=environnement(base),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in ports
    ]
    try:
        for port in ports:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail(f"gunicorn n'a pas démarré sur le port {port}")
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for p in processus:
            p.terminate()
            p.wait(timeout=10)


def test_la_session_ouverte_sur_un_serveur_vaut_sur_l_autre(deux_serveurs):
    serveur_a, serveur_b = deux_serveurs
    cookies = http.cookiejar.CookieJar()
    navigateur = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    page = navigateur.open(f"{serveur_a}/connexion/").read().decode()
    jeton = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    donnees = urllib.parse.urlencode({
        "csrfmiddlewaretoken": jeton, "username": demo.IDENTIFIANT_DUPONT,
        "password": demo.MOT_DE_PASSE_DUPONT}).encode()
    requete = urllib.request.Request(f"{serveur_a}/connexion/", data=donnees,
                                     headers={"Referer": f"{serveur_a}/connexion/"})
    assert "Bienvenue JEAN DUPONT" in navigateur.open(requete).read().decode()
    # Même cookie de session, autre serveur (les cookies ne dépendent pas du port).
    accueil_b = navigateur.open(f"{serveur_b}/").read().decode()
    assert "Bienvenue JEAN DUPONT" in accueil_b
    # Sans le cookie, l'autre serveur renvoie vers la connexion.
    anonyme = urllib.request.urlopen(f"{serveur_b}/")
    assert anonyme.url.endswith("/connexion/?next=/")
