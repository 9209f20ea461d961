from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    groupe_ccas_accorder(
        apps,
        app_label="familles",
        codenames=[
            "view_famille", "add_famille", "change_famille",
            "view_responsable", "add_responsable", "change_responsable",
            "view_utilisateur", "add_utilisateur", "change_utilisateur",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("familles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
