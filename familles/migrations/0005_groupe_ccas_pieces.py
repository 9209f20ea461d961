from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    # Les agents règlent les types de pièces et publient les textes ; ils vérifient les pièces
    # (décision par les services, jamais de suppression d'un dépôt ni d'une réponse).
    groupe_ccas_accorder(
        apps,
        app_label="familles",
        codenames=[
            "view_typepiece", "add_typepiece", "change_typepiece",
            "view_piecejustificative", "change_piecejustificative",
            "view_fichierpiece",
            "view_texteconsentement", "add_texteconsentement", "change_texteconsentement",
            "view_versiontexte", "add_versiontexte",
            "view_consentement",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("familles", "0004_pieces_consentements")]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
