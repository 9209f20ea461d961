"""Les requêtes SQL écrites à la main des enfants (lecture seule).

Composition et exécution : `commun.sql` (noms de tables tirés des modèles, valeurs toujours en
paramètres, une liste JSON nommée par sorte de ligne).
"""

from commun.sql import Colonnes, ListeJson, ObjetJson, Requete, en_json
from enfants.models import (
    Absence,
    Activite,
    Campagne,
    Enfant,
    Fermeture,
    FluxCalendrier,
    Inscription,
    Presence,
    Reservation,
    Structure,
)

# La page du planning d'un enfant pour un mois : une ligne (aucune si l'enfant n'est pas un
# enfant de la famille) portant l'enfant (toutes ses colonnes), le jeton de son flux iCal, et
# une liste JSON par sorte de données : ses inscriptions (celles du mois et celles qui courent
# encore à `borne`, chacune avec son activité et sa structure complètes), les réservations,
# absences et pointages du mois, les fermetures de ses structures qui touchent le mois, et les
# fenêtres de réservation des campagnes de vacances de ses activités qui touchent le mois.
# Pourquoi : c'est la page la plus fréquentée après l'accueil ; l'ORM y composait six requêtes
# (quatre préchargements) en plus de temps que la base n'en mettait à les exécuter
# (docs/performance.md).
# Remplace : `Enfant.objects.filter(famille=…).select_related("flux_calendrier")`,
# `inscriptions(famille=…).filter(enfant=…)` avec `select_related("activite__structure")`,
# puis `Reservation`, `Absence`, `Presence` du mois filtrés par ces inscriptions, et
# `fermetures(structure_ids=…)` (les tests comparent les deux, tests/test_selecteurs_sql.py).
# Chaque inscription dit aussi si son activité exige des pièces ou des textes pour réserver
# (`exige_pieces`, `exige_textes` : deux EXISTS sur les tables de liaison) : sans condition,
# le bandeau « Pour réserver, il manque … » (`enfants.conditions.bandeau`) ne coûte aucune
# requête.
_EXIGE = 'EXISTS (SELECT 1 FROM "{}" x WHERE x.activite_id = a.id)'
_EXIGE_PIECES = _EXIGE.format(Activite.pieces_exigees.through._meta.db_table)
_EXIGE_TEXTES = _EXIGE.format(Activite.textes_exiges.through._meta.db_table)
PLANNING_DU_MOIS = Requete(
    "planning_du_mois",
    """
    WITH ins AS (
        SELECT {colonnes_inscription}
          FROM {Inscription} i JOIN {Enfant} e ON e.id = i.enfant_id
         WHERE i.enfant_id = %(enfant)s AND e.famille_id = %(famille)s
           AND i.date_fin >= %(borne)s
    ), du_mois AS (
        SELECT id, activite_id FROM ins WHERE date_debut <= %(fin)s AND date_fin >= %(debut)s
    ), attente AS (
        -- Les listes d'attente des jours du mois des activités de l'enfant (toutes familles) :
        -- le rang d'une demande en attente s'y compte dans l'ordre d'arrivée.
        SELECT ra.id, ra.date, ra.demandee_le, ia.activite_id
          FROM {Reservation} ra JOIN {Inscription} ia ON ia.id = ra.inscription_id
         WHERE ra.etat = %(en_attente)s AND ra.date BETWEEN %(debut)s AND %(fin)s
           AND ia.activite_id IN (SELECT activite_id FROM du_mois)
    )
    SELECT {enfant} AS enfant, f.jeton AS flux_jeton,
           (SELECT {inscriptions}
              FROM ins i JOIN {Activite} a ON a.id = i.activite_id
              JOIN {Structure} s ON s.id = a.structure_id) AS inscriptions,
           (SELECT {reservations} FROM {Reservation} r
             WHERE r.inscription_id IN (SELECT id FROM du_mois)
               AND r.date BETWEEN %(debut)s AND %(fin)s) AS reservations,
           (SELECT {absences} FROM {Absence} a
             WHERE a.inscription_id IN (SELECT id FROM du_mois)
               AND a.date BETWEEN %(debut)s AND %(fin)s) AS absences,
           (SELECT {presences} FROM {Presence} p
             WHERE p.inscription_id IN (SELECT id FROM du_mois)
               AND p.date BETWEEN %(debut)s AND %(fin)s) AS presences,
           (SELECT {fermetures} FROM {Fermeture} fe
             WHERE fe.structure_id IN (SELECT a.structure_id FROM du_mois
                                         JOIN {Activite} a ON a.id = du_mois.activite_id)
               AND fe.date_debut <= %(fin)s AND fe.date_fin >= %(debut)s) AS fermetures,
           (SELECT {fenetres} FROM {Campagne} c
              JOIN {CampagneActivite} ca ON ca.campagne_id = c.id
             WHERE ca.activite_id IN (SELECT activite_id FROM du_mois)
               AND c.type = %(vacances)s
               AND c.reservation_ouverture IS NOT NULL AND c.reservation_fermeture IS NOT NULL
               AND c.periode_debut <= %(fin)s AND c.periode_fin >= %(debut)s) AS fenetres
      FROM {Enfant} e LEFT JOIN {FluxCalendrier} f ON f.enfant_id = e.id
     WHERE e.id = %(enfant)s AND e.famille_id = %(famille)s
    """,
    morceaux={
        "Enfant": Enfant,
        "FluxCalendrier": FluxCalendrier,
        "Inscription": Inscription,
        "Activite": Activite,
        "Structure": Structure,
        "Reservation": Reservation,
        "Absence": Absence,
        "Presence": Presence,
        "Fermeture": Fermeture,
        "Campagne": Campagne,
        "CampagneActivite": Campagne.activites.through,
        "colonnes_inscription": Colonnes(Inscription, "i"),
        "enfant": ObjetJson(Enfant, "e"),
        "inscriptions": ListeJson(
            ObjetJson(
                None,
                inscription=ObjetJson(Inscription, "i"),
                activite=ObjetJson(Activite, "a"),
                structure=ObjetJson(Structure, "s"),
                exige_pieces=_EXIGE_PIECES,
                exige_textes=_EXIGE_TEXTES,
            )
        ),
        "reservations": ListeJson(
            ObjetJson(
                None,
                pk="r.id",
                inscription_id="r.inscription_id",
                date="r.date",
                etat="r.etat",
                motif_refus="r.motif_refus",
                limite="r.proposition_limite",
                # Liste d'attente : le rang de la demande parmi celles du même jour et de la même
                # activité, dans l'ordre d'arrivée (`demandee_le`, puis numéro).
                position="""(SELECT count(*) FROM attente moi JOIN attente w
                                 ON w.date = moi.date AND w.activite_id = moi.activite_id
                                AND (w.demandee_le < moi.demandee_le
                                     OR (w.demandee_le = moi.demandee_le AND w.id <= moi.id))
                              WHERE moi.id = r.id)""",
            )
        ),
        "absences": ListeJson(
            ObjetJson(
                None,
                pk="a.id",
                inscription_id="a.inscription_id",
                date="a.date",
                etat="a.etat",
                reprise="a.place_reprise_le IS NOT NULL",
            )
        ),
        "presences": ListeJson(
            ObjetJson(None, pk="p.id", inscription_id="p.inscription_id", date="p.date", present="p.present")
        ),
        "fermetures": ListeJson(
            ObjetJson(
                None,
                structure_id="fe.structure_id",
                activite_id="fe.activite_id",
                date_debut="fe.date_debut",
                date_fin="fe.date_fin",
            )
        ),
        "fenetres": ListeJson(
            ObjetJson(
                None,
                pk="c.id",
                nom="c.nom",
                activite_id="ca.activite_id",
                periode_debut="c.periode_debut",
                periode_fin="c.periode_fin",
                ouverture="c.reservation_ouverture",
                fermeture="c.reservation_fermeture",
            )
        ),
    },
    convertisseurs={
        "enfant": en_json,
        "inscriptions": en_json,
        "reservations": en_json,
        "absences": en_json,
        "presences": en_json,
        "fermetures": en_json,
        "fenetres": en_json,
    },
)
