"""Série de numéros propre aux règlements enregistrés par le portail (WEB-<code>-<rang>).

Les paiements en ligne déjà enregistrés avaient un numéro pris dans la série de la régie
(AL-229…), que le logiciel de facturation pouvait attribuer lui aussi : ils passent dans la
série du portail, dans l'ordre d'enregistrement.
"""

from django.db import migrations, models


def renumeroter(apps, schema_editor):
    Regie = apps.get_model("facturation", "Regie")
    Reglement = apps.get_model("facturation", "Reglement")
    for regie in Regie.objects.all():
        prefixe = f"WEB-{regie.code}-"
        pris = set(Reglement.objects.filter(regie=regie, numero__startswith=prefixe)
                   .values_list("numero", flat=True))
        rang = max((int(n[len(prefixe):]) for n in pris if n[len(prefixe):].isdigit()), default=0)
        for reglement in (Reglement.objects.filter(regie=regie, origine="en_ligne")
                          .exclude(numero__startswith=prefixe).order_by("date_creation", "pk")):
            rang += 1
            while f"{prefixe}{rang}" in pris:
                rang += 1
            reglement.numero = f"{prefixe}{rang}"
            reglement.save(update_fields=["numero"])
        regie.dernier_numero_portail = rang
        regie.save(update_fields=["dernier_numero_portail"])


class Migration(migrations.Migration):
    dependencies = [("facturation", "0004_groupe_ccas_paiements")]

    operations = [
        migrations.RenameField("regie", "dernier_numero", "dernier_numero_portail"),
        migrations.AlterField(
            model_name="regie",
            name="dernier_numero_portail",
            field=models.PositiveIntegerField(
                default=0, verbose_name="dernier numéro du portail",
                help_text="Rang du dernier règlement enregistré par le portail (série WEB-<code>-…)."),
        ),
        migrations.RunPython(renumeroter, migrations.RunPython.noop),
    ]
