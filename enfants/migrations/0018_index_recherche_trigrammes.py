"""Index trigrammes (pg_trgm) de la recherche des enfants dans l'administration (issue 22),
PostgreSQL seul : la recherche de Django (`icontains`, soit `UPPER(nom::text) LIKE '%…%'`) sur
les noms et prénoms des enfants lit ces index au lieu de balayer les
tables (listes des enfants, des demandes).

Ces index ne changent pas le modèle (Django n'en sait rien) : sur SQLite, rien n'est fait.
"""

from django.db import migrations

from commun.migrations_outils import ExtensionTrigrammes, IndexPostgresql

INDEX = {
    "enfant_nom_trgm_idx": "enfants_enfant USING gin ((UPPER(nom::text)) gin_trgm_ops)",
    "enfant_prenom_trgm_idx": "enfants_enfant USING gin ((UPPER(prenom::text)) gin_trgm_ops)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("enfants", "0017_index_listes_admin"),
    ]

    operations = [
        ExtensionTrigrammes(),  # CREATE EXTENSION pg_trgm, gardée en arrière ; rien hors PostgreSQL
        IndexPostgresql(INDEX),
    ]
