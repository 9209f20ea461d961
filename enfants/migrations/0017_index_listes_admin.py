"""Index de la liste des présences de l'administration (issue 22), PostgreSQL seul : triée par
date décroissante (puis identifiant, ajouté par l'administration), sa première page se lit par
l'index au lieu de trier les centaines de milliers de présences. Le modèle n'en sait rien : sur
SQLite, rien n'est fait."""

from django.db import migrations

INDEX = {"presence_liste_date_idx": "enfants_presence (date DESC, id DESC)"}


def index_creer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom, definition in INDEX.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {nom} ON {definition}")


def index_supprimer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom in INDEX:
        schema_editor.execute(f"DROP INDEX IF EXISTS {nom}")


class Migration(migrations.Migration):
    dependencies = [
        ("enfants", "0016_fermeture_d_une_activite"),
    ]

    operations = [
        migrations.RunPython(index_creer, index_supprimer),
    ]
