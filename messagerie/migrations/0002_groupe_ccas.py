from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    groupe_ccas_accorder(
        apps,
        app_label="messagerie",
        codenames=[
            "view_fil", "add_fil", "change_fil",
            "view_message", "add_message",
            "view_piecejointe",
            "view_diffusion", "add_diffusion",
            "view_information", "add_information", "change_information", "delete_information",
            "view_document", "add_document", "change_document", "delete_document",
            "view_notification",
            "view_agentstructure",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("messagerie", "0001_initial"),
        ("familles", "0002_groupe_ccas"),
    ]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
