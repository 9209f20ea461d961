from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    groupe_ccas_accorder(apps, app_label="demandes", codenames=["view_demande", "change_demande"])
    # La consultation du journal d'audit est accordée par commun/migrations/0001_initial.py
    # (le modèle Audit a quitté l'application portail).


class Migration(migrations.Migration):
    dependencies = [
        ("demandes", "0001_initial"),
        ("portail", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
