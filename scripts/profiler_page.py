#!/usr/bin/env python
"""Profil d'une page du portail pour la famille lourde (pyinstrument), réglages de production.

    DATABASE_URL=postgres://…/portail_volume .venv/bin/python scripts/profiler_page.py / \
        [--repetitions 50] [--identifiant famille.lourde] [--html profil.html] \
        [--sans-profil] [--cpu] [--appels]

Le chemin peut contenir `{enfant}` (premier enfant de la famille), `{annee}` et `{mois}` (mois
courant) : `/enfants/{enfant}/planning/{annee}/{mois}/`. Les requêtes passent par toute la pile
d'intergiciels (client de test Django), avec DEBUG=0 : chargeur de gabarits en cache, pas de
journal des requêtes SQL. Le profil est imprimé sur la sortie standard.
"""

import argparse
import statistics
import time
from pathlib import Path

from _production import django_demarrer  # le dossier du script est dans sys.path

django_demarrer(AXES_ENABLED="0")

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from enfants.models import Enfant  # noqa: E402
from familles.models import Utilisateur  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("chemin")
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--identifiant", default="famille.lourde")
    parser.add_argument("--tout", action="store_true", help="montrer aussi les cadres de Django")
    parser.add_argument("--sans-profil", action="store_true", help="mesurer seulement")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="temps CPU du processus (time.process_time) plutôt que le temps "
        "écoulé : moins sensible aux autres processus d'une machine chargée",
    )
    parser.add_argument(
        "--appels",
        action="store_true",
        help="compter aussi les appels de fonctions Python par requête (cProfile) : "
        "une mesure déterministe pour comparer deux versions",
    )
    parser.add_argument("--html", help="écrire aussi le profil HTML dans ce fichier")
    args = parser.parse_args()
    call_command("collectstatic", "--noinput", verbosity=0)  # manifeste des fichiers statiques
    parent = Utilisateur.objects.get(username=args.identifiant)
    enfant = Enfant.objects.filter(famille=parent.famille).order_by("pk").first()
    aujourdhui = timezone.localdate()
    chemin = args.chemin.format(
        enfant=enfant.pk if enfant else 0, annee=aujourdhui.year, mois=aujourdhui.month
    )
    client = Client(secure=True)
    client.force_login(parent)
    reponse = client.get(chemin)
    assert reponse.status_code == 200, (chemin, reponse.status_code)
    horloge = time.process_time if args.cpu else time.perf_counter
    durees = []
    for _ in range(args.repetitions):
        debut = horloge()
        client.get(chemin)
        durees.append((horloge() - debut) * 1000)
    print(
        f"{chemin} : médiane {statistics.median(durees):.2f} ms {'de CPU ' if args.cpu else ''}"
        f"sans profileur ({args.repetitions} requêtes, {len(reponse.content)} octets)\n"
    )
    if args.appels:
        import cProfile
        import pstats

        profil = cProfile.Profile()
        with profil:
            for _ in range(args.repetitions):
                client.get(chemin)
        appels = pstats.Stats(profil).total_calls // args.repetitions
        print(f"{appels} appels de fonctions Python par requête\n")
    if args.sans_profil:
        return
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(args.repetitions):
            client.get(chemin)
    print(profiler.output_text(unicode=True, color=False, show_all=args.tout))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
