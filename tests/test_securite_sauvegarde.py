"""Une sauvegarde pg_dump restaurée dans une base neuve fait encore tourner le portail.

Ce test utilise toujours le PostgreSQL de la machine (127.0.0.1:5432), quelle que soit la base
de la suite : c'est la procédure de production qu'il vérifie (scripts/sauvegarder.sh et
scripts/restaurer.sh, documentés dans le README).
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

RACINE = Path(__file__).resolve().parent.parent
SERVEUR = os.environ.get("PG_SAUVEGARDE_URL", "postgres://postgres@127.0.0.1:5432")

SCRIPT_FUMEE = """
from django.test import Client
from familles import demo
c = Client()
r = c.post("/connexion/", {"username": demo.IDENTIFIANT_DUPONT, "password": demo.MOT_DE_PASSE_DUPONT})
assert r.status_code == 302, r.status_code
page = c.get("/").content.decode()
assert "Bienvenue JEAN DUPONT" in page, page[:500]
assert "1001001818331" in page
print("FUMEE-OK")
"""


def executer(commande, **env):
    environnement = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environnement.update({"DEBUG": "1", "ALLOWED_HOSTS": "testserver", **env})
    resultat = subprocess.run(
        commande, cwd=RACINE, env=environnement, capture_output=True, text=True, timeout=300
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    return resultat.stdout


@pytest.fixture
def bases():
    suffixe = uuid.uuid4().hex[:8]
    noms = [f"portail_sauvegarde_{suffixe}", f"portail_restauree_{suffixe}"]
    with psycopg.connect(f"{SERVEUR}/postgres", autocommit=True) as connexion:
        for nom in noms:
            connexion.execute(f'CREATE DATABASE "{nom}"')
    yield [f"{SERVEUR}/{nom}" for nom in noms]
    with psycopg.connect(f"{SERVEUR}/postgres", autocommit=True) as connexion:
        for nom in noms:
            connexion.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')


def test_sauvegarde_puis_restauration(bases, tmp_path):
    source, cible = bases
    executer([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], DATABASE_URL=source)
    executer([sys.executable, "manage.py", "demo"], DATABASE_URL=source)
    dump = tmp_path / "portail.dump"
    executer(["bash", "scripts/sauvegarder.sh", str(dump)], DATABASE_URL=source)
    assert dump.stat().st_size > 0
    executer(["bash", "scripts/restaurer.sh", str(dump)], DATABASE_URL=cible)
    sortie = executer([sys.executable, "manage.py", "shell", "-c", SCRIPT_FUMEE], DATABASE_URL=cible)
    assert "FUMEE-OK" in sortie
    # La base restaurée est complète : aucune migration en attente.
    plan = executer([sys.executable, "manage.py", "migrate", "--plan"], DATABASE_URL=cible)
    assert "No planned migration operations" in plan
    # Les versions des données ont sauté d'un grand pas : une page gardée dans le cache (Redis)
    # avant la restauration, sous une version de la sauvegarde, n'est plus jamais servie.
    requete = "SELECT cle, valeur FROM commun_version WHERE cle >= 0 ORDER BY cle"
    with psycopg.connect(source) as avant, psycopg.connect(cible) as apres:
        versions_avant = dict(avant.execute(requete).fetchall())
        versions_apres = dict(apres.execute(requete).fetchall())
    assert versions_avant and versions_apres.keys() == versions_avant.keys()
    assert all(versions_apres[cle] >= versions_avant[cle] + 1_000_000 for cle in versions_avant)
