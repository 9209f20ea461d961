"""Les requêtes SQL écrites à la main du dossier de la famille (lecture seule).

Composition et exécution : `commun.sql` (noms de tables tirés des modèles, valeurs toujours en
paramètres). Les tables des enfants et des activités sont nommées par leur étiquette
(`"enfants.Inscription"`) : `familles` n'importe pas `enfants`.
"""

from commun.sql import ListeJson, ObjetJson, Requete, en_booleen, en_json
from familles.models import (
    Consentement,
    PieceJustificative,
    Responsable,
    TexteConsentement,
    TypePiece,
    VersionTexte,
)

# Les textes que la famille doit lire : la version courante de chaque texte en vigueur, sans
# réponse de la famille à cette version (bloc « À faire » de l'accueil, à chaque affichage).
# Pourquoi : la même lecture composée par l'ORM (`textes_en_vigueur` annoté de deux
# `Subquery` et deux `Exists`) coûtait ≈ 5 ms de composition par accueil pour 0,3 ms
# d'exécution (docs/performance.md) ; celle-ci est composée une fois et préparée sur PostgreSQL.
# Remplace : `selectors.consentements_a_donner(famille=, jour=)` réduit à ce que l'accueil
# montre (texte, numéro de la version courante, « déjà répondu à une version antérieure ») ; les
# tests comparent les deux, par propriétés (tests/test_selecteurs_sql.py).
TEXTES_A_LIRE = Requete(
    "textes_a_lire",
    """
    WITH textes AS (
        SELECT t.id, t.titre, t.type, t.refus_possible,
               (SELECT v.id FROM {VersionTexte} v
                 WHERE v.texte_id = t.id AND v.en_vigueur_le <= %(jour)s
                 ORDER BY v.numero DESC LIMIT 1) AS version_id,
               (SELECT v.numero FROM {VersionTexte} v
                 WHERE v.texte_id = t.id AND v.en_vigueur_le <= %(jour)s
                 ORDER BY v.numero DESC LIMIT 1) AS version_numero
          FROM {TexteConsentement} t
         WHERE t.actif = %(vrai)s
           AND (t.structure_id IS NULL OR t.structure_id IN (
                SELECT a.structure_id FROM {Activite} a
                  JOIN {Inscription} i ON i.activite_id = a.id
                  JOIN {Enfant} e ON e.id = i.enfant_id
                 WHERE e.famille_id = %(famille)s AND i.date_fin >= %(jour)s))
    )
    SELECT x.id AS pk, x.titre, x.type, x.refus_possible, x.version_numero,
           EXISTS (SELECT 1 FROM {Consentement} r JOIN {VersionTexte} v ON v.id = r.version_id
                    WHERE r.famille_id = %(famille)s AND v.texte_id = x.id) AS deja_repondu
      FROM textes x
     WHERE x.version_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM {Consentement} r
                        WHERE r.famille_id = %(famille)s AND r.version_id = x.version_id)
     ORDER BY x.type, x.titre, x.id
    """,
    morceaux={
        "TexteConsentement": TexteConsentement,
        "VersionTexte": VersionTexte,
        "Consentement": Consentement,
        "Activite": "enfants.Activite",
        "Inscription": "enfants.Inscription",
        "Enfant": "enfants.Enfant",
    },
    convertisseurs={"refus_possible": en_booleen, "deja_repondu": en_booleen},
)


# Ce qui fait l'état des pièces de la famille, pour le bloc « À faire » de l'accueil : les types
# de pièces actifs, « un responsable est séparé ou divorcé », les enfants (prénom, PAI) et les
# dépôts de la famille, une liste JSON par sorte, chacune avec son rang (l'ordre de l'ORM,
# calculé par la base : le tri des noms suit sa collation).
# Pourquoi : l'ORM composait trois requêtes (types annotés d'un `Exists`, enfants avec leurs
# données sanitaires, dépôts) en ≈ 3 ms par accueil pour ≈ 0,4 ms d'exécution
# (docs/performance.md).
# Remplace : `_types_actifs(famille)`, `_enfants(famille)` (réduit au prénom et au PAI) et
# `_depots_par_cle(famille, …)` de `selectors.pieces_etat` (les tests comparent
# `pieces_etat(leger=True)` à la lecture complète, par propriétés).
PIECES_DE_LA_FAMILLE = Requete(
    "pieces_de_la_famille",
    """
    SELECT EXISTS (SELECT 1 FROM {Responsable} r
                    WHERE r.famille_id = %(famille)s AND r.situation IN (%(separe)s, %(divorce)s)) AS separes,
           (SELECT {types} FROM (SELECT t.*, ROW_NUMBER() OVER (ORDER BY t.ordre, t.nom, t.id) AS rang
                                   FROM {TypePiece} t WHERE t.actif = %(vrai)s) t) AS types,
           (SELECT {enfants} FROM (
                SELECT e.id, e.prenom, COALESCE(s.pai, %(faux)s) AS pai,
                       ROW_NUMBER() OVER (ORDER BY e.date_naissance, e.prenom, e.id) AS rang
                  FROM {Enfant} e LEFT JOIN {DonneesSanitaires} s ON s.enfant_id = e.id
                 WHERE e.famille_id = %(famille)s) e) AS enfants,
           (SELECT {depots} FROM (
                SELECT p.*, ROW_NUMBER() OVER (ORDER BY p.deposee_le DESC, p.id DESC) AS rang
                  FROM {PieceJustificative} p WHERE p.famille_id = %(famille)s) p) AS depots
    """,
    morceaux={
        "Responsable": Responsable,
        "TypePiece": TypePiece,
        "PieceJustificative": PieceJustificative,
        "Enfant": "enfants.Enfant",
        "DonneesSanitaires": "enfants.DonneesSanitaires",
        "types": ListeJson(ObjetJson(TypePiece, "t", rang="t.rang")),
        "enfants": ListeJson(ObjetJson(None, pk="e.id", prenom="e.prenom", pai="e.pai", rang="e.rang")),
        "depots": ListeJson(ObjetJson(PieceJustificative, "p", rang="p.rang")),
    },
    convertisseurs={"separes": en_booleen, "types": en_json, "enfants": en_json, "depots": en_json},
)
