#!/usr/bin/env python
"""Banc d'essai de l'import des factures sur PostgreSQL (pas un test : un script à lancer).

Génère un export de 100 000 lignes (~20 000 factures, 5 000 familles), le charge une fois par
un simple `COPY` dans une table nue (colonnes texte, sans contrôle), puis l'importe avec
`importer_factures` dans la même exécution, et affiche les deux durées et leur rapport.

    .venv/bin/python scripts/bench_import_factures.py [--lignes 100000] [--familles 5000]

Mémoire (`--memoire`) : lance la vraie commande `manage.py importer_factures`, réglages de
production (DEBUG=0), sous `/usr/bin/time -v`, sur un fichier de 20 000 lignes puis sur un de
2 000 000 (même nombre de familles), et compare la mémoire maximale (RSS) des deux processus :
elle ne doit pas croître avec la taille du fichier.

    .venv/bin/python scripts/bench_import_factures.py --memoire [--tailles 20000,2000000]

Base : BENCH_DATABASE_URL (défaut postgres://postgres@127.0.0.1:5432/portail_facturation_bench),
créée et migrée si besoin ; ses factures sont effacées à chaque exécution.
"""

import argparse
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portail_facturation_bench")
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")

ENTETE = (
    "numero_facture;numero_famille;regie;date_facture;date_echeance;periode_debut;"
    "periode_fin;enfant;libelle;quantite;prix_unitaire;montant"
)
LIBELLES = [
    ("Garderie matin", "3,20"),
    ("Garderie soir", "3,20"),
    ("Restauration midi", "3,25"),
    ("ALSH Mercredi après-midi", "12,50"),
    ("ALSH Vacances journée", "18,40"),
]


def base_creer():
    import psycopg

    nom = URL.rsplit("/", 1)[1]
    with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connexion:
        existe = connexion.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nom]).fetchone()
        if not existe:
            connexion.execute(f'CREATE DATABASE "{nom}"')


def fichier_generer(chemin: Path, lignes: int, familles: list[str]) -> int:
    aleatoire = random.Random(2015)  # noqa: S311 (données de test reproductibles)
    numero = 0
    ecrites = 0
    with open(chemin, "w", encoding="utf-8", newline="") as f:
        f.write(ENTETE + "\n")
        while ecrites < lignes:
            numero += 1
            famille = familles[numero % len(familles)]
            mois = 1 + numero % 12
            entete = (
                f"AL-{numero};{famille};AL;05/{mois:02d}/2025;28/{mois:02d}/2025;"
                f"01/{mois:02d}/2025;28/{mois:02d}/2025"
            )
            for i in range(min(5, lignes - ecrites)):
                libelle, prix = LIBELLES[i]
                quantite = aleatoire.randint(1, 20)
                montant = Decimal(prix.replace(",", ".")) * quantite
                f.write(
                    f"{entete};ENFANT {i % 2};{libelle};{quantite};{prix};{str(montant).replace('.', ',')}\n"
                )
                ecrites += 1
    return numero


def milliers(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def commande_mesurer(chemin: Path) -> dict:
    """`manage.py importer_factures` dans un processus à part, sous /usr/bin/time -v."""
    env = {**os.environ, "DEBUG": "0", "DEMO": "0", "SECRET_KEY": "banc-d-essai-memoire", "DATABASE_URL": URL}
    resultat = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, str(RACINE / "manage.py"), "importer_factures", str(chemin)],
        cwd=RACINE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if resultat.returncode != 0:
        raise SystemExit(resultat.stdout + resultat.stderr)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", resultat.stderr)[1])
    duree = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", resultat.stderr)[1]
    return {"rss_mo": rss / 1024, "duree": duree, "resume": resultat.stdout.strip()}


def base_preparer(familles_nombre: int) -> list[str]:
    """Base migrée, factures et règlements effacés, régie AL et familles créées ; leurs N°."""
    import django

    django.setup()
    from django.core.management import call_command

    from facturation.models import Regie
    from familles.models import Famille

    call_command("migrate", verbosity=0)
    factures_effacer()
    Regie.objects.update_or_create(code="AL", defaults={"nom": "Régie garderie ALSH"})
    numeros = [f"{3000000000000 + n:013d}" for n in range(familles_nombre)]
    existants = set(Famille.objects.filter(numero__in=numeros).values_list("numero", flat=True))
    Famille.objects.bulk_create([Famille(numero=n) for n in numeros if n not in existants], batch_size=2000)
    return numeros


def factures_effacer() -> None:
    from django.db import connection

    from facturation.models import Affectation, Facture, LigneFacture, PaiementEnLigne, Reglement

    with connection.cursor() as curseur:
        curseur.execute(
            "TRUNCATE "
            + ", ".join(
                m._meta.db_table for m in (PaiementEnLigne, Affectation, Reglement, LigneFacture, Facture)
            )
        )


def memoire(tailles: list[int], familles_nombre: int) -> None:
    numeros = base_preparer(familles_nombre)
    mesures = []
    with tempfile.TemporaryDirectory() as dossier:
        for lignes in tailles:
            factures_effacer()
            chemin = Path(dossier) / f"factures-{lignes}.csv"
            factures = fichier_generer(chemin, lignes, numeros)
            mesure = commande_mesurer(chemin)
            mesure.update(lignes=lignes, factures=factures, taille=chemin.stat().st_size)
            mesures.append(mesure)
            chemin.unlink()
            print(
                f"{milliers(lignes):>10} lignes ({milliers(factures)} factures, "
                f"{mesure['taille'] / 1e6:.0f} Mo) : mémoire max {mesure['rss_mo']:.0f} Mo, "
                f"durée {mesure['duree']}"
            )
            print("    " + mesure["resume"].replace("\n", "\n    "))
    reference = mesures[0]
    for mesure in mesures[1:]:
        print(
            f"Écart {milliers(mesure['lignes'])} / {milliers(reference['lignes'])} lignes : "
            f"{mesure['rss_mo'] - reference['rss_mo']:+.1f} Mo"
        )
    print(f"Charge de la machine (load average 1 min) : {os.getloadavg()[0]:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lignes", type=int, default=100_000)
    parser.add_argument("--familles", type=int, default=5_000)
    parser.add_argument(
        "--memoire", action="store_true", help="Mémoire maximale de la commande selon la taille du fichier."
    )
    parser.add_argument(
        "--tailles", default="20000,2000000", help="Tailles de fichier (lignes) comparées par --memoire."
    )
    options = parser.parse_args()

    base_creer()
    if options.memoire:
        memoire([int(t) for t in options.tailles.split(",")], options.familles)
        return
    numeros = base_preparer(options.familles)
    from django.db import connection, transaction

    from facturation import importation

    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "factures.csv"
        factures = fichier_generer(chemin, options.lignes, numeros)
        taille = chemin.stat().st_size

        with connection.cursor() as curseur:
            curseur.execute("DROP TABLE IF EXISTS bench_copy_factures")
            curseur.execute(
                "CREATE TABLE bench_copy_factures (" + ", ".join(f"{c} text" for c in ENTETE.split(";")) + ")"
            )
            connection.commit() if not connection.get_autocommit() else None
            debut = time.perf_counter()
            with transaction.atomic(), open(chemin, "rb") as f:
                brut = curseur.connection.cursor()
                with brut.copy(
                    "COPY bench_copy_factures FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)"
                ) as copie:
                    while bloc := f.read(1 << 16):
                        copie.write(bloc)
            duree_copy = time.perf_counter() - debut
            curseur.execute("SELECT count(*) FROM bench_copy_factures")
            assert curseur.fetchone()[0] == options.lignes
            curseur.execute("DROP TABLE bench_copy_factures")

        memoire_avant = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        debut, cpu = time.perf_counter(), time.process_time()
        with transaction.atomic():
            rapport = importation.factures_importer(chemin=chemin)
        duree_import = time.perf_counter() - debut
        cpu_import = time.process_time() - cpu
        memoire_apres = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        debut = time.perf_counter()
        with transaction.atomic():
            rejeu = importation.factures_importer(chemin=chemin)
        duree_rejeu = time.perf_counter() - debut

    assert rapport.factures_creees == factures and rapport.lignes_creees == options.lignes
    assert rejeu.factures_ignorees == factures and rejeu.factures_creees == 0
    print(
        f"Fichier : {options.lignes} lignes, {factures} factures, {options.familles} familles, "
        f"{taille / 1e6:.1f} Mo"
    )
    print(f"COPY dans une table nue : {duree_copy:.2f} s")
    print(
        f"importer_factures       : {duree_import:.2f} s "
        f"({options.lignes / duree_import:,.0f} lignes/s ; temps CPU du processus : {cpu_import:.2f} s)"
    )
    print(f"Rapport import / COPY   : {duree_import / duree_copy:.1f}×")
    print(f"Rejeu (rien à créer)    : {duree_rejeu:.2f} s")
    print(f"Charge de la machine (load average 1 min) : {os.getloadavg()[0]:.1f}")
    print(
        f"Mémoire max du processus : {memoire_apres / 1024:.0f} Mo "
        f"(+{(memoire_apres - memoire_avant) / 1024:.0f} Mo pendant l'import)"
    )


if __name__ == "__main__":
    main()
