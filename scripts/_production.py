"""Ce que les scripts de mesure partagent : Django avec les réglages de production.

DEBUG=0 (gabarits en cache, pas de journal des requêtes SQL), comme gunicorn dans
scripts/bench_charge.py ; les variables déjà définies par l'appelant sont gardées.
"""

import os
import secrets
import sys
import tempfile
from pathlib import Path


def django_demarrer(**variables: str) -> None:
    """Règle l'environnement de production (plus `variables`), puis démarre Django."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")
    os.environ["DEBUG"] = "0"
    reglages = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "testserver",
        "PORTAIL_URL": "https://portail.example",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        **variables,
    }
    for nom, valeur in reglages.items():
        os.environ.setdefault(nom, valeur)
    os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="portail-statiques-"))

    import django

    django.setup()


def environnement_serveur(*, base: str, statiques: str, **extra: str) -> dict[str, str]:
    """L'environnement d'un gunicorn de mesure (`bench_charge.py`, `bench_ruee.py`) : réglages de
    production, la base `base`, les fichiers statiques dans `statiques`, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "PORTAIL_URL": "https://portail.example",
            "DATABASE_URL": base,
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_ROOT": statiques,
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "AXES_ENABLED": "0",
            **extra,
        }
    )
    return env
