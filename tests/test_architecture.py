"""Le sens des dépendances entre applications : le contrat d'import-linter (`pyproject.toml`,
section `tool.importlinter`) est tenu, et il sait échouer."""

import subprocess
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *arguments],
        cwd=RACINE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_le_contrat_des_couches_est_tenu():
    resultat = _lint()
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr


def test_le_contrat_signale_une_couche_qui_importe_plus_haut(tmp_path):
    # Même contrat, couches inversées : chaque import réel devient une violation.
    config = tmp_path / "contrat.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_packages = ["commun", "familles", "enfants"]\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "inverse"\n'
        'type = "layers"\n'
        'layers = ["commun", "familles", "enfants"]\n',
        encoding="utf-8",
    )
    resultat = _lint("--config", str(config))
    assert resultat.returncode == 1
    assert "familles is not allowed to import commun" in resultat.stdout
