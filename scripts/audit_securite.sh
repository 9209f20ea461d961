#!/usr/bin/env bash
# Analyse statique (bandit) et audit des dépendances (pip-audit), lancés par .ci/run.
# bandit : toute alerte fait échouer. pip-audit : toute vulnérabilité connue fait échouer ;
# si le service de vulnérabilités (API JSON de PyPI) est injoignable depuis la machine, l'audit
# n'a pas eu lieu et le script le dit en toutes lettres au lieu de prétendre « rien trouvé ».
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

echo "== bandit"
"$VENV/bin/bandit" -q -c pyproject.toml -r commun portail familles enfants facturation messagerie demandes || exit 1

echo "== pip-audit"
sortie=$("$VENV/bin/pip-audit" --progress-spinner off --skip-editable 2>&1)
statut=$?
echo "$sortie" | grep -v "Dependency not found on PyPI" | head -40
non_audites=$(echo "$sortie" | grep -c "Dependency not found on PyPI" || true)
if [ "$statut" -ne 0 ]; then
  echo "pip-audit : vulnérabilités connues ou erreur (voir ci-dessus)."
  exit 1
fi
if [ "$non_audites" -gt 0 ]; then
  echo "pip-audit : AUDIT NON EFFECTUÉ pour $non_audites dépendances : le service de vulnérabilités"
  echo "de PyPI n'est pas joignable depuis cette machine (seul l'index des paquets l'est)."
fi
exit 0
