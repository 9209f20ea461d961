from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    codenames = [
        f"{action}_{modele}"
        for modele in ("fermeture", "inscription", "reservation", "absence", "presence")
        for action in ("view", "add", "change", "delete")
    ]
    codenames += ["view_fluxcalendrier"]
    groupe_ccas_accorder(apps, app_label="enfants", codenames=codenames)


class Migration(migrations.Migration):
    dependencies = [("enfants", "0003_planning"), ("enfants", "0002_groupe_ccas")]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
