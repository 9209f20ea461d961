"""Les requêtes SQL écrites à la main de la messagerie (lecture seule).

Composition et exécution : `commun.sql` (noms de tables tirés des modèles, valeurs toujours en
paramètres).
"""

from commun.sql import Requete
from messagerie.models import Fil, Message

# Le compteur de l'en-tête : le nombre de messages reçus non lus d'une famille, hors fils
# supprimés.
# Pourquoi : l'en-tête de chaque page le demande ; la même requête composée par l'ORM coûtait
# 0,67 ms par page, celle-ci 0,25 ms (docs/performance.md), et elle est préparée sur PostgreSQL.
# Remplace : `Message.objects.filter(fil__famille=famille, fil__supprime_le__isnull=True,
# de_la_famille=False, lu_le__isnull=True).count()` (les tests comparent les deux).
MESSAGES_NON_LUS = Requete(
    "messages_non_lus",
    """
    SELECT COUNT(*) AS nombre FROM {Message} m JOIN {Fil} f ON f.id = m.fil_id
     WHERE f.famille_id = %(famille)s AND f.supprime_le IS NULL
       AND m.de_la_famille = %(faux)s AND m.lu_le IS NULL
    """,
    morceaux={"Message": Message, "Fil": Fil},
)
