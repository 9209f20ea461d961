"""Les opérations de migration communes (`commun/migrations_outils.py`) : index posés sur
PostgreSQL seul et retirés en arrière ; l'extension des trigrammes jamais retirée en arrière
(trois applications y posent leurs index)."""

import pytest
from django.db import connection

from commun.migrations_outils import ExtensionTrigrammes, IndexPostgresql

pytestmark = pytest.mark.django_db

INDEX = {"test_outils_famille_idx": "familles_famille (numero DESC)"}


class _Editeur:
    """Ce qu'une opération envoie à la base, noté sans l'exécuter (l'éditeur de schéma de SQLite
    refuse de s'ouvrir dans la transaction d'un test)."""

    def __init__(self):
        self.connection = connection
        self.collected_sql: list[str] = []

    def execute(self, sql, params=()):
        self.collected_sql.append(sql)


def _index_existe() -> bool:
    with connection.cursor() as curseur:
        curseur.execute("SELECT COUNT(*) FROM pg_indexes WHERE indexname = %s", ["test_outils_famille_idx"])
        return curseur.fetchone()[0] == 1


def test_index_postgresql_pose_puis_retire():
    operation = IndexPostgresql(INDEX)
    editeur = _Editeur()
    operation.database_forwards("familles", editeur, None, None)
    operation.database_backwards("familles", editeur, None, None)
    if connection.vendor == "postgresql":
        assert editeur.collected_sql == [
            "CREATE INDEX IF NOT EXISTS test_outils_famille_idx ON familles_famille (numero DESC)",
            "DROP INDEX IF EXISTS test_outils_famille_idx",
        ]
        with connection.schema_editor() as editeur:
            operation.database_forwards("familles", editeur, None, None)
        assert _index_existe()
        with connection.schema_editor() as editeur:
            operation.database_backwards("familles", editeur, None, None)
        assert not _index_existe()
    else:
        assert editeur.collected_sql == []  # SQLite : rien


def test_l_extension_des_trigrammes_n_est_jamais_retiree_en_arriere():
    operation = ExtensionTrigrammes()
    editeur = _Editeur()
    operation.database_backwards("familles", editeur, None, None)
    assert editeur.collected_sql == []
    assert operation.deconstruct() == ("commun.migrations_outils.ExtensionTrigrammes", [], {})
