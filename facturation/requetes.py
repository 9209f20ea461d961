"""Les requêtes SQL écrites à la main de la facturation (lecture seule).

Une requête n'est écrite ici que là où une mesure l'a demandé (docs/performance.md) ; chacune
dit pourquoi elle existe et quelle lecture de l'ORM elle remplace. Composition et exécution :
`commun.sql` (noms de tables tirés des modèles, valeurs toujours en paramètres).
"""

from commun.sql import Colonnes, ExpressionOrm, Requete, Table, en_booleen, en_euros
from facturation.models import Facture, Reglement, deja_paye, paiement_en_cours

# L'accueil de chaque famille : ses factures impayées (toutes leurs colonnes, le déjà payé et
# l'existence d'un paiement en ligne en cours) et les deux sommes de son solde, en un seul
# aller-retour.
# Pourquoi : c'est le chemin de chaque page d'accueil ; l'ORM y composait trois requêtes
# annotées (la sous-requête « déjà payé » répétée trois fois) en plus de temps que la base
# n'en mettait à les exécuter (2,3 ms d'ORM pour 0,6 ms de base, docs/performance.md).
# Remplace : `selectors.factures(famille=…)` filtré sur `reste_du > 0` et trié par échéance,
# plus `Sum("montant")` des règlements et des factures de la famille. Le déjà payé et le
# paiement en cours sont les expressions de l'ORM (`facturation.models`), compilées ici.
# Le déjà payé est arrondi au centime avant la comparaison : sur SQLite, 0,01 + 3,51 y vaut
# 3,5199999999999996, « moins » que 3,52 (trouvé par les tests Hypothesis).
# La ligne des sommes est jointe (LEFT JOIN) aux factures impayées : sans facture impayée, une
# seule ligne revient, sans facture (id NULL).
SITUATION = Requete(
    "situation",
    """
    SELECT s.credits, s.debits, t.* FROM (
        SELECT (SELECT SUM(montant) FROM {Reglement} WHERE famille_id = %(famille)s) AS credits,
               (SELECT SUM(montant) FROM {Facture} WHERE famille_id = %(famille)s) AS debits
    ) s LEFT JOIN (
        SELECT {colonnes}, {deja_paye} AS deja_paye, {paiement_en_cours} AS paiement_en_cours
          FROM {Facture}
         WHERE {Facture}.famille_id = %(famille)s
    ) t ON ROUND(t.deja_paye, 2) < t.montant
    ORDER BY t.date_echeance, t.id
    """,
    morceaux={
        "Facture": Facture,
        "Reglement": Reglement,
        "colonnes": Colonnes(Facture, Table(Facture)),
        "deja_paye": ExpressionOrm(Facture, deja_paye()),
        "paiement_en_cours": ExpressionOrm(Facture, paiement_en_cours()),
    },
    convertisseurs={
        "credits": en_euros,
        "debits": en_euros,
        "deja_paye": en_euros,
        "paiement_en_cours": en_booleen,
    },
)
