#!/usr/bin/env python
"""Le coût d'une page en instructions du processeur (valgrind --tool=callgrind), rapporté à la
vue triviale `/sante/` mesurée de la même façon.

Pourquoi : les mesures en charge (`bench_charge.py`) ne valent que sur une machine au calme ;
callgrind compte des instructions, pas des secondes : le compte ne dépend pas de ce que font les
autres processus (voir docs/performance.md). Il ne compte que le processus Django (rendu, ORM,
pilote psycopg) : le temps passé dans PostgreSQL n'y est pas, ce que les requêtes préparées
réduisent ne s'y voit donc pas.

Méthode : pour chaque page, deux exécutions du même processus sous callgrind, l'une avec `n`
affichages de la page, l'autre avec `2n` ; la différence divisée par `n` est le coût d'un
affichage (démarrage de Django, connexion et échauffement retirés).

    DATABASE_URL=postgres://…/portail_volume .venv/bin/python scripts/bench_instructions.py \
        --identifiant volume.lourde --pages / /releve/ [--n 20]

Résultats en Markdown sur la sortie standard (à recopier dans docs/performance.md).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ICI = Path(__file__).resolve().parent


def _mesurer(identifiant: str, page: str, n: int) -> None:
    """Dans le processus sous callgrind : connexion, échauffement, puis `n` affichages."""
    sys.path.insert(0, str(ICI))
    from _production import django_demarrer

    django_demarrer()
    from django.test import Client

    from familles.models import Utilisateur

    client = Client()
    client.force_login(Utilisateur.objects.get(username=identifiant))
    for _ in range(5):
        assert client.get(page).status_code == 200, page
    for _ in range(n):
        client.get(page)


def _instructions(identifiant: str, page: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as dossier:
        sortie = Path(dossier) / "callgrind.out"
        resultat = subprocess.run(  # noqa: S603 — commande fixe, arguments de ce script
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={sortie}",
                sys.executable,
                __file__,
                "--mesurer",
                identifiant,
                page,
                str(n),
            ],
            check=False,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        if resultat.returncode:
            raise SystemExit(f"{page} : échec sous callgrind\n{resultat.stderr.decode()[-2000:]}")
        totaux = re.search(r"^totals: (\d+)", sortie.read_text(), re.MULTILINE)
        assert totaux, "callgrind n'a pas écrit de total"
        return int(totaux.group(1))


def par_affichage(identifiant: str, page: str, n: int) -> float:
    return (_instructions(identifiant, page, 2 * n) - _instructions(identifiant, page, n)) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identifiant", required=True)
    parser.add_argument("--pages", nargs="+", required=True)
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    # Le manifeste des fichiers statiques, une fois, hors mesure (les processus mesurés en héritent).
    sys.path.insert(0, str(ICI))
    from _production import django_demarrer

    django_demarrer()
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    os.environ["STATIC_ROOT"] = str(settings.STATIC_ROOT)
    reference = par_affichage(args.identifiant, "/sante/", args.n)
    print("| page | instructions par affichage (millions) | part de la vue triviale |")
    print("|---|---|---|")
    print(f"| `/sante/` | {reference / 1e6:.1f} | 100 % |".replace(".", ","))
    for page in args.pages:
        cout = par_affichage(args.identifiant, page, args.n)
        print(f"| `{page}` | {cout / 1e6:.1f} | {100 * reference / cout:.0f} % |".replace(".", ","))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--mesurer":
        _mesurer(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
