#!/usr/bin/env python
"""Mesure l'export des consommations (`exporter_consommations`) sur une base de volume
(`manage.py generer_volume`) : le mois le plus chargé (réservations + absences + présences),
toutes les structures rattachées à une régie de mesure. L'export est fait en simulation
(`dry_run`, annulé à la fin de la transaction) : rien n'est clos. Affiche la durée, celle d'une
référence de la même exécution (un COPY
des réservations et présences du mois), le nombre de lignes, la taille du fichier, le pic de
mémoire Python (tracemalloc) et du processus, et le coût des régularisations le mois suivant
(période close inchangée, puis recalculée avec `reverifier_tout`).

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

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.functions import TruncMonth  # noqa: E402
from django.utils import timezone  # noqa: E402

from enfants.models import Presence, Reservation, Structure  # noqa: E402
from facturation.exportation import consommations_exporter  # noqa: E402
from facturation.models import PeriodeClose, Regie  # noqa: E402


def mois_le_plus_charge() -> datetime.date:
    compte: dict[datetime.date, int] = {}
    for modele in (Reservation, Presence):
        for ligne in modele.objects.annotate(mois=TruncMonth("date")).values("mois").annotate(n=Count("pk")):
            compte[ligne["mois"]] = compte.get(ligne["mois"], 0) + ligne["n"]
    return max(compte, key=lambda m: compte[m])


def dernier_jour(mois: datetime.date) -> datetime.date:
    return (mois.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


def reference_copy(debut: datetime.date, fin: datetime.date) -> tuple[float, int]:
    """La référence de la même exécution : un `COPY … TO STDOUT` des réservations et présences du
    mois (ce que l'export lit de plus gros), lu jusqu'au bout, sans rien calculer."""
    octets = 0
    depart = time.perf_counter()
    with connection.cursor() as curseur:
        for table in (Reservation._meta.db_table, Presence._meta.db_table):
            with curseur.cursor.copy(
                f"COPY (SELECT * FROM {table} WHERE date BETWEEN '{debut}' AND '{fin}') TO STDOUT"  # noqa: S608  # nosec B608
            ) as copie:
                for bloc in copie:
                    octets += len(bloc)
    return time.perf_counter() - depart, octets


def exporter(regie, debut, fin):
    depart = time.perf_counter()
    rapport = consommations_exporter(regie=regie, du=debut, au=fin, dry_run=True)
    return rapport, time.perf_counter() - depart


def regularisations_mesurer(regie, debut, fin) -> tuple[float, float, int]:
    """Un mois clos, puis l'export du mois suivant : sans changement depuis la vérification (la
    période close n'est pas recalculée) et avec `reverifier_tout` (elle l'est). Tout est annulé."""
    suivant_du = fin + datetime.timedelta(days=1)
    suivant_au = (suivant_du.replace(day=28) + datetime.timedelta(days=4)).replace(
        day=1
    ) - datetime.timedelta(days=1)
    with transaction.atomic():
        consommations_exporter(regie=regie, du=debut, au=fin)
        # Le temps a passé depuis la clôture (au-delà de la marge de vérification).
        PeriodeClose.objects.update(verifiee_le=timezone.now())
        depart = time.perf_counter()
        borne = consommations_exporter(regie=regie, du=suivant_du, au=suivant_au, dry_run=True)
        duree_borne = time.perf_counter() - depart
        depart = time.perf_counter()
        tout = consommations_exporter(
            regie=regie, du=suivant_du, au=suivant_au, dry_run=True, reverifier_tout=True
        )
        duree_tout = time.perf_counter() - depart
        assert borne.periodes_reverifiees == 0 and tout.periodes_reverifiees == 1
        transaction.set_rollback(True)
    return duree_borne, duree_tout, tout.regularisations


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mois", help="AAAA-MM (sinon le mois le plus chargé)")
    args = parser.parse_args()
    debut = datetime.date.fromisoformat(args.mois + "-01") if args.mois else mois_le_plus_charge()
    fin = dernier_jour(debut)
    with transaction.atomic():
        regie, _ = Regie.objects.get_or_create(code="MESURE", defaults={"nom": "Régie de mesure"})
        regie.structures.set(Structure.objects.all())
        ref_avant, octets = reference_copy(debut, fin)
        rapport, duree = exporter(regie, debut, fin)
        ref_apres, _ = reference_copy(debut, fin)
        # Une fois de plus pour la mémoire : tracemalloc ralentit, il ne compte pas dans la durée.
        tracemalloc.start()
        consommations_exporter(regie=regie, du=debut, au=fin, dry_run=True)
        _, pic = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        transaction.set_rollback(True)
    with transaction.atomic():
        regie, _ = Regie.objects.get_or_create(code="MESURE", defaults={"nom": "Régie de mesure"})
        regie.structures.set(Structure.objects.all())
        borne, tout, regularisations = regularisations_mesurer(regie, debut, fin)
        transaction.set_rollback(True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reference = (ref_avant + ref_apres) / 2
    print(
        f"Mois {debut:%m/%Y} : {rapport.lignes} lignes ({rapport.facturables} facturables), "
        f"fichier {rapport.taille / 1e6:.1f} Mo, pic Python {pic / 1e6:.0f} Mo, RSS max {rss:.0f} Mo\n"
        f"Référence COPY des réservations et présences du mois ({octets / 1e6:.0f} Mo) : "
        f"{ref_avant:.2f} s avant, {ref_apres:.2f} s après\n"
        f"Export : {duree:.1f} s ({duree / reference:.0f} × la référence)\n"
        f"Mois suivant, la période close inchangée : {borne:.1f} s ; en la recalculant "
        f"(--reverifier-tout) : {tout:.1f} s ({regularisations} régularisations)"
    )


if __name__ == "__main__":
    main()
