"""Les réglages propres aux tests restent dans tests/ : le code livré (les paquets de
pyproject.toml) ne contient ni greffon pytest ni permission d'appeler l'ORM depuis une boucle
asyncio (DJANGO_ALLOW_ASYNC_UNSAFE, que seuls les tests navigateur demandent)."""

import tomllib
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent


def _paquets_livres() -> list[Path]:
    config = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))
    motifs = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted(RACINE / m.rstrip("*") for m in motifs)


def _fichiers_qui_contiennent(texte: str, paquets: list[Path], racine: Path = RACINE) -> list[str]:
    trouves = []
    for paquet in paquets:
        for fichier in paquet.rglob("*.py"):
            if texte in fichier.read_text(encoding="utf-8"):
                trouves.append(str(fichier.relative_to(racine)))
    return trouves


def test_les_paquets_livres_sont_ceux_du_projet():
    noms = {p.name for p in _paquets_livres()}
    assert {"commun", "portail", "familles", "enfants", "facturation", "messagerie", "demandes"} <= noms
    assert all(p.is_dir() for p in _paquets_livres())


def test_aucun_reglage_de_test_dans_le_code_livre():
    paquets = _paquets_livres()
    assert _fichiers_qui_contiennent("DJANGO_ALLOW_ASYNC_UNSAFE", paquets) == []
    assert _fichiers_qui_contiennent("import pytest", paquets) == []
    assert _fichiers_qui_contiennent("pytest_", paquets) == []


def test_la_recherche_trouve_un_reglage_de_test(tmp_path):
    # La même recherche, sur un paquet qui contient le réglage : elle le trouve.
    paquet = tmp_path / "appli"
    paquet.mkdir()
    (paquet / "greffon.py").write_text('os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"\n', encoding="utf-8")
    assert _fichiers_qui_contiennent("DJANGO_ALLOW_ASYNC_UNSAFE", [paquet], tmp_path) == ["appli/greffon.py"]
