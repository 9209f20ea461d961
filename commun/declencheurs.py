"""Le DDL des déclencheurs que la base tient pour le portail (versions des familles,
`commun/versions.py` ; non-lus des fils, `messagerie/declencheurs.py`) : une seule façon de les
écrire, par moteur.

- PostgreSQL : une fonction plpgsql et trois déclencheurs **par instruction** (INSERT, UPDATE,
  DELETE) avec tables de transition `nouveau` / `ancien` ; `instruction(sources)` rend ce que
  la fonction exécute pour les lignes de ces tables (`["nouveau"]`, `["ancien"]`, ou les deux
  pour une modification).
- SQLite : trois déclencheurs **par ligne** ; `instruction(lignes)` reçoit `["NEW"]`,
  `["NEW", "OLD"]` ou `["OLD"]`, et `quand(lignes)`, s'il est donné, la condition `WHEN`.

Chaque déclencheur est retiré puis recréé : réinstaller ne fait rien de plus.
"""

from collections.abc import Callable

# (suffixe, événement, tables de transition de PostgreSQL, lignes de SQLite)
_EVENEMENTS = (
    ("i", "INSERT", "NEW TABLE AS nouveau", ["NEW"]),
    ("u", "UPDATE", "OLD TABLE AS ancien NEW TABLE AS nouveau", ["NEW", "OLD"]),
    ("d", "DELETE", "OLD TABLE AS ancien", ["OLD"]),
)


def postgresql_par_instruction(
    *, table: str, fonction: str, nom: Callable[[str], str], instruction: Callable[[list[str]], str]
) -> list[str]:
    """`table`, `fonction` : noms déjà cités ; `nom(suffixe)` : le nom (cité) d'un déclencheur."""
    corps = (
        f"IF TG_OP = 'INSERT' THEN {instruction(['nouveau'])}; "
        f"ELSIF TG_OP = 'DELETE' THEN {instruction(['ancien'])}; "
        f"ELSE {instruction(['nouveau', 'ancien'])}; END IF; RETURN NULL;"
    )
    instructions = [
        f"CREATE OR REPLACE FUNCTION {fonction}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $corps$ BEGIN {corps} END $corps$"
    ]
    for suffixe, evenement, transition, _ in _EVENEMENTS:
        declencheur = nom(suffixe)
        instructions += [
            f"DROP TRIGGER IF EXISTS {declencheur} ON {table}",
            f"CREATE TRIGGER {declencheur} AFTER {evenement} ON {table} REFERENCING {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {fonction}()",
        ]
    return instructions


def sqlite_par_ligne(
    *,
    table: str,
    nom: Callable[[str], str],
    instruction: Callable[[list[str]], str],
    quand: Callable[[list[str]], str] | None = None,
) -> list[str]:
    instructions = []
    for suffixe, evenement, _, lignes in _EVENEMENTS:
        declencheur = nom(suffixe)
        condition = f"WHEN {quand(lignes)} " if quand else ""
        instructions += [
            f"DROP TRIGGER IF EXISTS {declencheur}",
            f"CREATE TRIGGER {declencheur} AFTER {evenement} ON {table} FOR EACH ROW "
            f"{condition}BEGIN {instruction(lignes)}; END",
        ]
    return instructions
