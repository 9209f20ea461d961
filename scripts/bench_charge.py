#!/usr/bin/env python
"""Mesure en charge : débit et p95 des pages du portail face à la vue triviale, même serveur,
même exécution.

Lance gunicorn (réglages de production, DEBUG=0) sur une base PostgreSQL préparée, ouvre des
sessions de parents, puis lance wrk (paquet Debian) sur la boucle locale avec les cookies de
session, à 16 et 64 clients. Résultats en Markdown sur la sortie standard (à recopier dans
docs/performance.md).

    .venv/bin/python scripts/bench_charge.py [--base postgres://postgres@127.0.0.1:5432/portail_bench]
        [--workers 5] [--duree 10] [--repetitions 3] [--pages /sante/,/] [--sans-preparation]

La première page de --pages sert de plancher. La base est créée, migrée et remplie par
`manage.py demo` sauf avec --sans-preparation (pour
mesurer sur une base de volume préparée par `manage.py generer_volume`).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from _production import environnement_serveur  # le dossier du script est dans sys.path

RACINE = Path(__file__).resolve().parent.parent

SCRIPT_LUA = r"""
local cookies = {}
local i = 0
function setup(thread)
  i = i + 1
  thread:set("id", i)
end
function init(args)
  cookies = {}
  for c in string.gmatch(os.getenv("COOKIES"), "[^|]+") do table.insert(cookies, c) end
  wrk.headers["Cookie"] = cookies[(id % #cookies) + 1]
end
function done(summary, latency, requests)
  io.write(string.format("RESULTAT %d %d %.2f %.2f %.2f %d\n", summary.requests,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def executer(commande, env, **kwargs):
    return subprocess.run(commande, cwd=RACINE, env=env, check=True, **kwargs)


def ouvrir_session(url, identifiant, mot_de_passe) -> str:
    """Se connecte et renvoie l'en-tête Cookie de la session (cookies « Secure » gérés à la main)."""
    reponse = urllib.request.urlopen(f"{url}/connexion/")
    page = reponse.read().decode()
    csrf = re.search(r"csrftoken=([^;]+)", reponse.headers.get("Set-Cookie"))[1]
    jeton = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    donnees = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": jeton, "username": identifiant, "password": mot_de_passe}
    ).encode()

    class SansRedirection(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    requete = urllib.request.Request(
        f"{url}/connexion/",
        data=donnees,
        headers={
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"{url.replace('http:', 'https:')}/connexion/",
            "X-Forwarded-Proto": "https",
        },
    )
    try:
        urllib.request.build_opener(SansRedirection).open(requete)
    except urllib.error.HTTPError as reponse_302:
        entetes = reponse_302.headers.get_all("Set-Cookie")
        session = next(re.search(r"sessionid=([^;]+)", e)[1] for e in entetes if "sessionid=" in e)
        # Comme un navigateur : le cookie CSRF (renouvelé à la connexion) revient avec chaque
        # requête ; sans lui, chaque page à formulaire fabriquerait un nouveau secret.
        csrf = next((re.search(r"csrftoken=([^;]+)", e)[1] for e in entetes if "csrftoken=" in e), csrf)
        return f"sessionid={session}; csrftoken={csrf}"
    raise RuntimeError(f"connexion refusée pour {identifiant}")


def mesurer(url, page, clients, duree, lua, env, cookies) -> tuple:
    """Un passage de wrk : (requêtes/s, p50, p95, p99 en ms, erreurs)."""
    sortie = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(clients),
            "-d",
            f"{duree}s",
            "-s",
            lua,
            "-H",
            "X-Forwarded-Proto: https",
            f"{url}{page}",
        ],
        env={**env, "COOKIES": "|".join(cookies)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requetes, duree_us, p50, p95, p99, erreurs = re.search(
        r"RESULTAT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", sortie
    ).groups()
    return (int(requetes) / (int(duree_us) / 1e6), float(p50), float(p95), float(p99), int(erreurs))


def verifier_ports_locaux():
    """gunicorn (processus synchrones) ferme chaque connexion : à plusieurs centaines de
    requêtes par seconde, wrk réutilise vite des ports encore en TIME_WAIT côté serveur, et une
    connexion sur cent attend alors une seconde (retransmission du SYN). Cela fausse surtout le
    plancher, la vue la plus rapide : on le signale."""
    try:
        bas, haut = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        return
    if haut - bas < 40000:
        print(
            f"Attention : plage de ports locaux étroite ({bas}–{haut}) ; des connexions de wrk "
            "attendront 1 s (p99 du plancher faussé). Élargir : sysctl -w "
            "net.ipv4.ip_local_port_range='15000 65000'.\n",
            file=sys.stderr,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="postgres://postgres@127.0.0.1:5432/portail_bench")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--duree", type=int, default=10)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--pages", default="/sante/,/")
    parser.add_argument("--clients", default="16,64")
    parser.add_argument("--sans-preparation", action="store_true")
    parser.add_argument("--identifiant", default="jean.dupont")
    parser.add_argument("--mot-de-passe", default="Bonbons2015")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk est introuvable : apt-get install wrk")
    verifier_ports_locaux()

    statiques = tempfile.mkdtemp(prefix="portail-statiques-")
    env = environnement_serveur(base=args.base, statiques=statiques)
    python = sys.executable
    if not args.sans_preparation:
        base, nom = args.base.rsplit("/", 1)
        subprocess.run(["psql", f"{base}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{nom}"'], check=True)
        subprocess.run(["psql", f"{base}/postgres", "-qc", f'CREATE DATABASE "{nom}"'], check=True)
        executer([python, "manage.py", "migrate", "--noinput", "-v0"], env)
        executer([python, "manage.py", "demo", "--force"], env, stdout=subprocess.DEVNULL)
    executer([python, "manage.py", "collectstatic", "--noinput", "-v0"], env)

    port = 8765
    url = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            str(Path(python).with_name("gunicorn")),
            "portail.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=RACINE,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/sante/")
                break
            except OSError:
                time.sleep(0.2)
        cookies = [ouvrir_session(url, args.identifiant, args.mot_de_passe) for _ in range(8)]
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(SCRIPT_LUA)
        mesures: dict[tuple[int, str], list[tuple]] = {}
        pages = args.pages.split(",")
        for clients in [int(c) for c in args.clients.split(",")]:
            # Des tours complets (plancher puis chaque page), répétés : la médiane des tours
            # écarte un tour perturbé par le reste de la machine.
            for _tour in range(args.repetitions):
                for page in pages:
                    mesures.setdefault((clients, page), []).append(
                        mesurer(url, page, clients, args.duree, lua.name, env, cookies)
                    )
        print(
            f"gunicorn {args.workers} processus, wrk 2 fils, {args.repetitions} tours de "
            f"{args.duree} s par page et par nombre de clients, {len(cookies)} sessions de "
            "parent ; médianes des tours (entre crochets : le plus bas et le plus haut).\n"
        )
        print("| page | clients | requêtes/s | part du plancher | p50 (ms) | p95 (ms) | p99 (ms) | erreurs |")
        print("|---|---|---|---|---|---|---|---|")
        for (clients, page), tours in mesures.items():
            debits = [t[0] for t in tours]
            plancher = statistics.median(t[0] for t in mesures[(clients, pages[0])])
            debit = statistics.median(debits)
            p50, p95, p99 = (statistics.median(t[i] for t in tours) for i in (1, 2, 3))
            print(
                f"| {page} | {clients} | {debit:.0f} [{min(debits):.0f}–{max(debits):.0f}] "
                f"| {100 * debit / plancher:.0f} % | {p50:.1f} | {p95:.1f} | {p99:.1f} "
                f"| {sum(t[4] for t in tours)} |"
            )
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
        shutil.rmtree(statiques, ignore_errors=True)


if __name__ == "__main__":
    main()
