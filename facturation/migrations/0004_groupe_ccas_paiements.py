from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    groupe_ccas_accorder(
        apps,
        app_label="facturation",
        codenames=["view_paiementenligne", "view_evenementpaiement", "change_evenementpaiement"],
    )


class Migration(migrations.Migration):
    dependencies = [("facturation", "0003_paiement_en_ligne")]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
