"""Deux imports du même fichier au même moment, dans deux vrais processus, sur PostgreSQL : un
seul écrit ; l'autre s'arrête aussitôt avec un message en français (code de sortie 1, pas de
trace d'exception). Un import de règlements lancé pendant ce temps attend son tour de même.

Ce test utilise toujours le PostgreSQL de la machine (une base neuve, créée puis supprimée),
quelle que soit la base de la suite : le verrou consultatif n'existe que là.
"""

import subprocess
import sys
import time

import psycopg
import pytest

from familles.demo import NUMERO_DUPONT
from tests.aides import RACINE, base_de_demonstration, environnement_sans, lancer

ENTETE = (
    "numero_facture;numero_famille;regie;date_facture;date_echeance;periode_debut;"
    "periode_fin;enfant;libelle;quantite;prix_unitaire;montant"
)
FACTURES = 500


def environnement(base):
    return environnement_sans("DJANGO_ALLOW_ASYNC_UNSAFE", DEBUG="1", DATABASE_URL=base)


def commande(base, *arguments, attendre=True):
    appel = [sys.executable, "manage.py", *arguments]
    if not attendre:
        return subprocess.Popen(
            appel,
            cwd=RACINE,
            env=environnement(base),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    return lancer(*appel, env=environnement(base), timeout=300)


@pytest.fixture
def base():
    with base_de_demonstration("portail_import_concurrence", environnement) as url:
        yield url


def verrou_d_import_tenu(connexion) -> bool:
    # Dans la base du test seulement : pg_locks montre les verrous de tout le serveur, et un
    # autre processus de la suite (pytest-xdist) ou une autre suite peut en tenir un ailleurs.
    return (
        connexion.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchone()[0]
        > 0
    )


def test_deux_imports_simultanes_du_meme_fichier_un_seul_ecrit(base, tmp_path):
    chemin = tmp_path / "factures.csv"
    lignes = [
        f"AL-{1000 + n};{NUMERO_DUPONT};AL;05/05/2015;30/05/2015;01/05/2015;31/05/2015;"
        "LÉA;Garderie matin;2;3,20;6,40"
        for n in range(FACTURES)
    ]
    chemin.write_text("\n".join([ENTETE, *lignes]), encoding="utf-8")
    reglements = tmp_path / "reglements.csv"
    reglements.write_text(
        "numero_reglement;numero_famille;regie;date;mode;montant\n"
        f"AL-900;{NUMERO_DUPONT};AL;10/05/2015;Chèque;6,40\n",
        encoding="utf-8",
    )

    with psycopg.connect(base) as bloqueur, psycopg.connect(base, autocommit=True) as observateur:
        # Le premier import prend le verrou d'import, puis attend sur la table des familles que
        # ce test tient : il reste « en cours » aussi longtemps qu'il le faut, sans course.
        bloqueur.execute("LOCK TABLE familles_famille IN ACCESS EXCLUSIVE MODE")
        premier = commande(base, "importer_factures", str(chemin), attendre=False)
        limite = time.monotonic() + 120
        while not verrou_d_import_tenu(observateur):
            assert premier.poll() is None, premier.communicate()
            assert time.monotonic() < limite, "le premier import n'a jamais pris le verrou"
            time.sleep(0.1)

        second = commande(base, "importer_factures", str(chemin))
        reglement = commande(base, "importer_reglements", str(reglements))
        bloqueur.commit()  # le premier import continue

    sortie, erreurs = premier.communicate(timeout=300)
    assert premier.returncode == 0, erreurs
    assert f"Factures créées : {FACTURES} ({FACTURES} lignes, 1 famille" in sortie

    for perdant in (second, reglement):
        assert perdant.returncode == 1
        assert "Import refusé : un import est déjà en cours (lancé par un autre processus)" in (
            perdant.stderr
        )
        assert "Traceback" not in perdant.stderr
        assert perdant.stdout == ""

    with psycopg.connect(base) as connexion:
        factures = connexion.execute("SELECT count(*) FROM facturation_facture").fetchone()[0]
        lignes_ecrites = connexion.execute(
            "SELECT count(*) FROM facturation_lignefacture WHERE libelle = 'Garderie matin' AND quantite = 2"
        ).fetchone()[0]
        assert (
            connexion.execute(
                "SELECT count(*) FROM facturation_reglement WHERE numero = 'AL-900'"
            ).fetchone()[0]
            == 0
        )
    assert factures == FACTURES + 3  # les trois factures de la démonstration (AL-12, AL-36, AL-40)
    assert lignes_ecrites == FACTURES

    # Relancé une fois le premier terminé : rien de nouveau, dit comme tel.
    rejeu = commande(base, "importer_factures", str(chemin))
    assert rejeu.returncode == 0, rejeu.stderr
    assert "Rien de nouveau : ce fichier a déjà été importé." in rejeu.stdout
    assert commande(base, "importer_reglements", str(reglements)).returncode == 0
