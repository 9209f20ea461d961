"""Aides partagées par plusieurs fichiers de tests (processus à part, environnement, base neuve)."""

import contextlib
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

from django.db import connection

RACINE = Path(__file__).resolve().parent.parent
# Le PostgreSQL de la machine, pour les tests qui en créent une base neuve (quelle que soit la
# base de la suite).
SERVEUR_POSTGRESQL = os.environ.get("PG_SAUVEGARDE_URL", "postgres://postgres@127.0.0.1:5432")


def environnement_sans(*retirees, **valeurs) -> dict[str, str]:
    """L'environnement de la suite sans les variables `retirees`, complété par `valeurs`."""
    env = {k: v for k, v in os.environ.items() if k not in retirees}
    env.update(valeurs)
    return env


def lancer(*commande, env=None, timeout=120) -> subprocess.CompletedProcess:
    """`commande` dans un processus à part, depuis la racine du projet : les réglages y sont relus
    au démarrage, comme sous gunicorn. Sorties capturées en texte ; un échec ne lève rien, le test
    lit `returncode`, `stdout` et `stderr`."""
    return subprocess.run(
        list(commande), cwd=RACINE, env=env, capture_output=True, text=True, timeout=timeout
    )


def manage(*arguments, env, timeout=120) -> subprocess.CompletedProcess:
    """`manage.py <arguments>` dans un processus à part (voir `lancer`)."""
    return lancer(sys.executable, "manage.py", *arguments, env=env, timeout=timeout)


def en_meme_temps(*appels) -> list:
    """Lance les appels au même instant et renvoie ce qu'ils renvoient, dans l'ordre de fin.

    Sur PostgreSQL, un fil et une connexion par appel, partis ensemble (barrière) : les verrous de
    ligne départagent. SQLite n'a pas de verrou de ligne et refuse les écritures concurrentes :
    les appels s'y suivent, ce qui vérifie au moins les gardes (« déjà traitée »…). Un appel qui
    lève une exception n'a pas de résultat : le test le voit au compte des résultats.
    """
    concurrent = connection.vendor == "postgresql"
    barriere = threading.Barrier(len(appels) if concurrent else 1)
    resultats = []

    def executer(appel):
        try:
            barriere.wait()
            resultats.append(appel())
        finally:
            if concurrent:
                connection.close()

    if not concurrent:
        for appel in appels:
            executer(appel)
        return resultats
    fils = [threading.Thread(target=executer, args=(appel,)) for appel in appels]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    return resultats


@contextlib.contextmanager
def base_de_demonstration(prefixe, environnement):
    """Une base PostgreSQL neuve, migrée et chargée de la démonstration par des processus à part
    (`environnement(url)` : leurs variables) ; renvoie son URL, la supprime à la fin."""
    import psycopg

    nom = f"{prefixe}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVEUR_POSTGRESQL}/postgres", autocommit=True) as connexion:
        connexion.execute(f'CREATE DATABASE "{nom}"')
    url = f"{SERVEUR_POSTGRESQL}/{nom}"
    try:
        for arguments in (["migrate", "--noinput", "-v0"], ["demo"]):
            resultat = manage(*arguments, env=environnement(url), timeout=300)
            assert resultat.returncode == 0, resultat.stderr
        yield url
    finally:
        with psycopg.connect(f"{SERVEUR_POSTGRESQL}/postgres", autocommit=True) as connexion:
            connexion.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')


def page_fautive(formulaire: str) -> str:
    """Une page HTML minimale (titre « Page fautive », un paragraphe d'aide `id="aide"`) dont le
    formulaire contient `formulaire` : de quoi vérifier qu'un contrôle de qualité signale bien les
    défauts qu'on y met."""
    return f"""<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Page fautive</title></head>
<body>
<main>
  <h1>Page fautive</h1>
  <p id="aide">Aide</p>
  <form method="post">
{formulaire}
  </form>
</main>
</body>
</html>
"""


def jours_ouverts(activite, *, apres=10, n=3) -> list:
    """`n` jours à venir (à partir de dans `apres` jours) où l'activité accueille : hors fériés,
    fermetures, week-ends et jours sans activité."""
    import datetime

    from django.utils import timezone

    from enfants import services

    jour = timezone.localdate() + datetime.timedelta(days=apres)
    jours = []
    while len(jours) < n:
        if services.jour_ferme_raison(activite=activite, jour=jour) is None:
            jours.append(jour)
        jour += datetime.timedelta(days=1)
    return jours


def en_parallele(fonctions, *, erreurs: tuple[type[BaseException], ...] = ()) -> list:
    """Lance les fonctions dans des fils partis ensemble (barrière), chacun avec sa connexion ;
    renvoie leurs résultats (ou l'exception levée, si elle est dans `erreurs`), dans l'ordre de
    fin. Sur SQLite, une base verrouillée par un autre fil fait réessayer (45 s au plus) ; sur
    PostgreSQL, ce sont les verrous de ligne qui départagent."""
    import random
    import time

    from django.db import OperationalError, close_old_connections

    barriere = threading.Barrier(len(fonctions))
    resultats, verrou = [], threading.Lock()

    def executer(fonction):
        try:
            barriere.wait()
            limite = time.monotonic() + 45
            while True:
                try:
                    resultat = fonction()
                    break
                except OperationalError:  # SQLite : base verrouillée, on réessaie
                    if connection.vendor == "postgresql" or time.monotonic() > limite:
                        raise
                    time.sleep(random.uniform(0.01, 0.1))  # noqa: S311 (attente, pas de secret)
        except erreurs as erreur:
            resultat = erreur
        finally:
            close_old_connections()
            connection.close()
        with verrou:
            resultats.append(resultat)

    fils = [threading.Thread(target=executer, args=(f,)) for f in fonctions]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=120)
    return resultats
