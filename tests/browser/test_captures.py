"""scripts/captures.py : sert la démonstration, capture les pages, écrit la planche contact."""

import os
import sys

from PIL import Image

from tests.aides import lancer


def test_captures_d_une_page_du_portail_et_de_l_administration(tmp_path):
    # Le script a sa propre base et ses propres réglages : rien de l'environnement des tests.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    resultat = lancer(
        sys.executable,
        "scripts/captures.py",
        str(tmp_path),
        "--pages",
        "portail:accueil",
        "--pages",
        "admin-index",
        env=env,
        timeout=300,
    )
    assert resultat.returncode == 0, resultat.stderr
    for nom, largeur in [
        ("portail_accueil-360.png", 360),
        ("portail_accueil-1280.png", 1280),
        ("admin-index-1280.png", 1280),
    ]:
        with Image.open(tmp_path / nom) as image:
            assert image.width == largeur and image.height >= 800, nom
    planche = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "portail:accueil" in planche and "admin-index" in planche
    assert "src='portail_accueil-360.png'" in planche
    assert "class='defaut'" not in planche, "défauts de mise en page sur la planche"
    assert not (tmp_path / "public_connexion-360.png").exists(), "--pages filtre les pages"
