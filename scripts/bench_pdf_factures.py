#!/usr/bin/env python
"""Rendu des factures PDF en nombre, sur tous les cœurs : le portail (requêtes + gabarit +
WeasyPrint, `facturation.pdf.facture_pdf`) comparé à WeasyPrint seul sur le même HTML et la
même feuille de style, avec le même nombre de processus.

    .venv/bin/python scripts/bench_pdf_factures.py [--factures 1000] [--processus 2] \
        [--base postgres://postgres@127.0.0.1:5432/portail_volume]

Sans --base, une base de démonstration SQLite temporaire est créée (ses quelques factures sont
rendues tour à tour jusqu'au nombre demandé). Avec --base, les N premières factures de la base.
"""

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")
os.environ.setdefault("DEBUG", "1")


def _portail(pks):
    from django.db import connection

    from facturation import pdf, selectors

    octets = 0
    for pk in pks:
        octets += len(pdf.facture_pdf(selectors.facture_detail(famille=None, pk=pk)))
    connection.close()
    return octets


def _weasyprint_seul(pages_html):
    from weasyprint import CSS, HTML

    from facturation import pdf

    feuille = CSS(string=pdf.FEUILLE_DE_STYLE.read_text(encoding="utf-8"))
    return sum(len(HTML(string=html).write_pdf(stylesheets=[feuille])) for html in pages_html)


def _en_paquets(elements, nombre):
    return [elements[i::nombre] for i in range(nombre)]


def chronometrer(fonction, paquets, processus) -> float:
    debut = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processus) as pool:
        octets = sum(pool.map(fonction, paquets))
    assert octets > 0
    return time.perf_counter() - debut


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--factures", type=int, default=1000)
    parser.add_argument("--processus", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--base", help="DATABASE_URL d'une base remplie (sinon : démonstration)")
    options = parser.parse_args()
    if options.base:
        os.environ["DATABASE_URL"] = options.base
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from facturation import pdf, selectors
    from facturation.models import Facture

    if not options.base:
        call_command("migrate", verbosity=0)
        call_command("demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    disponibles = list(Facture.objects.order_by("pk").values_list("pk", flat=True)[: options.factures])
    pks = [disponibles[i % len(disponibles)] for i in range(options.factures)]
    # La référence rend exactement le HTML que le portail produit pour ces factures.
    pages_html = [pdf.facture_html(selectors.facture_detail(famille=None, pk=pk)) for pk in pks]
    connection.close()  # chaque processus ouvre sa propre connexion
    _portail(pks[:2])  # polices et feuille de style chargées avant la mesure (puis héritées)
    _weasyprint_seul(pages_html[:2])
    connection.close()

    duree_portail = chronometrer(_portail, _en_paquets(pks, options.processus), options.processus)
    duree_seul = chronometrer(_weasyprint_seul, _en_paquets(pages_html, options.processus), options.processus)
    n = options.factures
    print(
        f"{n} factures ({len(disponibles)} distinctes), {options.processus} processus, "
        f"base {connection.vendor} :"
    )
    print(
        f"  portail (requêtes + gabarit + WeasyPrint) : {duree_portail:.1f} s, "
        f"{n / duree_portail:.1f} factures/s"
    )
    print(
        f"  WeasyPrint seul, même HTML et même CSS    : {duree_seul:.1f} s, {n / duree_seul:.1f} factures/s"
    )
    print(f"  rapport portail / WeasyPrint seul : {duree_portail / duree_seul:.2f}")
    print(f"  charge de la machine (load average 1 min) : {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
