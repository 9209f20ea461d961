"""Le fichier d'une période close passe de la base (BinaryField) à un fichier privé, écrit au
fil des lignes ; la date de dernière vérification borne le recalcul des régularisations."""

from django.core.files.base import ContentFile
from django.db import migrations, models

import facturation.models


def fichiers_sortir_de_la_base(apps, schema_editor):
    PeriodeClose = apps.get_model("facturation", "PeriodeClose")
    for periode in PeriodeClose.objects.select_related("regie").iterator():
        nom = f"consommations-{periode.regie.code}-{periode.du:%Y%m%d}-{periode.au:%Y%m%d}.csv"
        periode.fichier.save(nom, ContentFile(bytes(periode.fichier_ancien)), save=False)
        periode.save(update_fields=["fichier"])


def fichiers_remettre_en_base(apps, schema_editor):
    PeriodeClose = apps.get_model("facturation", "PeriodeClose")
    for periode in PeriodeClose.objects.iterator():
        with periode.fichier.open("rb") as fichier:
            periode.fichier_ancien = fichier.read()
        periode.save(update_fields=["fichier_ancien"])


class Migration(migrations.Migration):
    dependencies = [("facturation", "0010_lignes_paiement"), ("enfants", "0014_modifie_le_export")]

    operations = [
        migrations.RenameField("periodeclose", "fichier", "fichier_ancien"),
        migrations.AddField(
            model_name="periodeclose",
            name="fichier",
            field=models.FileField(
                default="",
                max_length=200,
                storage=facturation.models._stockage_prive,
                upload_to="exports/consommations/%Y/",
                verbose_name="fichier exporté",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fichiers_sortir_de_la_base, fichiers_remettre_en_base),
        migrations.RemoveField("periodeclose", "fichier_ancien"),
        migrations.AddField(
            model_name="periodeclose",
            name="verifiee_le",
            field=models.DateTimeField(blank=True, null=True, verbose_name="vérifiée le"),
        ),
        migrations.AddField(
            model_name="periodeclose",
            name="a_reverifier",
            field=models.BooleanField(default=False, verbose_name="à revérifier"),
        ),
    ]
