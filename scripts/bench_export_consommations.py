#!/usr/bin/env python
"""Mesure l'export des consommations (`exporter_consommations`) sur une base de volume
(`manage.py generer_volume`) : le mois le plus chargé (réservations + absences + présences),
toutes les structures rattachées à une régie de mesure. L'export est fait en simulation
(`dry_run`, annulé à la fin de la transaction) : rien n'est clos. Affiche la durée, le nombre
de lignes, la taille du fichier et le pic de mémoire Python (tracemalloc) et du processus.

    DATABASE_URL=postgres://… DEBUG=1 .venv/bin/python scripts/bench_export_consommations.py [--mois 2026-11]
"""

import argparse
import datetime
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._production import django_demarrer  # noqa: E402

django_demarrer()

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.functions import TruncMonth  # noqa: E402

from enfants.models import Presence, Reservation, Structure  # noqa: E402
from facturation.exportation import consommations_exporter  # noqa: E402
from facturation.models import Regie  # noqa: E402


def mois_le_plus_charge() -> datetime.date:
    compte: dict[datetime.date, int] = {}
    for modele in (Reservation, Presence):
        for ligne in modele.objects.annotate(mois=TruncMonth("date")).values("mois").annotate(n=Count("pk")):
            compte[ligne["mois"]] = compte.get(ligne["mois"], 0) + ligne["n"]
    return max(compte, key=lambda m: compte[m])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mois", help="AAAA-MM (sinon le mois le plus chargé)")
    args = parser.parse_args()
    debut = datetime.date.fromisoformat(args.mois + "-01") if args.mois else mois_le_plus_charge()
    fin = (debut.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    with transaction.atomic():
        regie, _ = Regie.objects.get_or_create(code="MESURE", defaults={"nom": "Régie de mesure"})
        regie.structures.set(Structure.objects.all())
        depart = time.perf_counter()
        rapport = consommations_exporter(regie=regie, du=debut, au=fin, dry_run=True)
        duree = time.perf_counter() - depart
        # Une seconde fois pour la mémoire : tracemalloc ralentit, il ne compte pas dans la durée.
        tracemalloc.start()
        consommations_exporter(regie=regie, du=debut, au=fin, dry_run=True)
        _, pic = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        transaction.set_rollback(True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Mois {debut:%m/%Y} : {rapport.lignes} lignes ({rapport.facturables} facturables), "
        f"fichier {len(rapport.fichier) / 1e6:.1f} Mo, {duree:.1f} s, "
        f"pic Python {pic / 1e6:.0f} Mo, RSS max {rss:.0f} Mo"
    )


if __name__ == "__main__":
    main()
