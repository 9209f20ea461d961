# Portail Famille — commandes de développement.
#   make demo         : installe tout, crée une base SQLite avec les données de démonstration
#                       et sert le portail sur http://127.0.0.1:8000
#   make test         : installe tout (paquets Debian des tests compris, en root) et lance toute
#                       la suite de tests (navigateur compris)
#   make lint         : ruff, mypy et le contrat d'import (ce que .ci/run contrôle avant les tests)
#   make requirements : régénère les dépendances verrouillées (requirements/*.txt)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installe

.PHONY: demo test install serve lint requirements

# Les dépendances Python viennent des fichiers verrouillés (versions exactes et hachages),
# régénérés depuis pyproject.toml par `make requirements` ; le projet lui-même est installé
# ensuite, sans dépendances.
$(STAMP): requirements/dev.txt pyproject.toml package.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python >= 3.12 est requis (voir .python-version)")'
	@bash scripts/prerequis.sh installation
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	npm ci --silent --no-audit --no-fund
	touch $(STAMP)

install: $(STAMP)

# Verrouille les dépendances de pyproject.toml : requirements/production.txt (le serveur) et
# requirements/dev.txt (production + outils de développement et de test), pour Python 3.12.
# Les versions déjà verrouillées sont gardées ; `make requirements UV_ARGS=--upgrade` les monte
# toutes, `UV_ARGS="--upgrade-package django"` une seule.
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --quiet --python-version 3.12 \
	--generate-hashes --custom-compile-command "make requirements"
requirements: install
	$(UV_COMPILE) -o requirements/production.txt $(UV_ARGS)
	$(UV_COMPILE) --extra dev -o requirements/dev.txt $(UV_ARGS)

demo: export DEBUG ?= 1
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	$(PY) manage.py runserver 127.0.0.1:8000

# Sur PostgreSQL, les tests sans navigateur tournent en parallèle (pytest-xdist, un processus
# par cœur) : plus rapide ; sur SQLite (base en mémoire), en série : plus rapide aussi (mesures
# dans docs/performance.md, « Suite de tests en parallèle »). Les tests navigateur suivent, dans
# un seul processus (un Chromium partagé). `make test PARALLELE="-n auto"` ou `PARALLELE=`
# force l'un ou l'autre. Code 5 de pytest : aucun test retenu dans l'une des deux moitiés par
# PYTEST_ARGS (`-k …`), ce n'est pas une erreur.
ifneq ($(filter postgres%,$(DATABASE_URL)),)
PARALLELE ?= -n auto
else
PARALLELE ?=
endif
test: install
	@bash scripts/prerequis.sh tests
	$(PY) -m pytest -m "not browser" $(PARALLELE) $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(PY) -m pytest -m browser $(PYTEST_ARGS) || [ $$? -eq 5 ]

# Fichiers vérifiés par mypy : le noyau et la couche métier de chaque application, qu'elle
# soit un module (`enfants/services.py`) ou un paquet (`enfants/services/`). Un motif plutôt
# qu'une liste : un nouveau `<app>/requetes.py` est vérifié dès qu'il existe.
MYPY_FICHIERS = commun $(sort $(wildcard */services.py */services */selectors.py */selectors */paiement \
	*/requetes.py */requetes))

# Les contrôles que .ci/run lance avant les tests (voir README, « Contrôles de qualité »).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(VENV)/bin/mypy $(MYPY_FICHIERS)
	$(VENV)/bin/lint-imports
