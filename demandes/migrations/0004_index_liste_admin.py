"""Index de la liste des demandes de l'administration (issue 22), PostgreSQL seul : triée « en
attente d'abord, la plus ancienne en tête » (`commun.admin_outils.en_attente_d_abord`, puis
identifiant décroissant, ajouté par l'administration), sa première page se lit par cet index
d'expression, la même que celle de l'ORDER BY, au lieu de trier les 50 000 demandes.

Le modèle n'en sait rien : sur SQLite, rien n'est fait. Si l'ordre de la liste change,
l'index ne sert plus (mais ne gêne pas) : le changer avec lui.
"""

from django.db import migrations

from commun.migrations_outils import IndexPostgresql

INDEX = {
    "demande_liste_attente_idx": (
        "demandes_demande ((CASE WHEN statut::text = 'en_attente'::text THEN 0 ELSE 1 END), cree_le, id DESC)"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("demandes", "0003_liste_attente"),
    ]

    operations = [
        IndexPostgresql(INDEX),
    ]
