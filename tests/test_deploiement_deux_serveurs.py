"""Deux processus gunicorn sur deux ports, une même base PostgreSQL : une session ouverte sur
l'un est reconnue par l'autre (serveurs d'application sans état, derrière un répartiteur), que
les sessions soient en base ou dans le cache partagé Redis (SESSIONS=cache, REDIS_URL)."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from familles import demo
from tests.aides import RACINE, base_de_demonstration, environnement_sans, lancer, manage

# Le Redis de la machine, partagé avec d'autres suites qui tournent en même temps : ce test n'y
# lit et n'y efface que ses propres clés (un préfixe propre à chaque exécution), sans vider la base.
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/7")


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environnement(base):
    return environnement_sans(
        "DJANGO_ALLOW_ASYNC_UNSAFE", DEBUG="1", DATABASE_URL=base, ALLOWED_HOSTS="127.0.0.1"
    )


@pytest.fixture
def base():
    with base_de_demonstration("portail_deux_serveurs", environnement) as url:
        yield url


@pytest.fixture(params=["base", "cache"], ids=["sessions-en-base", "sessions-dans-redis"])
def sessions(request):
    """Où vivent les sessions : en base, ou seulement dans Redis."""
    if request.param == "base":
        yield {"SESSIONS": "base"}
        return
    import redis

    prefixe = f"test-deux-serveurs-{uuid.uuid4().hex}"
    yield {"SESSIONS": "cache", "REDIS_URL": REDIS_TEST_URL, "CACHE_PREFIXE": prefixe}
    client = redis.Redis.from_url(REDIS_TEST_URL)
    for cle in client.scan_iter(f"{prefixe}:*"):
        client.delete(cle)


@pytest.fixture
def deux_serveurs(base, sessions):
    ports = [port_libre(), port_libre()]
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    processus = [
        subprocess.Popen(
            [gunicorn, "portail.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
            cwd=RACINE,
            env={**environnement(base), **sessions},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
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


def test_la_session_ouverte_sur_un_serveur_vaut_sur_l_autre(deux_serveurs, base, sessions):
    serveur_a, serveur_b = deux_serveurs
    cookies = http.cookiejar.CookieJar()
    navigateur = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    page = navigateur.open(f"{serveur_a}/connexion/").read().decode()
    jeton = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    donnees = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": jeton,
            "username": demo.IDENTIFIANT_DUPONT,
            "password": demo.MOT_DE_PASSE_DUPONT,
        }
    ).encode()
    requete = urllib.request.Request(
        f"{serveur_a}/connexion/", data=donnees, headers={"Referer": f"{serveur_a}/connexion/"}
    )
    assert "Bienvenue JEAN DUPONT" in navigateur.open(requete).read().decode()
    # Même cookie de session, autre serveur (les cookies ne dépendent pas du port).
    accueil_b = navigateur.open(f"{serveur_b}/").read().decode()
    assert "Bienvenue JEAN DUPONT" in accueil_b
    # Sans le cookie, l'autre serveur renvoie vers la connexion.
    anonyme = urllib.request.urlopen(f"{serveur_b}/")
    assert anonyme.url.endswith("/connexion/?next=/")
    # Où la session a été écrite : en base, ou seulement dans Redis.
    with psycopg.connect(base) as connexion:
        en_base = connexion.execute("SELECT COUNT(*) FROM django_session").fetchone()[0]
    if sessions["SESSIONS"] == "base":
        assert en_base >= 1
    else:
        import redis

        assert en_base == 0
        cles = redis.Redis.from_url(REDIS_TEST_URL).keys(f"{sessions['CACHE_PREFIXE']}:*")
        assert any(b"django.contrib.sessions" in cle for cle in cles)
    # Déconnexion sur B : la session ne vaut plus sur A non plus.
    page_b = navigateur.open(f"{serveur_b}/").read().decode()
    jeton_b = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_b)[1]

    class SansSuivre(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None  # la déconnexion renvoie vers le site de la ville : on ne le suit pas

    with pytest.raises(urllib.error.HTTPError) as redirection:
        urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies), SansSuivre).open(
            urllib.request.Request(
                f"{serveur_b}/deconnexion/",
                headers={"Referer": f"{serveur_b}/"},
                data=urllib.parse.urlencode({"csrfmiddlewaretoken": jeton_b}).encode(),
            )
        )
    assert redirection.value.code == 302
    assert navigateur.open(f"{serveur_a}/").url.endswith("/connexion/?next=/")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"SESSIONS": "memoire"}, "SESSIONS='memoire' : valeurs possibles base, cache, cache_base"),
        ({"SESSIONS": "cache"}, "demande un cache partagé : définissez REDIS_URL"),
        ({"SESSIONS": "cache_base"}, "demande un cache partagé : définissez REDIS_URL"),
    ],
)
def test_sessions_en_cache_sans_cache_partage_refusees(variables, message):
    """Des sessions dans un cache propre à chaque processus : une déconnexion sur un serveur
    laisserait la session valide sur les autres. Le portail refuse de démarrer."""
    sortie = manage("check", env=environnement_sans("REDIS_URL", "SESSIONS", DEBUG="1", **variables))
    assert sortie.returncode != 0
    assert message in sortie.stderr


def test_sessions_dans_redis_acceptees():
    env = {**os.environ, "DEBUG": "1", "SESSIONS": "cache", "REDIS_URL": REDIS_TEST_URL}
    sortie = lancer(
        sys.executable,
        "-c",
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'])",
        env={**env, "DJANGO_SETTINGS_MODULE": "portail.settings"},
    )
    assert sortie.stdout.split() == [
        "django.contrib.sessions.backends.cache",
        "django.core.cache.backends.redis.RedisCache",
    ]
