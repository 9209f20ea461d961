#!/usr/bin/env python
"""Mesure l'administration au volume d'une vraie ville (issue 22), vue par un agent du CCAS :
chaque liste (changelist) qu'il peut voir, une fiche (change view) par modèle, et les recherches
courantes ; nombre de requêtes SQL et temps serveur médian / p95 (client de test Django, en
processus), avec en référence la vue triviale `/sante/` dans la même exécution.

    DATABASE_URL=postgres://…/portail_volume .venv/bin/python scripts/bench_admin.py [--repetitions 15]

L'agent (`agent.bench`, membre du groupe CCAS, rattaché à toutes les structures pour la
messagerie) est créé s'il manque ; toutes les mesures se font dans une transaction annulée à la
fin (ouvrir une fiche de fil la marque lue, la session s'écrit en base) : la base n'est pas
modifiée. Les requêtes SQL sont comptées par une enveloppe d'exécution
(`connection.execute_wrapper`). Budget : chaque liste, recherches comprises, sous 150 ms
(médiane) ; ce qui le dépasse est marqué.

Résultats en Markdown sur la sortie standard (à recopier dans docs/performance.md).
"""

import argparse
import os
import statistics
import time

from _production import django_demarrer  # le dossier du script est dans sys.path

django_demarrer(ADMIN_DOUBLE_AUTHENTIFICATION="0")

from django.contrib import admin  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.urls import reverse  # noqa: E402

from commun.permissions import NOM_GROUPE_CCAS  # noqa: E402
from enfants.models import Structure  # noqa: E402
from facturation.models import Facture  # noqa: E402
from familles.models import Famille, Responsable, Utilisateur  # noqa: E402
from messagerie.models import AgentStructure  # noqa: E402

BUDGET_MS = 150
# Les listes des paquets tiers (comme tests/test_admin_requetes.py) : réservées aux
# superutilisateurs, hors du périmètre de l'agent.
TIERCES = ("axes", "django_tasks_database", "otp_totp")
IDENTIFIANT_AGENT = "agent.bench"


def agent_preparer() -> Utilisateur:
    """L'agent du CCAS des mesures : personnel, groupe CCAS, toutes les structures."""
    agent, _ = Utilisateur.objects.get_or_create(
        username=IDENTIFIANT_AGENT,
        defaults={"is_staff": True, "famille": None, "first_name": "Agent", "last_name": "MESURES"},
    )
    agent.groups.add(Group.objects.get(name=NOM_GROUPE_CCAS))
    for structure in Structure.objects.all():
        AgentStructure.objects.get_or_create(agent=agent, structure=structure)
    return Utilisateur.objects.get(pk=agent.pk)  # cache des permissions vide


def mesurer(client, url, *, repetitions: int) -> dict:
    """Une requête comptée (et son statut), puis `repetitions` requêtes chronométrées."""
    client.get(url)  # échauffement (gabarits, caches de Django)
    requetes = []

    def noter(execute, sql, params, many, context):
        requetes.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(noter):
        reponse = client.get(url)
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        client.get(url)
        durees.append((time.perf_counter() - debut) * 1000)
    durees.sort()
    return {
        "statut": reponse.status_code,
        "requetes": len(requetes),
        "mediane": statistics.median(durees),
        "p95": durees[max(0, round(0.95 * len(durees)) - 1)],
    }


def ligne(nom: str, url: str, mesure: dict, *, budget: bool) -> str:
    depasse = budget and mesure["mediane"] > BUDGET_MS
    marque = "**hors budget**" if depasse else ("" if budget else "—")
    statut = "" if mesure["statut"] == 200 else f" (HTTP {mesure['statut']})"
    return (
        f"| {nom}{statut} | `{url}` | {mesure['requetes']} | {mesure['mediane']:.1f} | "
        f"{mesure['p95']:.1f} | {marque} |"
    )


def listes_de_l_agent(agent):
    requete = RequestFactory().get("/admin/")
    requete.user = agent
    listes = []
    for modele, modele_admin in admin.site._registry.items():
        if modele._meta.app_label in TIERCES:
            continue
        if not modele_admin.has_view_or_change_permission(requete):
            continue
        listes.append((str(modele._meta.verbose_name_plural), modele, modele_admin))
    return sorted(listes, key=lambda t: (t[1]._meta.app_label, t[1]._meta.model_name)), requete


def recherches() -> list[tuple[str, str, str]]:
    """(libellé, liste, terme) : les recherches d'un agent au guichet."""
    facture = Facture.objects.order_by("-pk").only("numero").first()
    famille = Famille.objects.order_by("numero").only("numero")[Famille.objects.count() // 2]
    nom = Responsable.objects.order_by("nom").values_list("nom", flat=True).first()
    return [
        ("Factures : « DUPONT »", "facturation.facture", "DUPONT"),
        ("Factures : N° de facture exact", "facturation.facture", facture.numero),
        ("Factures : N° Famille exact", "facturation.facture", famille.numero),
        (f"Familles : nom « {nom} »", "familles.famille", nom),
        ("Familles : « DUPONT »", "familles.famille", "DUPONT"),
        ("Familles : N° Famille exact", "familles.famille", famille.numero),
        ("Règlements : « DUPONT »", "facturation.reglement", "DUPONT"),
        ("Règlements : N° Famille exact", "facturation.reglement", famille.numero),
        ("Demandes : « DUPONT »", "demandes.demande", "DUPONT"),
        (f"Demandes : nom « {nom} »", "demandes.demande", nom),
        ("Présences : « DUPONT »", "enfants.presence", "DUPONT"),
        ("Réservations : « DUPONT »", "enfants.reservation", "DUPONT"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repetitions", type=int, default=15)
    args = parser.parse_args()
    call_command("collectstatic", "--noinput", verbosity=0)  # manifeste des fichiers statiques
    agent = agent_preparer()
    listes, requete = listes_de_l_agent(agent)
    charge = os.getloadavg()
    print(
        f"Base : {connection.vendor}, {Famille.objects.count()} familles, "
        f"{Facture.objects.count()} factures ; agent du groupe « {NOM_GROUPE_CCAS} » ; "
        f"{args.repetitions} mesures par page ; charge au départ "
        f"{charge[0]:.2f} {charge[1]:.2f} {charge[2]:.2f}. Budget : {BUDGET_MS} ms (médiane) "
        "par liste, recherches comprises.\n"
    )
    entete = "| page | adresse | requêtes SQL | médiane (ms) | p95 (ms) | budget |\n|---|---|---|---|---|---|"
    with transaction.atomic():
        client = Client(secure=True)
        client.force_login(agent)
        print("### Référence\n")
        print(entete)
        sante = reverse("sante")
        print(
            ligne(
                "`/sante/` (vue triviale)",
                sante,
                mesurer(client, sante, repetitions=args.repetitions),
                budget=False,
            )
        )

        print("\n### Listes\n")
        print(entete)
        for nom, modele, _ in listes:
            url = reverse(f"admin:{modele._meta.app_label}_{modele._meta.model_name}_changelist")
            print(
                ligne(nom.capitalize(), url, mesurer(client, url, repetitions=args.repetitions), budget=True)
            )

        print("\n### Recherches\n")
        print(entete)
        from urllib.parse import urlencode

        for libelle, label, terme in recherches():
            app, model = label.split(".")
            url = f"{reverse(f'admin:{app}_{model}_changelist')}?{urlencode({'q': terme})}"
            print(ligne(libelle, url, mesurer(client, url, repetitions=args.repetitions), budget=True))

        print("\n### Fiches (un objet existant par modèle)\n")
        print(entete)
        for nom, modele, modele_admin in listes:
            pk = modele_admin.get_queryset(requete).order_by("pk").values_list("pk", flat=True).first()
            if pk is None:
                continue
            url = reverse(f"admin:{modele._meta.app_label}_{modele._meta.model_name}_change", args=[pk])
            print(
                ligne(nom.capitalize(), url, mesurer(client, url, repetitions=args.repetitions), budget=False)
            )
        transaction.set_rollback(True)  # rien n'est écrit (fils lus, session…)
    charge = os.getloadavg()
    print(f"\nCharge à la fin : {charge[0]:.2f} {charge[1]:.2f} {charge[2]:.2f}.")


if __name__ == "__main__":
    main()
