"""Ce que l'import fait autrement sur PostgreSQL : verrou consultatif (deux imports ne tournent
jamais ensemble), requêtes non préparées le temps de l'import, et écritures rapides des factures
(une requête `unnest` par lot) et de leurs lignes (`COPY`). SQLite (développement) s'en passe.
"""

import contextlib
import hashlib

from django.db import connection
from django.utils import timezone

from facturation.models import Facture, LigneFacture

ERREUR_IMPORT_EN_COURS = (
    "un import est déjà en cours (lancé par un autre processus) : rien n'a été importé ; "
    "attendez qu'il se termine, puis relancez (ce qu'il aura importé sera reconnu et ignoré)"
)
# Verrou consultatif PostgreSQL commun aux deux imports (pg_try_advisory_xact_lock) : une clé
# fixe sur 64 bits, tirée de son nom.
VERROU_IMPORT = int.from_bytes(hashlib.sha256(b"portail-famille:import").digest()[:8], "big", signed=True)


class ImportEnCours(Exception):
    """Un autre import tient le verrou : celui-ci n'a rien lu ni écrit."""


def actif() -> bool:
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def sans_preparation():
    """Sur PostgreSQL, psycopg retient le texte des 100 dernières requêtes pour décider de les
    préparer (portail/settings.py, DB_REQUETES_PREPAREES) ; chaque lot d'un import a ses propres
    valeurs, donc son propre texte (jusqu'à 200 ko) : autant de mémoire retenue pour rien (20 Mo).
    Le temps de l'import, rien n'est préparé ni retenu."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    brute = connection.connection
    seuil, brute.prepare_threshold = brute.prepare_threshold, None
    try:
        yield
    finally:
        brute.prepare_threshold = seuil


def verrouiller() -> None:
    """Sur PostgreSQL, prend le verrou d'import jusqu'à la fin de la transaction de l'appelant ;
    ImportEnCours si un autre import le tient (on ne l'attend pas)."""
    if connection.vendor != "postgresql":
        return  # SQLite sérialise déjà les écritures (développement)
    if not connection.in_atomic_block:
        raise RuntimeError("Un import s'exécute dans une transaction (transaction.atomic).")
    with connection.cursor() as curseur:
        curseur.execute("SELECT pg_try_advisory_xact_lock(%s)", [VERROU_IMPORT])
        if not curseur.fetchone()[0]:
            raise ImportEnCours(ERREUR_IMPORT_EN_COURS)


# Sur PostgreSQL, l'ORM (bulk_create) passe l'essentiel de son temps à composer le SQL : les
# factures s'insèrent en une requête à tableaux (unnest) par lot, les lignes par COPY.
def factures_inserer(factures) -> list[int]:
    types = {  # colonne → type du tableau passé à unnest
        "regie_id": "bigint",
        "numero": "text",
        "famille_id": "bigint",
        "date_facture": "date",
        "date_echeance": "date",
        "periode_debut": "date",
        "periode_fin": "date",
        "montant": "numeric",
        "date_import": "timestamptz",
    }
    colonnes = tuple(types)
    maintenant = timezone.now()
    valeurs = [
        [f.regie.pk for f in factures],
        [f.numero for f in factures],
        *[[f.valeurs[c] for f in factures] for c in colonnes[2:8]],
        [maintenant] * len(factures),
    ]
    table = connection.ops.quote_name(Facture._meta.db_table)
    requete = (
        f"INSERT INTO {table} ({', '.join(colonnes)}) "  # noqa: S608  # nosec B608 (noms fixes, valeurs en paramètres)
        f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in types.values())}) "
        "RETURNING id, regie_id, numero"
    )
    with connection.cursor() as curseur:
        curseur.execute(requete, valeurs)
        par_numero = {(regie_id, numero): pk for pk, regie_id, numero in curseur.fetchall()}
    return [par_numero[(f.regie.pk, f.numero)] for f in factures]


def lignes_copier(lignes) -> None:
    table = connection.ops.quote_name(LigneFacture._meta.db_table)
    with (
        connection.cursor() as curseur,
        curseur.cursor.copy(
            f"COPY {table} (facture_id, ordre, enfant_nom, enfant_id, libelle, quantite, "
            "prix_unitaire, montant, nature) FROM STDIN"
        ) as copie,
    ):
        for ligne in lignes:
            copie.write_row(ligne)
