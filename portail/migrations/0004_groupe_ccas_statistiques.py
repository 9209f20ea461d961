from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    # Les statistiques du portail sont celles du CCAS : tout agent du groupe les lit (issue 22).
    groupe_ccas_accorder(apps, app_label="portail", codenames=["voir_statistiques"])


class Migration(migrations.Migration):
    dependencies = [("portail", "0003_connexions_semaine"), ("familles", "0002_groupe_ccas")]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
