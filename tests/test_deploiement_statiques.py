"""collectstatic avec le stockage de production (noms hachés, compression WhiteNoise) réussit :
un fichier vendu qui référence un fichier absent ferait échouer le déploiement."""

import os
import secrets

from tests.aides import manage


def test_collectstatic_de_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "portail.example",
            "PORTAIL_URL": "https://portail.example",
            "STATIC_ROOT": str(tmp_path),
        }
    )
    resultat = manage("collectstatic", "--noinput", "-v0", env=env, timeout=300)
    assert resultat.returncode == 0, resultat.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/bootstrap/bootstrap.min.*.css.gz"))
