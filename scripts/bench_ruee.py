#!/usr/bin/env python
"""La ruée (issue 18) : 500 familles réservent les mêmes jours à l'ouverture des réservations.

Une base de mesure à part (`portail_ruee` par défaut, recréée) : une activité de 60 places par
jour (acceptation automatique), 500 familles, chacune avec un enfant inscrit et un compte de
parent. Les 500 sessions sont ouvertes par Django lui-même (`Client.force_login` : la fonction
`login()` de Django, ses signaux et la rotation de la clé de session, sans les 500 calculs de
mot de passe qui occuperaient la machine deux minutes) ; chaque parent ouvre ensuite le
planning de son enfant (vraie page, vrai cookie et vrai jeton CSRF du formulaire).

Puis, comme à 8 h 00 : gunicorn (réglages de production, comme docs/performance.md) sur
PostgreSQL reçoit le POST « réserver les jours cochés » (vue téléphone, liste d'attente
acceptée) des 500 parents, chacun une fois, pour les mêmes jours. Les passes, chacune sur
d'autres jours (`--passes`, dans l'ordre donné) :
- `minute` (par défaut, le scénario de l'issue) : les 500 arrivent DANS LA PREMIÈRE MINUTE,
  aux instants tirés au hasard (uniformes sur 60 s, ≈ 8 par seconde) et dans un ordre de
  familles tiré au hasard, avec une graine fixe (`--graine`) : un fil Python par parent
  (bibliothèque standard, `http.client`) attend son instant et envoie son POST ;
- `500` (ou tout nombre n) : wrk (script Lua) avec n connexions, cas extrême « tous à la même
  seconde » quand n = 500 (n < 500 : n parents à la fois, qui s'enchaînent) ;
pendant chacune, un wrk mesure la vue triviale `/sante/` (4 connexions), comparée à son débit
seul juste avant, et `pg_stat_activity` est relevé toutes les 0,2 s.

Rapport (Markdown, sortie standard) : places données par jour (exactement la capacité, jamais
plus), liste d'attente dans l'ordre d'arrivée (ordre d'enregistrement `pk` contre `demandee_le`,
l'heure lue par le serveur ; dans la passe `minute`, aussi contre l'ordre d'envoi des parents),
p50/p95/p99 du POST, erreurs (réponse autre qu'une redirection, ou erreur de socket), débit de
`/sante/`.

    .venv/bin/python scripts/bench_ruee.py [--base postgres://postgres@127.0.0.1:5432/portail_ruee]
        [--familles 500] [--places 60] [--workers 5] [--port 8766] [--passes minute,500]
        [--duree 60] [--graine 18]
"""

import argparse
import datetime
import http.client
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _production import environnement_serveur  # le dossier du script est dans sys.path

RACINE = Path(__file__).resolve().parent.parent
NOM_ACTIVITE = "ALSH vacances (ruée)"

# Un fil de wrk par connexion (-t = -c) : le fil numéro k (sur n) prend les lignes k, k + n,
# k + 2n… du fichier des sessions, une demande par parent, l'une après l'autre. gunicorn
# (processus synchrones) ferme la connexion après chaque réponse et wrk se reconnecte aussitôt,
# sans passer par `delay()` : le fil s'arrête donc dès sa dernière réponse reçue (sa dernière
# connexion, ouverte mais muette, est fermée à la sortie de wrk ; jusque-là elle occupe le
# processus gunicorn qui l'a acceptée : voir docs/performance.md).
SCRIPT_POST = r"""
local fils = {}
local numero = 0
function setup(thread)
  numero = numero + 1
  thread:set("id", numero)
  table.insert(fils, thread)
end
function init(args)
  sessions = {}
  local n = tonumber(os.getenv("FILS"))
  local i = 0
  for ligne in io.lines(os.getenv("SESSIONS")) do
    if i % n == id - 1 then
      local cookie, chemin, corps = ligne:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
      table.insert(sessions, {cookie, chemin, corps})
    end
    i = i + 1
  end
  envoyees, recues, autres, surplus, statuts = 0, 0, 0, 0, ""
end
function request()
  if id == 1 and not verifiee then
    -- wrk appelle request() une fois sur le premier fil, avant toute connexion, pour vérifier
    -- la requête : elle n'est pas envoyée, la session reste à envoyer.
    verifiee = true
    return wrk.format("POST", sessions[1][2], {}, sessions[1][3])
  end
  envoyees = envoyees + 1
  local s = sessions[envoyees]
  if s == nil then
    surplus = surplus + 1
    return wrk.format("GET", "/sante/", {["X-Forwarded-Proto"] = "https"})
  end
  return wrk.format("POST", s[2], {
    ["Cookie"] = s[1],
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Referer"] = os.getenv("REFERER"),
    ["X-Forwarded-Proto"] = "https",
  }, s[3])
end
function response(status, headers, body)
  recues = recues + 1
  if status ~= 302 then
    autres = autres + 1
    statuts = statuts .. " " .. status
  end
  if recues == #sessions then
    io.write("FINI\n")
    io.flush()
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local autres_total, recues_total, surplus_total, liste = 0, 0, 0, ""
  for _, t in ipairs(fils) do
    autres_total = autres_total + t:get("autres")
    recues_total = recues_total + t:get("recues")
    surplus_total = surplus_total + t:get("surplus")
    liste = liste .. t:get("statuts")
  end
  local erreurs = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("RESULTAT %d %.2f %.2f %.2f %.2f %d %d %d\n", recues_total,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, erreurs, autres_total, surplus_total))
  io.write("STATUTS" .. liste .. "\n")
end
"""

SCRIPT_SANTE = r"""
function done(summary, latency, requests)
  io.write(string.format("RESULTAT %d %d %.2f %d\n", summary.requests, summary.duration,
    latency:percentile(95) / 1000, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


# --- Dans Django (sous-processus) : préparation et vérification ---------------------------------


def _django():
    sys.path.insert(0, str(RACINE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")
    import django

    django.setup()


def preparer(familles: int, places: int, passes: int) -> dict:
    """Crée l'activité, les familles, enfants, inscriptions, comptes et sessions ; choisit les
    jours (3 par passe, ouvrables, dans l'horizon et après le délai de réservation)."""
    _django()
    from django.contrib.auth.hashers import make_password
    from django.test import Client
    from django.utils import timezone

    from enfants.models import Activite, Enfant, Inscription, Structure
    from enfants.services import jour_ferme_raison
    from familles.models import Famille, Responsable, Utilisateur

    structure = Structure.objects.create(nom="Accueil de loisirs (ruée)", type=Structure.Type.ALSH)
    activite = Activite.objects.create(
        structure=structure,
        nom=NOM_ACTIVITE,
        jours_ouverture="01234",
        capacite=places,
        acceptation_automatique=True,
        horizon_reservation=90,
    )
    aujourdhui = timezone.localdate()
    jours, jour = [], aujourdhui + datetime.timedelta(days=14)
    while len(jours) < 3 * passes:
        if jour_ferme_raison(activite=activite, jour=jour) is None:
            jours.append(jour)
        jour += datetime.timedelta(days=1)
    mot_de_passe = make_password(secrets.token_urlsafe(16))  # un seul calcul : personne ne s'en sert
    lot_familles = Famille.objects.bulk_create(
        [Famille(numero=f"{9000000000000 + n}") for n in range(familles)]
    )
    Responsable.objects.bulk_create(
        [
            Responsable(famille=f, nom=f"RUEE{n}", prenom="Parent", code_postal="28300", ville="Lèves")
            for n, f in enumerate(lot_familles)
        ]
    )
    utilisateurs = Utilisateur.objects.bulk_create(
        [
            Utilisateur(username=f"ruee{n}", password=mot_de_passe, famille=f, first_name="Parent")
            for n, f in enumerate(lot_familles)
        ]
    )
    enfants = Enfant.objects.bulk_create(
        [
            Enfant(famille=f, nom=f"RUEE{n}", prenom="Enfant", date_naissance=datetime.date(2018, 5, 4))
            for n, f in enumerate(lot_familles)
        ]
    )
    inscriptions = Inscription.objects.bulk_create(
        [Inscription(enfant=e, activite=activite, date_debut=aujourdhui, date_fin=jours[-1]) for e in enfants]
    )
    sessions = []
    for utilisateur, enfant, inscription in zip(utilisateurs, enfants, inscriptions, strict=True):
        client = Client()
        client.force_login(utilisateur)
        sessions.append(
            {
                "sessionid": client.cookies["sessionid"].value,
                "enfant": enfant.pk,
                "inscription": inscription.pk,
            }
        )
    return {"activite": activite.pk, "jours": [j.isoformat() for j in jours], "sessions": sessions}


def verifier(activite_id: int, jours: list[str], envois: dict[str, float]) -> dict:
    """Par jour : les réservations par état, et l'ordre : `pk` (ordre d'enregistrement, sous le
    verrou) contre `demandee_le` (heure lue par le serveur) ; et, si `envois` (inscription →
    instant d'envoi du POST, passe `minute`) : places et liste d'attente contre l'ordre d'envoi."""
    _django()
    from enfants.models import Reservation

    resultat = {}
    for jour in jours:
        lignes = list(
            Reservation.objects.filter(inscription__activite_id=activite_id, date=jour)
            .order_by("pk")
            .values_list("pk", "etat", "demandee_le", "inscription_id")
        )
        envoi = {pk: envois.get(str(i)) for pk, _e, _le, i in lignes}
        lignes = [ligne[:3] for ligne in lignes]
        etats: dict[str, int] = {}
        for _pk, etat, _le in lignes:
            etats[etat] = etats.get(etat, 0) + 1
        heures = [le for _pk, _etat, le in lignes]
        # Paires enregistrées dans un ordre différent de leur arrivée.
        inversions = sum(
            1 for i in range(len(heures)) for j in range(i + 1, len(heures)) if heures[i] > heures[j]
        )
        acceptees = {pk for pk, etat, _le in lignes if etat == Reservation.Etat.ACCEPTEE}
        premiers = {pk for pk, _etat, _le in sorted(lignes, key=lambda x: (x[2], x[0]))[: len(acceptees)]}
        attente = [(le, pk) for pk, etat, le in lignes if etat == Reservation.Etat.EN_ATTENTE]
        inversions_attente = sum(
            1
            for i in range(len(attente))
            for j in range(i + 1, len(attente))
            if attente[i][0] > attente[j][0]
        )
        # Contre l'ordre d'envoi : paires de la liste d'attente envoyées dans un ordre et rangées
        # (`demandee_le`) dans l'autre, toutes et celles envoyées à plus de 100 ms d'écart ;
        # places données hors des premiers envoyés.
        inversions_envoi = inversions_envoi_100 = hors_premiers_envoyes = -1
        if envois:
            rang = sorted(attente)
            inversions_envoi = inversions_envoi_100 = 0
            for i in range(len(rang)):
                for j in range(i + 1, len(rang)):
                    ecart = envoi[rang[i][1]] - envoi[rang[j][1]]
                    if ecart > 0:
                        inversions_envoi += 1
                        inversions_envoi_100 += ecart > 0.1
            envoyes = sorted(lignes, key=lambda x: envoi[x[0]])[: len(acceptees)]
            hors_premiers_envoyes = len(acceptees - {pk for pk, _e, _le in envoyes})
        resultat[jour] = {
            "inversions_envoi": inversions_envoi,
            "inversions_envoi_100": inversions_envoi_100,
            "hors_premiers_envoyes": hors_premiers_envoyes,
            "etats": etats,
            "inversions": inversions,
            "acceptees_hors_premiers": len(acceptees - premiers),
            "inversions_attente": inversions_attente,
            "attente": len(attente),
            "premiere": min(heures).isoformat() if heures else "",
            "derniere": max(heures).isoformat() if heures else "",
        }
    return resultat


# --- Le banc (processus principal) --------------------------------------------------------------


def etape(texte: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {texte}", file=sys.stderr, flush=True)


def executer(commande, env, **kwargs):
    return subprocess.run(commande, cwd=RACINE, env=env, check=True, **kwargs)


def sous_django(env, *arguments) -> dict:
    sortie = executer([sys.executable, __file__, *arguments], env, capture_output=True, text=True).stdout
    return json.loads(sortie.strip().splitlines()[-1])


def jeton_csrf(url: str, session: dict) -> tuple[str, str]:
    """Le parent ouvre le planning de son enfant : cookie CSRF et jeton du formulaire des jours."""
    jour = datetime.date.today()
    requete = urllib.request.Request(
        f"{url}/enfants/{session['enfant']}/planning/{jour.year}/{jour.month}/",
        headers={"Cookie": f"sessionid={session['sessionid']}", "X-Forwarded-Proto": "https"},
    )
    reponse = urllib.request.urlopen(requete)
    page = reponse.read().decode()
    cookie = next(
        re.search(r"csrftoken=([^;]+)", e)[1]
        for e in reponse.headers.get_all("Set-Cookie")
        if "csrftoken=" in e
    )
    return cookie, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]


def wrk_sante(url, duree, env, lua) -> tuple[float, float, int]:
    sortie = subprocess.run(
        [
            "wrk",
            "-t",
            "1",
            "-c",
            "4",
            "-d",
            f"{duree}s",
            "--timeout",
            "30s",
            "-s",
            lua,
            "-H",
            "X-Forwarded-Proto: https",
            f"{url}/sante/",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requetes, duree_us, p95, erreurs = re.search(r"RESULTAT (\d+) (\d+) ([\d.]+) (\d+)", sortie).groups()
    return int(requetes) / (int(duree_us) / 1e6), float(p95), int(erreurs)


def _centile(valeurs: list[float], p: float) -> float:
    rangees = sorted(valeurs)
    return rangees[min(len(rangees) - 1, max(0, round(p / 100 * len(rangees) + 0.5) - 1))]


def envoyer(url: str, ligne: str) -> tuple[int, float]:
    """Un parent envoie son POST (une connexion à lui) : (statut ou 0 si erreur, durée en ms)."""
    cookie, chemin, corps = ligne.rstrip("\n").split("\t")
    hote, port = url.removeprefix("http://").split(":")
    debut = time.monotonic()
    try:
        connexion = http.client.HTTPConnection(hote, int(port), timeout=900)
        connexion.request(
            "POST",
            chemin,
            body=corps,
            headers={
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{url.replace('http:', 'https:')}/",
                "X-Forwarded-Proto": "https",
            },
        )
        statut = connexion.getresponse().status
        connexion.close()
    except OSError:
        statut = 0
    return statut, 1000 * (time.monotonic() - debut)


def ruee_minute(url, fichier, duree, graine) -> dict:
    """Les parents arrivent sur `duree` secondes : instants uniformes et ordre des familles
    tirés avec la graine ; un fil par parent attend son instant puis envoie."""
    lignes = Path(fichier).read_text().splitlines()
    hasard = random.Random(graine)
    ordre = list(range(len(lignes)))
    hasard.shuffle(ordre)
    instants = sorted(hasard.uniform(0, duree) for _ in lignes)
    resultats: dict[int, tuple[int, float, float]] = {}
    depart = time.monotonic() + 0.5

    def parent(indice, instant):
        time.sleep(max(0.0, depart + instant - time.monotonic()))
        envoi = time.monotonic() - depart
        statut, ms = envoyer(url, lignes[indice])
        resultats[indice] = (statut, ms, envoi)

    fils = [threading.Thread(target=parent, args=(i, t)) for i, t in zip(ordre, instants, strict=True)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    durees = [r[1] for r in resultats.values()]
    statuts = [r[0] for r in resultats.values() if r[0] != 302]
    retard = max(r[2] - t for r, t in zip((resultats[i] for i in ordre), instants, strict=True))
    return {
        "recues": sum(1 for r in resultats.values() if r[0]),
        "p50": _centile(durees, 50),
        "p95": _centile(durees, 95),
        "p99": _centile(durees, 99),
        "max": max(durees),
        "erreurs": len(statuts),
        "statuts": sorted({str(s) for s in statuts}),
        "surplus": 0,
        "retard_envoi_max": retard,
        # inscription → instant d'envoi (s), pour l'ordre d'arrivée
        "envois": {lignes[i].split("/inscriptions/")[1].split("/")[0]: r[2] for i, r in resultats.items()},
    }


def ruee_wrk(url, env, lua_post, fichier, clients) -> dict:
    """wrk POST : les parents du fichier, `clients` connexions (un fil de wrk par connexion)."""
    wrk = subprocess.Popen(
        [
            "wrk",
            "-t",
            str(clients),
            "-c",
            str(clients),
            "-d",
            "900s",
            "--timeout",
            "900s",
            "-s",
            lua_post,
            url,
        ],
        env={
            **env,
            "SESSIONS": fichier,
            "FILS": str(clients),
            "REFERER": f"{url.replace('http:', 'https:')}/",
        },
        stdout=subprocess.PIPE,
        text=True,
    )
    lignes, finis = [], 0
    assert wrk.stdout is not None
    for ligne in wrk.stdout:
        lignes.append(ligne)
        if ligne.startswith("FINI"):
            finis += 1
            if finis == clients:
                # wrk attend la fin de sa durée (-d) avant d'écrire son bilan : on l'arrête.
                wrk.send_signal(2)
    wrk.wait()
    sortie = "".join(lignes)
    trouve = re.search(r"RESULTAT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+) (\d+)", sortie)
    if trouve is None:
        raise RuntimeError(f"wrk n'a pas rendu de bilan :\n{sortie}")
    recues, p50, p95, p99, maximum, erreurs, autres, surplus = trouve.groups()
    return {
        "recues": int(recues),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "max": float(maximum),
        "erreurs": int(erreurs) + int(autres),
        "statuts": sorted(set(re.search(r"STATUTS(.*)", sortie)[1].split())),
        "surplus": int(surplus),
        "envois": {},
    }


def passe(url, env, lua_post, lua_sante, fichier, mode, nombre, base, duree_minute, graine) -> dict:
    """Une ruée (`minute` ou wrk à n connexions) et, en même temps, des tranches de 2 s de wrk
    sur /sante/ jusqu'à la fin de la ruée, et un relevé de `pg_stat_activity` toutes les 0,2 s
    (connexions qui travaillent, qui attendent un verrou)."""
    import psycopg

    tranches: list[tuple[float, float, float, int]] = []
    releves: list[tuple[int, int]] = []
    fin = threading.Event()

    def sante():
        while not fin.is_set():
            tranches.append((time.monotonic(), *wrk_sante(url, 2, env, lua_sante)))

    def postgres():
        with psycopg.connect(base, autocommit=True) as connexion:
            while not fin.is_set():
                releves.append(
                    connexion.execute(
                        "SELECT count(*) FILTER (WHERE state = 'active'), "
                        "count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    ).fetchone()
                )
                time.sleep(0.2)

    fil = threading.Thread(target=sante)
    fil_pg = threading.Thread(target=postgres)
    debut = time.monotonic()
    fil.start()
    fil_pg.start()
    try:
        if mode == "minute":
            mesure = ruee_minute(url, fichier, duree_minute, graine)
        else:
            mesure = ruee_wrk(url, env, lua_post, fichier, int(mode))
    finally:
        duree = time.monotonic() - debut
        fin.set()
        fil.join()
        fil_pg.join()
    pendant = [t for t in tranches if t[0] + 2 <= debut + duree + 0.5] or tranches
    return {
        **mesure,
        "mode": mode,
        "nombre": nombre,
        "duree": duree,
        "sante": [t[1] for t in pendant],
        "sante_p95": [t[2] for t in pendant],
        "sante_erreurs": sum(t[3] for t in tranches),
        "actives": sum(r[0] for r in releves) / max(1, len(releves)),
        "verrous": sum(r[1] for r in releves) / max(1, len(releves)),
    }


def _nom_passe(mode: str) -> str:
    return "sur la minute" if mode == "minute" else f"{mode} connexions"


def main():  # noqa: C901 — un script de mesure, lu d'un bout à l'autre
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="postgres://postgres@127.0.0.1:5432/portail_ruee")
    parser.add_argument("--familles", type=int, default=500)
    parser.add_argument("--places", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8766)  # 8765 : scripts/bench_charge.py
    parser.add_argument(
        "--passes",
        default="minute,500",
        help="passes, dans l'ordre : « minute » (arrivées étalées) ou un nombre de connexions wrk",
    )
    parser.add_argument("--duree", type=float, default=60.0, help="passe minute : durée des arrivées (s)")
    parser.add_argument("--graine", type=int, default=18, help="passe minute : graine du hasard")
    parser.add_argument("--_preparer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_verifier", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    passes = args.passes.split(",")
    if args._preparer:
        print(json.dumps(preparer(args.familles, args.places, len(passes))))
        return
    if args._verifier:
        activite, jours, envois = args._verifier.split(":", 2)
        print(json.dumps(verifier(int(activite), jours.split(","), json.loads(Path(envois).read_text()))))
        return
    if not shutil.which("wrk"):
        sys.exit("wrk est introuvable : apt-get install wrk")

    statiques = tempfile.mkdtemp(prefix="portail-statiques-")
    env = environnement_serveur(
        base=args.base,
        statiques=statiques,
        ALLOWED_HOSTS="127.0.0.1,testserver",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    base, nom = args.base.rsplit("/", 1)
    subprocess.run(["psql", f"{base}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{nom}"'], check=True)
    subprocess.run(["psql", f"{base}/postgres", "-qc", f'CREATE DATABASE "{nom}"'], check=True)
    python = sys.executable
    etape("base créée, migrations")
    executer([python, "manage.py", "migrate", "--noinput", "-v0"], env)
    etape("familles, inscriptions, sessions")
    donnees = sous_django(
        env,
        "--_preparer",
        "--familles",
        str(args.familles),
        "--places",
        str(args.places),
        "--passes",
        args.passes,
    )
    executer([python, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    subprocess.run(["psql", args.base, "-qc", "VACUUM ANALYZE"], check=True)

    url = f"http://127.0.0.1:{args.port}"
    gunicorn = subprocess.Popen(
        [
            str(Path(python).with_name("gunicorn")),
            "portail.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=RACINE,
        env=env,
    )
    dossier = tempfile.mkdtemp(prefix="portail-ruee-")
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/sante/")
                break
            except OSError:
                time.sleep(0.2)
        etape("les parents ouvrent le planning (jetons CSRF)")
        with ThreadPoolExecutor(max_workers=4) as pool:
            jetons = list(pool.map(lambda s: jeton_csrf(url, s), donnees["sessions"]))
        lua_post, lua_sante = Path(dossier, "ruee.lua"), Path(dossier, "sante.lua")
        lua_post.write_text(SCRIPT_POST)
        lua_sante.write_text(SCRIPT_SANTE)
        charge = os.getloadavg()
        sante_seule = [wrk_sante(url, 2, env, str(lua_sante)) for _ in range(3)]
        resultats = []
        for numero, mode in enumerate(passes):
            jours = donnees["jours"][3 * numero : 3 * numero + 3]
            fichier = Path(dossier, f"sessions-{numero}.tsv")
            with fichier.open("w") as f:
                for session, (csrf, jeton) in zip(donnees["sessions"], jetons, strict=True):
                    corps = "&".join(
                        [
                            f"csrfmiddlewaretoken={jeton}",
                            *(f"jours={j}" for j in jours),
                            "liste_attente=on",
                            f"mois={jours[0]}",
                        ]
                    )
                    chemin = f"/enfants/inscriptions/{session['inscription']}/reserver-jours/"
                    f.write(f"sessionid={session['sessionid']}; csrftoken={csrf}\t{chemin}\t{corps}\n")
            etape(f"passe {_nom_passe(mode)}")
            mesure = passe(
                url,
                env,
                str(lua_post),
                str(lua_sante),
                str(fichier),
                mode,
                len(jetons),
                args.base,
                args.duree,
                args.graine,
            )
            envois = Path(dossier, f"envois-{numero}.json")
            envois.write_text(json.dumps(mesure["envois"]))
            mesure["jours"] = sous_django(
                env, "--_verifier", f"{donnees['activite']}:{','.join(jours)}:{envois}"
            )
            resultats.append(mesure)
        charge_fin = os.getloadavg()
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
        shutil.rmtree(statiques, ignore_errors=True)
        shutil.rmtree(dossier, ignore_errors=True)

    debit_seul = sorted(s[0] for s in sante_seule)[1]
    print(
        f"gunicorn {args.workers} processus, PostgreSQL, {len(jetons)} familles (sessions ouvertes par "
        f"`force_login`, jeton CSRF lu sur le planning), activité de {args.places} places par jour, "
        f"acceptation automatique, liste d'attente demandée ; charge de la machine (uptime) au début "
        f"{charge[0]:.2f} / {charge[1]:.2f} / {charge[2]:.2f}, à la fin {charge_fin[0]:.2f} / "
        f"{charge_fin[1]:.2f} / {charge_fin[2]:.2f}. `/sante/` seule juste avant : "
        f"{debit_seul:.0f} requêtes/s.\n"
    )
    print(
        "| passe | POST reçus | durée de la ruée (s) | POST/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) "
        "| erreurs "
        "| /sante/ pendant (requêtes/s) | p95 /sante/ (ms) | PostgreSQL : connexions actives / en attente "
        "d'un verrou (moyenne) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in resultats:
        sante, p95_sante = sorted(r["sante"]), sorted(r["sante_p95"])
        median = sante[len(sante) // 2]
        erreurs = f"{r['erreurs']}" + (f" (statuts {' '.join(r['statuts'])})" if r["statuts"] else "")
        print(
            f"| {_nom_passe(r['mode'])} | {r['recues']} / {r['nombre']} | {r['duree']:.1f} "
            f"| {r['recues'] / r['duree']:.1f} | {r['p50']:.0f} "
            f"| {r['p95']:.0f} | {r['p99']:.0f} | {r['max']:.0f} | {erreurs} "
            f"| {median:.0f} [{sante[0]:.0f}–{sante[-1]:.0f}] "
            f"({100 * median / debit_seul:.0f} %) "
            f"| {p95_sante[len(p95_sante) // 2]:.0f} ({r['sante_erreurs']} erreurs) "
            f"| {r['actives']:.1f} / {r['verrous']:.1f} |"
        )
    for r in resultats:
        if "retard_envoi_max" in r:
            print(
                f"\nPasse sur la minute : plus grand retard d'un envoi sur son instant prévu "
                f"{1000 * r['retard_envoi_max']:.0f} ms."
            )
    print()
    print(
        "| passe | jour | réservées | liste d'attente | autres | acceptées hors des premiers arrivés "
        "(`demandee_le`) | paires enregistrées hors de l'ordre d'arrivée (liste d'attente) "
        "| acceptées hors des premiers envoyés | paires de la liste d'attente hors de l'ordre d'envoi "
        "(dont envoyées à plus de 100 ms d'écart) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in resultats:
        for jour, j in r["jours"].items():
            etats = dict(j["etats"])
            acceptees, attente = etats.pop("acceptee", 0), etats.pop("en_attente", 0)
            envoi = (
                f"| {j['hors_premiers_envoyes']} | {j['inversions_envoi']} ({j['inversions_envoi_100']})"
                if j["inversions_envoi"] >= 0
                else "| — | —"
            )
            print(
                f"| {_nom_passe(r['mode'])} | {jour} | {acceptees} | {attente} | {sum(etats.values())} "
                f"| {j['acceptees_hors_premiers']} | {j['inversions']} ({j['inversions_attente']}) {envoi} |"
            )


if __name__ == "__main__":
    main()
