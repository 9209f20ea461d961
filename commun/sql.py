"""Le SQL écrit à la main : une seule façon de le composer et de l'exécuter.

Chaque application range ses requêtes écrites à la main dans `<app>/requetes.py`, une `Requete`
nommée chacune, avec la raison de son existence (une mesure) et l'équivalent ORM qu'elle
remplace. Ce module fournit :

- le **compositeur** : un texte SQL à champs nommés (`{Facture}`) que `Requete` remplit, pour le
  moteur de la connexion, avec des morceaux sûrs : `Table` (le nom de table d'un modèle, cité
  comme `sql.Identifier` de psycopg), `Colonnes` (toutes les colonnes d'un modèle), `ObjetJson`
  et `ListeJson` (un objet ou une liste JSON par sorte de ligne : `json_build_object`/`json_agg`
  sur PostgreSQL, `json_object`/`json_group_array` sur SQLite), `ExpressionOrm` (une expression
  de l'ORM compilée une fois : une règle écrite une seule fois sert aux deux). Les valeurs sont
  toujours des paramètres nommés (`%(famille)s`), jamais du texte ;
- l'**exécuteur** `executer` : prépare la requête (ci-dessous), rend des lignes nommées et
  applique les convertisseurs par colonne ; les différences de SQLite (dates en texte, sommes
  en flottants, booléens en entiers, JSON en texte) sont traitées ici, une fois.

Préparation : sur PostgreSQL, ces requêtes regroupent en un aller-retour ce que l'ORM faisait en
plusieurs ; PostgreSQL mettait alors plus de temps à les planifier (≈ 2 ms) qu'à les exécuter
(≈ 0,5 ms). Avec des paramètres liés côté serveur, psycopg prépare une requête à sa cinquième
exécution sur une connexion et PostgreSQL ne la replanifie plus (docs/performance.md). L'ORM
garde la liaison côté client de Django : il ne produit pas toujours du SQL préparable (ticket
Django #20516). `DB_REQUETES_PREPAREES=0` désactive la préparation (PgBouncer en mode
transaction sans `max_prepared_statements`).
"""

import contextlib
import datetime
import json
import re
from collections import namedtuple
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# --- Préparation ------------------------------------------------------------------------------


@contextlib.contextmanager
def requetes_preparees():
    """Dans ce bloc, les curseurs que Django ouvre (journal et compteurs de requêtes, enveloppes
    d'exécution compris) lient leurs paramètres côté serveur sur PostgreSQL : psycopg prépare
    les requêtes répétées. Sans effet ailleurs (SQLite)."""
    if connection.vendor != "postgresql" or not settings.DB_REQUETES_PREPAREES:
        yield
        return
    connection.ensure_connection()
    brute = connection.connection
    fabrique = brute.cursor_factory
    brute.cursor_factory = psycopg.Cursor
    try:
        yield
    finally:
        brute.cursor_factory = fabrique


# --- Convertisseurs : une valeur lue par SQL direct, dans son type Python ----------------------

CENTIME = Decimal("0.01")


def en_date(valeur) -> datetime.date | None:
    """PostgreSQL rend des dates ; SQLite (et le JSON des deux) du texte ISO."""
    if valeur is None or isinstance(valeur, datetime.date):
        return valeur
    return datetime.date.fromisoformat(valeur)


def en_heure(valeur) -> datetime.time | None:
    if valeur is None or isinstance(valeur, datetime.time):
        return valeur
    return datetime.time.fromisoformat(valeur)


def en_horodatage(valeur) -> datetime.datetime | None:
    """Un horodatage : SQLite le rend sans fuseau (en texte dans le JSON) ; c'est de l'UTC,
    comme Django l'écrit."""
    if valeur is None:
        return None
    resultat = valeur if isinstance(valeur, datetime.datetime) else parse_datetime(valeur)
    if resultat is None:
        raise ValueError(f"horodatage illisible : {valeur!r}")
    if settings.USE_TZ and timezone.is_naive(resultat):
        resultat = resultat.replace(tzinfo=datetime.UTC)
    return resultat


def en_euros(valeur) -> Decimal:
    """Une somme en Decimal au centime : PostgreSQL rend un Decimal, SQLite un flottant ou un
    entier ; NULL (une somme sans ligne) vaut zéro."""
    if valeur is None:
        return Decimal("0.00")
    return Decimal(str(valeur)).quantize(CENTIME)


def en_booleen(valeur) -> bool:
    """SQLite rend 0 ou 1."""
    return bool(valeur)


def en_json(valeur) -> Any:
    """psycopg décode le JSON ; SQLite le rend en texte. NULL (agrégat sans ligne sur
    PostgreSQL) vaut une liste vide."""
    if valeur is None:
        return []
    return json.loads(valeur) if isinstance(valeur, str | bytes) else valeur


def _convertisseur_du_champ(champ: models.Field) -> Callable:
    if isinstance(champ, models.DateTimeField):
        return en_horodatage
    if isinstance(champ, models.DateField):
        return en_date
    if isinstance(champ, models.TimeField):
        return en_heure
    if isinstance(champ, models.DecimalField):
        pas = Decimal(1).scaleb(-champ.decimal_places)
        return lambda v: None if v is None else Decimal(str(v)).quantize(pas)
    if isinstance(champ, models.BooleanField):
        return lambda v: None if v is None else bool(v)
    return champ.to_python


def instance(modele: type[models.Model], valeurs: Mapping[str, Any]):
    """Une instance **complète** du modèle à partir d'une ligne (ou d'un objet JSON) portant
    toutes ses colonnes (`Colonnes`, `ObjetJson`) par `attname`. Complète : un champ ajouté au
    modèle et lu par un gabarit n'est jamais chargé en silence par une requête de plus
    (`from_db` avec des champs manquants les différerait)."""
    champs = modele._meta.concrete_fields
    return modele.from_db(
        connection.alias,
        [c.attname for c in champs],
        [_convertisseurs_du_modele(modele)[c.attname](valeurs[c.attname]) for c in champs],
    )


_CONVERTISSEURS_MODELES: dict[type, dict[str, Callable]] = {}


def _convertisseurs_du_modele(modele) -> dict[str, Callable]:
    if modele not in _CONVERTISSEURS_MODELES:
        _CONVERTISSEURS_MODELES[modele] = {
            c.attname: _convertisseur_du_champ(c) for c in modele._meta.concrete_fields
        }
    return _CONVERTISSEURS_MODELES[modele]


# --- Compositeur -------------------------------------------------------------------------------


class Morceau:
    """Un morceau de SQL sûr, rendu pour une connexion (moteur) donnée."""

    def rendre(self, connexion) -> str:
        raise NotImplementedError


class Table(Morceau):
    """Le nom de table d'un modèle, cité (`_meta.db_table`, comme `sql.Identifier`). Le modèle
    peut être donné par son étiquette (`"enfants.Inscription"`) : une application lit ainsi la
    table d'une application au-dessus d'elle sans l'importer (résolue à la composition)."""

    def __init__(self, modele: "type[models.Model] | str"):
        self._modele = modele

    @property
    def modele(self) -> type[models.Model]:
        if isinstance(self._modele, str):
            return apps.get_model(self._modele)
        return self._modele

    def rendre(self, connexion) -> str:
        return connexion.ops.quote_name(self.modele._meta.db_table)


class Colonnes(Morceau):
    """Toutes les colonnes d'un modèle, `alias."colonne" AS "attname"`, dans l'ordre du modèle
    (avec `prefixe`, `AS "<prefixe>attname"` : deux modèles dans la même ligne). `alias` : un
    alias de la requête, ou `Table(modele)` pour la table sans alias."""

    def __init__(self, modele: type[models.Model], alias: "str | Table", prefixe: str = ""):
        self.modele, self.alias, self.prefixe = modele, alias, prefixe

    def rendre(self, connexion) -> str:
        q = connexion.ops.quote_name
        alias = self.alias.rendre(connexion) if isinstance(self.alias, Table) else self.alias
        return ", ".join(
            f"{alias}.{q(c.column)} AS {q(self.prefixe + c.attname)}"
            for c in self.modele._meta.concrete_fields
        )


class ObjetJson(Morceau):
    """Un objet JSON par ligne : toutes les colonnes d'un modèle (par `attname`) et des
    valeurs nommées en plus (`cle="alias.colonne"`, ou un autre `ObjetJson` imbriqué)."""

    def __init__(self, modele: type[models.Model] | None, alias: str = "", **autres: "str | Morceau"):
        self.modele, self.alias, self.autres = modele, alias, autres

    def rendre(self, connexion) -> str:
        q = connexion.ops.quote_name
        paires = []
        if self.modele is not None:
            paires += [
                f"'{c.attname}', {self.alias}.{q(c.column)}" for c in self.modele._meta.concrete_fields
            ]
        paires += [
            f"'{cle}', {v.rendre(connexion) if isinstance(v, Morceau) else v}"
            for cle, v in self.autres.items()
        ]
        fonction = "json_build_object" if connexion.vendor == "postgresql" else "json_object"
        return f"{fonction}({', '.join(paires)})"


class ListeJson(Morceau):
    """L'agrégat en liste JSON d'un `ObjetJson` (NULL sans ligne sur PostgreSQL : `en_json`)."""

    def __init__(self, objet: ObjetJson):
        self.objet = objet

    def rendre(self, connexion) -> str:
        fonction = "json_agg" if connexion.vendor == "postgresql" else "json_group_array"
        return f"{fonction}({self.objet.rendre(connexion)})"


class ExpressionOrm(Morceau):
    """Une expression de l'ORM (annotation d'un modèle : « déjà payé »…) compilée en SQL, une
    fois par moteur : la règle reste écrite une seule fois, côté ORM. Ses références à la ligne
    extérieure (`OuterRef`, `F`) visent la table du modèle sans alias : la requête doit donc
    lire `FROM {Table} ` sans lui donner d'alias. Ses paramètres deviennent des paramètres
    nommés (`%(<nom>_0)s`…), ajoutés par `Requete`."""

    def __init__(self, modele: type[models.Model], expression):
        self.modele, self.expression = modele, expression
        self.parametres: dict[str, Any] = {}

    def compiler(self, connexion, nom: str) -> tuple[str, dict]:
        query = self.modele._base_manager.all().query
        query.get_initial_alias()
        resolue = self.expression.resolve_expression(query, allow_joins=True, reuse=None)
        texte, parametres = query.get_compiler(connection=connexion).compile(resolue)
        noms = [f"{nom}_{i}" for i in range(len(parametres))]
        morceaux = re.split(r"(?<!%)%s", texte)
        if len(morceaux) != len(noms) + 1:  # un %s par paramètre
            raise ValueError(f"expression compilée illisible : {texte}")
        texte = morceaux[0] + "".join(f"%({n})s{m}" for n, m in zip(noms, morceaux[1:], strict=True))
        return texte, dict(zip(noms, parametres, strict=True))


# --- Requêtes nommées et exécuteur -------------------------------------------------------------


class Requete:
    """Une requête écrite à la main, nommée : son texte (champs `{nom}` remplis par les
    `morceaux`), les convertisseurs de ses colonnes (`{"date": en_date}`) et ses lignes nommées.

    Le texte est composé une fois par moteur de base (SQLite pour les tests, PostgreSQL)."""

    def __init__(
        self,
        nom: str,
        texte: str,
        *,
        morceaux: Mapping[str, Morceau | type[models.Model] | str],
        convertisseurs: Mapping[str, Callable] | None = None,
    ):
        self.nom = nom
        self.texte = texte
        self.morceaux = {k: Table(v) if isinstance(v, type | str) else v for k, v in morceaux.items()}
        self.convertisseurs = dict(convertisseurs or {})
        self._composee: dict[str, tuple[str, dict]] = {}
        self._lignes: dict[tuple, type] = {}

    def __repr__(self) -> str:
        return f"<Requete {self.nom}>"

    def composer(self, connexion=connection) -> tuple[str, dict]:
        """(texte SQL pour ce moteur, paramètres fixes des expressions de l'ORM)."""
        if connexion.vendor not in self._composee:
            remplis, fixes = {}, {}
            for cle, morceau in self.morceaux.items():
                if isinstance(morceau, ExpressionOrm):
                    remplis[cle], parametres = morceau.compiler(connexion, f"_{cle}")
                    fixes.update(parametres)
                else:
                    remplis[cle] = morceau.rendre(connexion)
            self._composee[connexion.vendor] = (self.texte.format(**remplis), fixes)
        return self._composee[connexion.vendor]

    def ligne(self, colonnes: tuple[str, ...]) -> Any:  # une classe namedtuple
        if colonnes not in self._lignes:
            self._lignes[colonnes] = namedtuple(f"Ligne_{self.nom}", colonnes)
        return self._lignes[colonnes]


def executer(requete: Requete, parametres: Mapping[str, Any]) -> list:
    """Exécute une requête nommée (préparée sur PostgreSQL) : des lignes nommées (namedtuple,
    un champ par colonne), chaque colonne passée par son convertisseur."""
    texte, fixes = requete.composer(connection)
    with requetes_preparees(), connection.cursor() as curseur:
        curseur.execute(texte, {**fixes, **parametres})
        colonnes = tuple(d[0] for d in curseur.description)
        brutes = curseur.fetchall()
    fabrique = requete.ligne(colonnes)
    conversions = [
        (i, requete.convertisseurs[c]) for i, c in enumerate(colonnes) if c in requete.convertisseurs
    ]
    if not conversions:
        return [fabrique._make(b) for b in brutes]
    lignes = []
    for brute in brutes:
        valeurs = list(brute)
        for i, convertir in conversions:
            valeurs[i] = convertir(valeurs[i])
        lignes.append(fabrique._make(valeurs))
    return lignes
