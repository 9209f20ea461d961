from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    groupe_ccas_accorder(
        apps,
        app_label="enfants",
        codenames=[
            f"{action}_{modele}"
            for modele in ("structure", "activite", "enfant")
            for action in ("view", "add", "change")
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("enfants", "0001_initial"), ("familles", "0002_groupe_ccas")]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
