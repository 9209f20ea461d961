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
