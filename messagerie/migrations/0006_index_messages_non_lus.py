"""Index partiel des messages de familles pas encore lus (issue 22), PostgreSQL seul : la liste
des fils de l'administration compte, pour chaque fil, ses non-lus (`selectors.fils_agent`, une
sous-requête par fil) ; cet index ne contient que les non-lus (quelques-uns parmi 100 000
messages au volume d'une vraie ville) et répond à chaque fil sans lire la table.

Le modèle n'en sait rien : sur SQLite, rien n'est fait.
"""

from django.db import migrations

from commun.migrations_outils import IndexPostgresql

INDEX = {
    "message_non_lu_structure_idx": "messagerie_message (fil_id) WHERE de_la_famille AND lu_le IS NULL",
}


class Migration(migrations.Migration):
    dependencies = [
        ("messagerie", "0005_fermetures_exceptionnelles"),
    ]

    operations = [
        IndexPostgresql(INDEX),
    ]
