"""Expressions de l'ORM que Django n'a pas.

`DansTableau(F("famille_id"), ids)` : la colonne est l'un des identifiants de la liste. Sur
PostgreSQL, `colonne = ANY(%s::bigint[])` avec **un seul** paramètre (le tableau), au lieu de
`IN (%s, %s, …)` et d'un paramètre par identifiant : la recherche « BERNARD » des demandes lie
1 074 familles deux fois (compte et page), et psycopg découpait et citait chaque paramètre
(≈ 6 ms par requête au profileur, docs/performance.md, issue 22). Ailleurs (SQLite),
`IN (…)` comme Django.

Le planificateur connaît la taille du tableau (valeur littérale côté client) comme celle de la
liste : même plan que `__in`.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Lookup
from django.db.models.lookups import In


class DansTableau(Lookup):
    lookup_name = "dans_tableau"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet  # comme `__in=[]` : une requête sans résultat n'est pas envoyée
        return In(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        champ = self.lhs.output_field  # résolu : la colonne de la requête
        valeurs = [champ.get_db_prep_value(valeur, connection, prepared=False) for valeur in self.rhs]
        return f"{lhs} = ANY(%s::{champ.cast_db_type(connection)}[])", (*lhs_params, valeurs)
