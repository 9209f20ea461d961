#!/usr/bin/env python
"""Mesure page par page, pour la famille lourde du volume (`manage.py generer_volume`) :
nombre de requêtes SQL et temps serveur médian / p95 (client de test Django, en processus),
plus les plans EXPLAIN des requêtes de chaque page (balayages séquentiels signalés).

    DATABASE_URL=postgres://…/portail_volume .venv/bin/python scripts/bench_pages.py [--repetitions 30]

Les requêtes SQL sont comptées par une enveloppe d'exécution (`connection.execute_wrapper`).

Résultats en Markdown sur la sortie standard (à recopier dans docs/performance.md).
"""

import argparse
import statistics
import time

from _production import django_demarrer  # le dossier du script est dans sys.path

django_demarrer()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from enfants.models import Enfant  # noqa: E402
from facturation.models import Facture  # noqa: E402
from familles.models import Utilisateur  # noqa: E402

GRANDES_TABLES = (
    "facturation_facture",
    "facturation_lignefacture",
    "facturation_reglement",
    "facturation_affectation",
    "messagerie_message",
    "messagerie_fil",
    "demandes_demande",
    "enfants_reservation",
    "enfants_presence",
    "enfants_inscription",
    "enfants_enfant",
    "familles_famille",
)


def balayages_sequentiels(requetes) -> set[str]:
    """Les grandes tables lues par balayage séquentiel dans les plans des requêtes."""
    trouvees = set()
    with connection.cursor() as curseur:
        for requete in requetes:
            sql = requete["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            curseur.execute(f"EXPLAIN {sql}", requete["params"])
            for (ligne,) in curseur.fetchall():
                if "Seq Scan on" in ligne:
                    table = ligne.split("Seq Scan on ")[1].split()[0]
                    if table in GRANDES_TABLES:
                        trouvees.add(table)
    return trouvees


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repetitions", type=int, default=30)
    args = parser.parse_args()
    call_command("collectstatic", "--noinput", verbosity=0)  # manifeste des fichiers statiques
    parent = Utilisateur.objects.get(username="famille.lourde")
    client = Client(secure=True)
    client.force_login(parent)
    enfant = Enfant.objects.filter(famille=parent.famille).first()
    facture = Facture.objects.filter(famille=parent.famille).first()
    aujourdhui = timezone.localdate()
    pages = {
        "Accueil": reverse("portail:accueil"),
        "Mon compte": reverse("familles:compte"),
        "Mes enfants": reverse("enfants:liste"),
        "Planning du mois": reverse("enfants:planning", args=[enfant.pk, aujourdhui.year, aujourdhui.month]),
        "Relevé de compte": reverse("facturation:releve"),
        "Boîte de réception": reverse("messagerie:boite"),
        "Liste des demandes": reverse("demandes:liste"),
        "Facture PDF": reverse("facturation:facture_pdf", args=[facture.pk]),
    }
    print(
        f"Base : {connection.vendor}, famille lourde {parent.famille.numero}, "
        f"{args.repetitions} mesures par page.\n"
    )
    print("| page | requêtes SQL | médiane (ms) | p95 (ms) | balayages séquentiels de grandes tables |")
    print("|---|---|---|---|---|")
    for nom, url in pages.items():
        client.get(url)
        requetes = []

        def noter(execute, sql, params, many, context, requetes=requetes):
            requetes.append({"sql": sql, "params": params})
            return execute(sql, params, many, context)

        with connection.execute_wrapper(noter):
            reponse = client.get(url)
        assert reponse.status_code == 200, (nom, reponse.status_code)
        durees = []
        for _ in range(args.repetitions):
            debut = time.perf_counter()
            client.get(url)
            durees.append((time.perf_counter() - debut) * 1000)
        durees.sort()
        p95 = durees[max(0, round(0.95 * len(durees)) - 1)]
        seq = balayages_sequentiels(requetes) if connection.vendor == "postgresql" else set()
        print(
            f"| {nom} | {len(requetes)} | {statistics.median(durees):.1f} | {p95:.1f} | "
            f"{', '.join(sorted(seq)) or 'aucun'} |"
        )


if __name__ == "__main__":
    main()
