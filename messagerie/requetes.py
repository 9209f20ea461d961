"""Les requêtes SQL écrites à la main de la messagerie (lecture seule).

Composition et exécution : `commun.sql` (noms de tables tirés des modèles, valeurs toujours en
paramètres).
"""

from commun.sql import Requete
from messagerie.models import Fil, LectureFil, Message

# Le compteur de l'en-tête : le nombre de messages reçus qu'un compte de la famille n'a pas lus,
# hors fils supprimés. Chaque responsable a sa lecture (`LectureFil`, « lu jusqu'au message
# n », une ligne par fil et par compte) : une jointure d'une ligne par fil, dans la même
# requête (issue 22).
# Pourquoi : l'en-tête de chaque page le demande ; la même requête composée par l'ORM coûtait
# 0,67 ms par page, celle-ci 0,25 ms (docs/performance.md), et elle est préparée sur PostgreSQL.
# Remplace : `Message.objects.filter(fil__famille=famille, fil__supprime_le__isnull=True,
# de_la_famille=False, pk__gt=compte.messages_anterieurs_jusqu_a).exclude(Exists(
# LectureFil.objects.filter(fil=OuterRef("fil"), compte=compte, dernier_lu__gte=OuterRef("pk"))))
# .count()` (les tests comparent les deux). `anterieurs` : les messages reçus avant la création
# du compte d'un second responsable ne comptent pas (0 pour le premier compte).
MESSAGES_NON_LUS = Requete(
    "messages_non_lus",
    """
    SELECT COUNT(*) AS nombre FROM {Message} m JOIN {Fil} f ON f.id = m.fil_id
      LEFT JOIN {LectureFil} l ON l.fil_id = f.id AND l.compte_id = %(compte)s
     WHERE f.famille_id = %(famille)s AND f.supprime_le IS NULL
       AND m.de_la_famille = %(faux)s
       AND (l.dernier_lu_id IS NULL OR m.id > l.dernier_lu_id)
       AND m.id > %(anterieurs)s
    """,
    morceaux={"Message": Message, "Fil": Fil, "LectureFil": LectureFil},
)
