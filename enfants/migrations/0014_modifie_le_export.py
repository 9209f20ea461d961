"""`modifie_le` sur ce qui fait une ligne d'export des consommations : l'export ne recalcule une
période close que si l'une de ses lignes a changé depuis sa dernière vérification."""

import django.utils.timezone
from django.db import migrations, models

MODELES = ["absence", "activite", "fermeture", "inscription", "presence", "reservation"]


class Migration(migrations.Migration):
    dependencies = [("enfants", "0013_export_consommations")]

    operations = [
        migrations.AddField(
            model_name=modele,
            name="modifie_le",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, verbose_name="modifié le"
            ),
            preserve_default=False,
        )
        for modele in MODELES
    ]
