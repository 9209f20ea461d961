from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    # Les données comptables importées sont en lecture seule : seules les régies se modifient.
    groupe_ccas_accorder(
        apps,
        app_label="facturation",
        codenames=[
            "view_regie", "add_regie", "change_regie",
            "view_facture", "view_lignefacture", "view_reglement", "view_affectation",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("facturation", "0001_initial"),
        ("familles", "0002_groupe_ccas"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
