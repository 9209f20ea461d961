"""Index trigrammes (pg_trgm) de la recherche des familles dans l'administration (issue 22),
PostgreSQL seul : la recherche de Django (`icontains`, soit `UPPER(nom::text) LIKE '%…%'`) sur
les noms et prénoms des responsables et le N° Famille lit ces index au lieu de balayer les
tables (listes des familles, des demandes, des factures, des règlements).

Ces index ne changent pas le modèle (Django n'en sait rien) : sur SQLite, rien n'est fait.
"""

from django.db import migrations

from commun.migrations_outils import ExtensionTrigrammes, IndexPostgresql

INDEX = {
    "famille_numero_trgm_idx": "familles_famille USING gin ((UPPER(numero::text)) gin_trgm_ops)",
    "responsable_nom_trgm_idx": "familles_responsable USING gin ((UPPER(nom::text)) gin_trgm_ops)",
    "responsable_prenom_trgm_idx": "familles_responsable USING gin ((UPPER(prenom::text)) gin_trgm_ops)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("familles", "0007_preferences_notification"),
    ]

    operations = [
        ExtensionTrigrammes(),  # CREATE EXTENSION pg_trgm, gardée en arrière ; rien hors PostgreSQL
        IndexPostgresql(INDEX),
    ]
