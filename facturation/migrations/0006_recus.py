"""Reçus de paiement : chaque règlement a un numéro de reçu dans la série de sa régie et de
l'année de sa date (R-AL-2015-00012). Les règlements déjà enregistrés sont numérotés dans
l'ordre de leur date puis de leur enregistrement ; les séries reprennent après eux."""

import django.db.models.deletion
from django.db import migrations, models


def numeroter(apps, schema_editor):
    Reglement = apps.get_model("facturation", "Reglement")
    SerieRecus = apps.get_model("facturation", "SerieRecus")
    rangs = {}
    for reglement in Reglement.objects.filter(recu_rang__isnull=True).order_by("date", "date_creation", "pk"):
        cle = (reglement.regie_id, reglement.date.year)
        rangs[cle] = rangs.get(cle, 0) + 1
        reglement.recu_annee, reglement.recu_rang = cle[1], rangs[cle]
        reglement.save(update_fields=["recu_annee", "recu_rang"])
    SerieRecus.objects.bulk_create(
        SerieRecus(regie_id=regie_id, annee=annee, dernier_rang=rang) for (regie_id, annee), rang in rangs.items()
    )


class Migration(migrations.Migration):

    dependencies = [
        ('facturation', '0005_numerotation_portail'),
        ('familles', '0005_groupe_ccas_pieces'),
    ]

    operations = [
        migrations.CreateModel(
            name='SerieRecus',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('annee', models.PositiveSmallIntegerField(verbose_name='année')),
                ('dernier_rang', models.PositiveIntegerField(default=0, verbose_name='dernier rang')),
            ],
            options={
                'verbose_name': 'série de reçus',
                'verbose_name_plural': 'séries de reçus',
            },
        ),
        migrations.AddField(
            model_name='reglement',
            name='recu_annee',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name='année du reçu'),
        ),
        migrations.AddField(
            model_name='reglement',
            name='recu_rang',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True, verbose_name='rang du reçu'),
        ),
        migrations.AddConstraint(
            model_name='reglement',
            constraint=models.UniqueConstraint(fields=('regie', 'recu_annee', 'recu_rang'), name='reglement_recu_unique'),
        ),
        migrations.AddField(
            model_name='serierecus',
            name='regie',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='series_recus', to='facturation.regie', verbose_name='régie'),
        ),
        migrations.AddConstraint(
            model_name='serierecus',
            constraint=models.UniqueConstraint(fields=('regie', 'annee'), name='serie_recus_unique'),
        ),
        migrations.RunPython(numeroter, migrations.RunPython.noop),
    ]
