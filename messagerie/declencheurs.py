"""Le nombre de messages non lus par la structure de chaque fil, tenu par la base elle-même.

Pourquoi : la liste des fils de l'administration (« non lus d'abord, puis les plus récents »)
comptait les non-lus de chaque fil en sous-requête, pour les 25 000 fils d'une vraie ville, à
chaque page (≈ 100 ms de base sur 165 ms, docs/performance.md, issue 22). Tenu sur le fil
(`Fil.non_lus_structure`, index `fil_liste_agent_idx`), l'ordre se lit par index et la page
s'arrête à ses 100 lignes.

Pourquoi des déclencheurs et non les services : un message s'écrit aussi par `bulk_create`
(fermetures exceptionnelles, génération du volume), par `QuerySet.update` (marquer lu), par
l'administration, par les fabriques des tests, et se supprime en cascade ; un compteur tenu par
le code dériverait au premier chemin oublié. Le déclencheur **recompte** les non-lus des fils
touchés (jamais +1/−1) : le compteur est juste après chaque écriture, quelle qu'en soit la
source, et se répare de lui-même.

- PostgreSQL : déclencheurs par instruction avec tables de transition (un `bulk_create` de
  100 000 messages recompte chaque fil touché une fois) ; seules les lignes non lues de la
  famille (avant ou après) comptent : un message du CCAS ne touche pas le fil.
- SQLite (démonstration) : par ligne, avec la même condition.
- Installés après chaque `migrate` (`post_migrate`, `messagerie.apps`) : sur SQLite, une
  migration qui reconstruit la table des messages efface ses déclencheurs ; les réinstaller
  à chaque fois est sans effet s'ils existent.
"""

# Tout le SQL de ce module est du DDL composé de noms de tables et de colonnes des modèles,
# jamais d'une valeur venue d'un utilisateur.
# ruff: noqa: S608

from django.db import connections

from commun import declencheurs
from messagerie.models import Fil, Message

NOM = "messagerie_non_lus"

# Une ligne de message qui compte : de la famille et pas encore lue par la structure.
_COMPTE = "{r}.de_la_famille AND {r}.lu_le IS NULL"


def _recompter(condition_fils: str) -> str:
    """L'UPDATE qui recompte les non-lus des fils choisis par `condition_fils`, sans réécrire un
    fil dont le compte ne change pas (ni sa ligne, ni la version de sa famille). La table sans
    alias : SQLite n'en veut pas dans un déclencheur."""
    fil, message = Fil._meta.db_table, Message._meta.db_table
    compte = f"(SELECT COUNT(*) FROM {message} m WHERE m.fil_id = {fil}.id AND {_COMPTE.format(r='m')})"  # nosec B608
    return (
        f"UPDATE {fil} SET non_lus_structure = {compte} "  # nosec B608
        f"WHERE ({condition_fils}) AND {fil}.non_lus_structure <> {compte}"
    )


def _instructions_postgresql() -> list[str]:
    message = Message._meta.db_table

    def fils(*sources: str) -> str:
        selects = " UNION ".join(
            f"SELECT fil_id FROM {s} WHERE {_COMPTE.format(r=s)}"  # nosec B608
            for s in sources
        )
        return f"{Fil._meta.db_table}.id IN ({selects})"

    return declencheurs.postgresql_par_instruction(
        table=message,
        fonction=NOM,
        nom=lambda suffixe: f"{NOM}_{suffixe}",
        instruction=lambda sources: _recompter(fils(*sources)),
    )


def _instructions_sqlite() -> list[str]:
    def fils(lignes: list[str]) -> str:
        return f"{Fil._meta.db_table}.id IN (" + ", ".join(f"{ligne}.fil_id" for ligne in lignes) + ")"

    return declencheurs.sqlite_par_ligne(
        table=Message._meta.db_table,
        nom=lambda suffixe: f"{NOM}_{suffixe}",
        instruction=lambda lignes: _recompter(fils(lignes)),
        quand=lambda lignes: " OR ".join(f"({_COMPTE.format(r=ligne)})" for ligne in lignes),
    )


def instructions(*, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return _instructions_postgresql()
    if vendor == "sqlite":
        return _instructions_sqlite()
    return []


def supprimer(*, vendor: str) -> list[str]:
    message = Message._meta.db_table
    suffixe = f" ON {message}" if vendor == "postgresql" else ""
    return [f"DROP TRIGGER IF EXISTS {NOM}_{s}{suffixe}" for s in "iud"]


def installer(*, using: str = "default") -> int:
    """(Ré)installe les déclencheurs ; renvoie le nombre d'instructions exécutées. Sans la
    colonne (base ramenée avant `messagerie.0008`), les retire : un message ne pourrait plus
    s'écrire."""
    connexion = connections[using]
    if Fil._meta.db_table not in connexion.introspection.table_names():
        return 0
    with connexion.cursor() as curseur:
        colonnes = {
            c.name for c in connexion.introspection.get_table_description(curseur, Fil._meta.db_table)
        }
    if "non_lus_structure" in colonnes:
        ddl = instructions(vendor=connexion.vendor)
    else:
        ddl = supprimer(vendor=connexion.vendor) if connexion.vendor in ("postgresql", "sqlite") else []
    with connexion.cursor() as curseur:
        for instruction in ddl:
            curseur.execute(instruction)
    return len(ddl)


def recompter_tout(*, using: str = "default") -> int:
    """Recompte les non-lus de tous les fils (mise en place, reprise d'une sauvegarde faite sans
    les déclencheurs) ; renvoie le nombre de fils corrigés."""
    with connections[using].cursor() as curseur:
        curseur.execute(_recompter("TRUE"))
        return curseur.rowcount
