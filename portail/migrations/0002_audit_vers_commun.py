"""Le journal d'audit quitte le projet `portail` pour le noyau `commun`.

La table est renommée (portail_audit → commun_audit) et son type de contenu suit : les
permissions déjà accordées (le groupe CCAS consulte le journal) restent attachées. L'état du
modèle est recréé par commun/migrations/0001_initial.py.
"""

from django.db import migrations


def _deplacer(apps, schema_editor, *, de: str, vers: str) -> None:
    Audit = apps.get_model("portail", "Audit")
    schema_editor.alter_db_table(Audit, f"{de}_audit", f"{vers}_audit")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=vers, model="audit").exists():
        ContentType.objects.filter(app_label=de, model="audit").delete()
    else:
        ContentType.objects.filter(app_label=de, model="audit").update(app_label=vers)


def vers_commun(apps, schema_editor):
    _deplacer(apps, schema_editor, de="portail", vers="commun")


def vers_portail(apps, schema_editor):
    _deplacer(apps, schema_editor, de="commun", vers="portail")


class Migration(migrations.Migration):
    dependencies = [
        ("portail", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(vers_commun, vers_portail),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Audit")]),
    ]
