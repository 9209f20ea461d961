from django.db import migrations

from commun.permissions import donnees_de_reference, groupe_ccas_accorder


@donnees_de_reference
def accorder(apps, schema_editor):
    # Les agents ouvrent et règlent les campagnes (jamais de suppression : une campagne passée
    # garde ses dossiers) ; ils consultent les dossiers des familles, que seules elles remplissent.
    groupe_ccas_accorder(
        apps,
        app_label="enfants",
        codenames=[
            "view_campagne", "add_campagne", "change_campagne",
            "view_dossiercampagne",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("enfants", "0010_dossier_campagne")]

    operations = [migrations.RunPython(accorder, migrations.RunPython.noop)]
