#!/usr/bin/env python
"""Mesure la fermeture exceptionnelle d'une structure (issue 21) sur une base de volume
(`manage.py generer_volume`, 10 000 familles) : combien de temps pour tout faire et mettre en
file les notifications d'environ 2 000 familles, et combien de temps le worker met à les envoyer.

La base du volume n'a qu'une structure (toutes les familles) : le script crée, dans une
transaction annulée à la fin (rien ne reste), une école de `--familles` familles (un enfant de
chacune inscrit en contrat régulier du lundi au vendredi ; une sur deux a en plus une réservation
le jour fermé sur une seconde activité ; une sur deux autorise les SMS, avec un mobile), puis :

1. référence, même run, mêmes familles : la manière d'avant, une famille après l'autre par les
   services existants (`message_systeme_envoyer` : un fil, un message et la notification) ;
2. mesure : `messagerie.fermetures.fermeture_exceptionnelle` (fermeture, annulations, messages
   avec les enfants, notifications) puis la mise en file des tâches (file en base,
   django_tasks_db), comme à la validation de la transaction ;
3. le worker : l'envoi d'un échantillon de lots (courriels en mémoire, SMS par ConsoleSMS dans
   /dev/null), extrapolé au total.

    DATABASE_URL=postgres://… .venv/bin/python scripts/bench_fermeture.py [--familles 2000]
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._production import django_demarrer  # noqa: E402

django_demarrer(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SMS_BACKEND="messagerie.sms.ConsoleSMS",
    SMS_FICHIER="/dev/null",
    TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    RAPPELS_SMS_HEURE_DEBUT="0",
    RAPPELS_SMS_HEURE_FIN="24",
)

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from enfants import calendrier  # noqa: E402
from enfants.models import Activite, Enfant, Inscription, Reservation, Structure  # noqa: E402
from enfants.planning import activite_ouverte  # noqa: E402
from familles.models import Famille, Responsable  # noqa: E402
from messagerie import fermetures, services  # noqa: E402
from messagerie.models import Notification  # noqa: E402
from messagerie.tasks import notifications_envoyer_tache  # noqa: E402


def _jour_ouvre(activite: Activite) -> datetime.date:
    jour = timezone.localdate() + datetime.timedelta(days=7)
    fin = jour + datetime.timedelta(days=60)
    feries, vacances = calendrier.feries(jour, fin), calendrier.vacances(jour, fin)
    while jour in feries or not activite_ouverte(activite, jour, vacances):
        jour += datetime.timedelta(days=1)
    return jour


def _ecole(nombre: int) -> tuple[Structure, list[int], datetime.date]:
    structure = Structure.objects.create(nom="École de mesure (fermeture)", type=Structure.Type.ALSH)
    periscolaire = Activite.objects.create(
        structure=structure, nom="Périscolaire (mesure)", jours_ouverture="01234"
    )
    cantine = Activite.objects.create(
        structure=structure, nom="Restauration (mesure)", jours_ouverture="01234"
    )
    jour = _jour_ouvre(periscolaire)
    familles = list(Famille.objects.order_by("pk").values_list("pk", flat=True)[:nombre])
    enfants = {}
    for enfant_id, famille_id in (
        Enfant.objects.filter(famille_id__in=familles).order_by("pk").values_list("pk", "famille_id")
    ):
        enfants.setdefault(famille_id, enfant_id)
    debut, fin = jour - datetime.timedelta(days=30), jour + datetime.timedelta(days=30)
    Inscription.objects.bulk_create(
        Inscription(
            enfant_id=e, activite=periscolaire, date_debut=debut, date_fin=fin, jours_reguliers="01234"
        )
        for e in enfants.values()
    )
    a_la_cantine = Inscription.objects.bulk_create(
        Inscription(enfant_id=e, activite=cantine, date_debut=debut, date_fin=fin)
        for i, e in enumerate(enfants.values())
        if i % 2 == 0
    )
    Reservation.objects.bulk_create(
        Reservation(inscription=i, date=jour, etat=Reservation.Etat.ACCEPTEE) for i in a_la_cantine
    )
    sms = familles[::2]
    Responsable.objects.filter(famille_id__in=sms, role="principal").update(
        autorisation_sms=True, telephone_mobile="06 12 34 56 78"
    )
    return structure, list(enfants), jour


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--familles", type=int, default=2000)
    parser.add_argument("--echantillon", type=int, default=5, help="lots envoyés pour mesurer le worker")
    args = parser.parse_args()
    print(f"Base : {Famille.objects.count()} familles")
    with transaction.atomic():
        structure, familles, jour = _ecole(args.familles)
        print(f"École de mesure : {len(familles)} familles, fermeture du {jour:%d/%m/%Y}")

        # 1. Référence : une famille après l'autre, par les services d'avant l'issue 21.
        with transaction.atomic():
            depart = time.perf_counter()
            for famille in Famille.objects.filter(pk__in=familles):
                services.message_systeme_envoyer(
                    famille=famille, objet="Fermeture exceptionnelle", texte="L'école est fermée."
                )
            reference = time.perf_counter() - depart
            transaction.set_rollback(True)
        print(f"Référence (une famille après l'autre, message + notification) : {reference:.1f} s")

        # 2. La fermeture en une étape, puis la mise en file (ce que fait la validation).
        avant = len(connection.run_on_commit)
        depart = time.perf_counter()
        _fermeture, touches = fermetures.fermeture_exceptionnelle(
            structure=structure, date_debut=jour, date_fin=jour, motif="Grève"
        )
        ecrit = time.perf_counter() - depart
        rappels = [rappel for _, rappel, _ in connection.run_on_commit[avant:]]
        del connection.run_on_commit[avant:]
        for rappel in rappels:
            rappel()
        en_file = time.perf_counter() - depart
        notifications = Notification.objects.filter(cle__startswith=f"fermeture:{_fermeture.pk}:")
        nombre = notifications.count()
        from django_tasks_db.models import DBTaskResult

        lots = list(DBTaskResult.objects.filter(task_path__endswith="notifications_envoyer_tache"))
        print(
            f"Fermeture : {touches.nombre_familles} familles, {touches.nombre_enfants} enfants, "
            f"{touches.reservations} réservations annulées ; écrit en {ecrit:.1f} s, "
            f"{nombre} notifications ({notifications.filter(canal='sms').count()} SMS) "
            f"en file en {en_file:.1f} s ({len(lots)} tâches)"
        )

        # 3. Le worker : un échantillon de lots, extrapolé.
        depart = time.perf_counter()
        envoyees = 0
        for lot in lots[: args.echantillon]:
            notifications_envoyer_tache.call(**lot.args_kwargs["kwargs"])
            envoyees += len(lot.args_kwargs["kwargs"]["notification_ids"])
        duree = time.perf_counter() - depart
        if envoyees:
            print(
                f"Worker : {envoyees} notifications envoyées en {duree:.1f} s "
                f"({envoyees / duree:.0f}/s, soit {nombre / (envoyees / duree):.0f} s pour les {nombre})"
            )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
