"""Le journal d'audit, venu du projet `portail` (portail/migrations/0002_audit_vers_commun.py a
renommé la table) : seul l'état du modèle est créé ici ; puis le groupe CCAS le consulte."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    groupe_ccas_accorder(apps, app_label="commun", codenames=["view_audit"])


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("portail", "0002_audit_vers_commun"),
        ("familles", "0002_groupe_ccas"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name="Audit",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                               verbose_name="ID")),
                    ("date", models.DateTimeField(db_index=True, default=django.utils.timezone.now,
                                                  verbose_name="date")),
                    ("objet", models.CharField(max_length=200, verbose_name="objet")),
                    ("action", models.CharField(max_length=200, verbose_name="action")),
                    ("avant", models.JSONField(blank=True, default=dict, verbose_name="avant")),
                    ("apres", models.JSONField(blank=True, default=dict, verbose_name="après")),
                    ("champs", models.JSONField(blank=True, default=list, verbose_name="champs modifiés")),
                    ("sensible", models.BooleanField(default=False, verbose_name="donnée sensible")),
                    ("auteur", models.ForeignKey(blank=True, null=True,
                                                 on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL,
                                                 verbose_name="auteur")),
                    ("famille", models.ForeignKey(blank=True, null=True,
                                                  on_delete=django.db.models.deletion.SET_NULL,
                                                  related_name="audits", to="familles.famille",
                                                  verbose_name="famille")),
                ],
                options={
                    "verbose_name": "trace d'audit",
                    "verbose_name_plural": "journal d'audit",
                    "ordering": ["-date", "-pk"],
                },
            ),
        ]),
        migrations.RunPython(accorder, migrations.RunPython.noop),
    ]
