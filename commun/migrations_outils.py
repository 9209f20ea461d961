"""Opérations de migration communes aux applications du portail."""

from django.contrib.postgres.operations import TrigramExtension
from django.db.migrations.operations.base import Operation


class IndexPostgresql(Operation):
    """Des index que le modèle ne connaît pas, sur PostgreSQL seul (index d'expression, partiels,
    trigrammes, ordre d'une liste de l'administration : issue 22) ; sur SQLite, rien n'est fait.
    `index` : nom → définition après `ON` (« table (colonnes) » ou « table USING gin (…) »).
    `IF NOT EXISTS` / `IF EXISTS` : rejouer la migration ne fait rien de plus."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, index: dict[str, str]):
        self.index = index

    def deconstruct(self):
        return ("commun.migrations_outils.IndexPostgresql", [], {"index": self.index})

    def state_forwards(self, app_label, state):
        pass  # le modèle n'en sait rien

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        for nom, definition in self.index.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {nom} ON {definition}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        for nom in self.index:
            schema_editor.execute(f"DROP INDEX IF EXISTS {nom}")

    def describe(self):
        return f"Index PostgreSQL {', '.join(self.index)}"


class ExtensionTrigrammes(TrigramExtension):
    """`CREATE EXTENSION IF NOT EXISTS pg_trgm` (PostgreSQL seul), jamais retirée en arrière :
    trois applications y posent leurs index (familles, enfants, facturation) ; ramener l'une
    d'elles en arrière retirait l'extension et échouait sur les index des autres
    (`DependentObjectsStillExist`)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def deconstruct(self):
        return ("commun.migrations_outils.ExtensionTrigrammes", [], {})
