import django.db.models.deletion
from django.db import migrations, models


def lignes_creer(apps, schema_editor):
    """Les paiements existants (une facture chacun) reçoivent leur ligne."""
    PaiementEnLigne = apps.get_model("facturation", "PaiementEnLigne")
    LignePaiement = apps.get_model("facturation", "LignePaiement")
    LignePaiement.objects.bulk_create(
        LignePaiement(paiement_id=p.pk, facture_id=p.facture_id, montant=p.montant)
        for p in PaiementEnLigne.objects.all().iterator()
    )


class Migration(migrations.Migration):
    dependencies = [("facturation", "0009_mandats_sepa")]

    operations = [
        migrations.CreateModel(
            name="LignePaiement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("montant", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="montant")),
                (
                    "facture",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lignes_paiement",
                        to="facturation.facture",
                        verbose_name="facture",
                    ),
                ),
                (
                    "paiement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lignes",
                        to="facturation.paiementenligne",
                        verbose_name="paiement",
                    ),
                ),
            ],
            options={
                "verbose_name": "facture d'un paiement en ligne",
                "verbose_name_plural": "factures d'un paiement en ligne",
                "ordering": ["paiement", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("paiement", "facture"), name="ligne_paiement_unique")
                ],
            },
        ),
        migrations.RunPython(lignes_creer, migrations.RunPython.noop),
    ]
