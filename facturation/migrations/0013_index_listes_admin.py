"""Index des listes de l'administration au volume d'une vraie ville (issue 22), PostgreSQL seul.

- les listes des factures et des règlements, triées par date décroissante, lisent leur première
  page par un index au lieu de trier des centaines de milliers de lignes ;
- un N° de facture ou de règlement exact se trouve par index (l'unicité porte sur
  (régie, numéro), inutilisable sans la régie) ;
- la recherche par morceau de numéro (`icontains`, soit `UPPER(numero::text) LIKE '%…%'`) passe
  par un index trigrammes (pg_trgm) sur la même expression.

Ces index ne changent pas le modèle (Django n'en sait rien) : sur SQLite, rien n'est fait.
"""

from django.db import migrations

from commun.migrations_outils import ExtensionTrigrammes, IndexPostgresql

INDEX = {
    "facture_liste_date_idx": "facturation_facture (date_facture DESC, id DESC)",
    "facture_numero_idx": "facturation_facture (numero)",
    "facture_numero_trgm_idx": "facturation_facture USING gin ((UPPER(numero::text)) gin_trgm_ops)",
    "reglement_liste_date_idx": "facturation_reglement (date DESC, id DESC)",
    "reglement_numero_idx": "facturation_reglement (numero)",
    "reglement_numero_trgm_idx": "facturation_reglement USING gin ((UPPER(numero::text)) gin_trgm_ops)",
    "reglement_reference_trgm_idx": (
        "facturation_reglement USING gin ((UPPER(reference_externe::text)) gin_trgm_ops)"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("facturation", "0012_prestataire_paiement_par_regie"),
    ]

    operations = [
        ExtensionTrigrammes(),  # CREATE EXTENSION pg_trgm, gardée en arrière ; rien hors PostgreSQL
        IndexPostgresql(INDEX),
    ]
