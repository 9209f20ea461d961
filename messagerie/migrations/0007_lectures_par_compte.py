"""Une lecture par compte (issue 22) : chaque responsable a sa propre boîte de réception.

Reprise des données : ce que la famille avait déjà lu (`Message.lu_le` des messages du CCAS)
est lu pour **chacun** des comptes existants de la famille : personne ne retrouve d'anciens
messages non lus. Un fil est lu « jusqu'au message n » : le plus long début de ses messages du
CCAS déjà lus (un message non lu suivi de messages lus, ce que l'application ne produit pas,
reste non lu avec ceux qui le suivent).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


LOT = 5000


def lectures_reprendre(apps, schema_editor):
    Message = apps.get_model("messagerie", "Message")
    LectureFil = apps.get_model("messagerie", "LectureFil")
    Utilisateur = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    comptes: dict[int, list[int]] = {}
    for famille_id, compte_id in Utilisateur.objects.filter(famille__isnull=False).values_list(
        "famille_id", "pk"
    ):
        comptes.setdefault(famille_id, []).append(compte_id)
    if not comptes:
        return
    # Pour chaque fil : le dernier message du CCAS du début déjà lu, et quand.
    lus: dict[int, tuple[int, int, object]] = {}  # fil → (famille, dernier lu, lu le)
    interrompus: set[int] = set()
    messages = (
        Message.objects.filter(de_la_famille=False, fil__famille_id__in=list(comptes))
        .order_by("fil_id", "pk")
        .values_list("fil_id", "fil__famille_id", "pk", "lu_le")
    )
    for fil_id, famille_id, pk, lu_le in messages.iterator(chunk_size=LOT):
        if fil_id in interrompus:
            continue
        if lu_le is None:
            interrompus.add(fil_id)
            continue
        precedent = lus.get(fil_id)
        lu_le = max(lu_le, precedent[2]) if precedent else lu_le
        lus[fil_id] = (famille_id, pk, lu_le)
    lot = []
    for fil_id, (famille_id, dernier, lu_le) in lus.items():
        for compte_id in comptes[famille_id]:
            lot.append(LectureFil(fil_id=fil_id, compte_id=compte_id, dernier_lu_id=dernier, lu_le=lu_le))
            if len(lot) >= LOT:
                LectureFil.objects.bulk_create(lot)
                lot = []
    LectureFil.objects.bulk_create(lot)


class Migration(migrations.Migration):

    dependencies = [
        ('messagerie', '0006_index_messages_non_lus'),
        ('familles', '0007_preferences_notification'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='LectureFil',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('lu_le', models.DateTimeField(default=django.utils.timezone.now, verbose_name='lu le')),
                ('compte', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='compte')),
                ('dernier_lu', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='messagerie.message', verbose_name='dernier message lu')),
                ('fil', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lectures', to='messagerie.fil', verbose_name='fil')),
            ],
            options={
                'verbose_name': "lecture d'un fil",
                'verbose_name_plural': 'lectures des fils',
                'ordering': ['pk'],
                'constraints': [models.UniqueConstraint(fields=('fil', 'compte'), name='lecture_fil_compte_unique')],
            },
        ),
        migrations.RunPython(lectures_reprendre, migrations.RunPython.noop),
    ]
