"""Index de la liste des présences de l'administration (issue 22), PostgreSQL seul : triée par
date décroissante (puis identifiant, ajouté par l'administration), sa première page se lit par
l'index au lieu de trier les centaines de milliers de présences. Le modèle n'en sait rien : sur
SQLite, rien n'est fait."""

from django.db import migrations

from commun.migrations_outils import IndexPostgresql

INDEX = {"presence_liste_date_idx": "enfants_presence (date DESC, id DESC)"}


class Migration(migrations.Migration):
    dependencies = [
        ("enfants", "0016_fermeture_d_une_activite"),
    ]

    operations = [
        IndexPostgresql(INDEX),
    ]
