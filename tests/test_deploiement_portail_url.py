"""PORTAIL_URL, d'où viennent les liens des courriels et des factures PDF : hors DEBUG, le
portail refuse de démarrer avec une adresse de la machine elle-même (vérifié dans un processus
à part, comme au démarrage de gunicorn)."""

import os
import secrets
import subprocess

import pytest

from tests.aides import manage


def _check(**variables) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "PORTAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "portail.leves.fr",
            **variables,
        }
    )
    return manage("check", env=env)


@pytest.mark.parametrize(
    "url",
    [
        None,
        "http://127.0.0.1:8000",
        "http://localhost:8000/",
        "https://[::1]",
        "http://0.0.0.0",
        "http://portail.localhost",
    ],
)
def test_production_refuse_une_adresse_de_boucle_locale(url):
    sortie = _check(**({"PORTAIL_URL": url} if url else {}))
    assert sortie.returncode != 0
    assert "ImproperlyConfigured" in sortie.stderr
    assert "désigne la machine elle-même" in sortie.stderr
    assert "indiquez l'adresse publique du portail" in sortie.stderr


def test_production_refuse_une_adresse_incomplete():
    sortie = _check(PORTAIL_URL="portail.leves.fr")
    assert sortie.returncode != 0
    assert "n'est pas une adresse web complète" in sortie.stderr


def test_production_accepte_l_adresse_publique():
    sortie = _check(PORTAIL_URL="https://portail.leves.fr")
    assert sortie.returncode == 0, sortie.stderr


def test_developpement_accepte_la_boucle_locale():
    sortie = _check(DEBUG="1", PORTAIL_URL="http://127.0.0.1:8000")
    assert sortie.returncode == 0, sortie.stderr
