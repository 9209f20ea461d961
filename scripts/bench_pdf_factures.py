#!/usr/bin/env python
"""Temps de rendu d'une facture PDF : le portail (requêtes + gabarit + WeasyPrint) comparé à
WeasyPrint seul sur le même HTML et la même feuille de style.

    .venv/bin/python scripts/bench_pdf_factures.py [--repetitions 20]

Utilise la base de démonstration SQLite temporaire (créée pour l'occasion).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
_dossier = tempfile.mkdtemp()
os.environ["DATABASE_URL"] = f"sqlite:///{_dossier}/bench.sqlite3"
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")


def mesurer(fonction, repetitions):
    fonction()  # premier rendu : chargement des polices, hors mesure
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        fonction()
        durees.append(time.perf_counter() - debut)
    return statistics.median(durees), min(durees)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repetitions", type=int, default=20)
    options = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from weasyprint import CSS, HTML

    from facturation import pdf, selectors
    from facturation.models import Facture

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    pk = Facture.objects.get(numero="AL-36").pk
    facture = selectors.facture_detail(famille=None, pk=pk)
    html = pdf.facture_html(facture)
    feuille = pdf.FEUILLE_DE_STYLE.read_text(encoding="utf-8")

    def portail():
        pdf.facture_pdf(selectors.facture_detail(famille=None, pk=pk))

    def weasyprint_seul():
        HTML(string=html).write_pdf(stylesheets=[CSS(string=feuille)])

    mediane_portail, min_portail = mesurer(portail, options.repetitions)
    mediane_seul, min_seul = mesurer(weasyprint_seul, options.repetitions)
    print(f"Facture AL-36 (1 page, 3 lignes), {options.repetitions} rendus, médiane (min) :")
    print(f"  portail (requêtes + gabarit + WeasyPrint) : {mediane_portail * 1000:.0f} ms "
          f"({min_portail * 1000:.0f} ms)")
    print(f"  WeasyPrint seul, même HTML et même CSS    : {mediane_seul * 1000:.0f} ms "
          f"({min_seul * 1000:.0f} ms)")
    print(f"  rapport : {mediane_portail / mediane_seul:.2f}")
    print(f"  charge de la machine (load average 1 min) : {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
