"""La version des données de chaque famille, tenue par la base elle-même (déclencheurs).

Pourquoi : les pages les plus lues (accueil, relevé de compte, compteur de l'en-tête) se
recomposent à chaque affichage alors que les données d'une famille changent rarement. Un cache
par famille n'est sûr que si **chaque** écriture le rend caduc : import des factures par `COPY`,
`QuerySet.update`, `bulk_create`, administration, anonymisation, correction faite dans psql…
Plutôt que de compter sur chaque chemin d'écriture de l'application, la base monte elle-même la
version : un déclencheur sur chaque table des applications du portail.

- `commun_version` : une ligne par famille (`cle` = identifiant de la famille) et une ligne
  commune (`cle` = 0) pour les données qui ne sont à aucune famille (activités, régies, textes,
  campagnes…), montée par les tables non reliées à une famille.
- Une table reliée à la famille par une chaîne de clés étrangères (un message par son fil, une
  ligne de paiement par son paiement) monte la version de **chaque** famille qu'elle atteint, par
  toutes ses clés (ancienne et nouvelle valeur d'une ligne modifiée, ligne supprimée comprise).
- PostgreSQL : déclencheurs par instruction avec tables de transition (une écriture de
  240 000 lignes monte chaque famille touchée une fois) ; SQLite (démonstration, tests) : par
  ligne.
- Les déclencheurs sont (ré)installés après chaque `migrate` (signal `post_migrate`), calculés
  depuis les modèles : une nouvelle table est couverte sans rien écrire.

La version est lue avec le compte de l'utilisateur (`familles.backends.PortailBackend`), dans la
première requête de la page, avant toute donnée : une écriture validée entre les deux rend au
pire une page plus récente que sa version, jamais l'inverse. `commun.cache_famille` s'en sert.
"""

# Tout le SQL de ce module est du DDL composé de noms de tables et de colonnes des modèles
# (passés par `quote_name`), jamais d'une valeur venue d'un utilisateur.
# ruff: noqa: S608

import hashlib
from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.db import connections, models

from commun import declencheurs
from commun.models import Version

# La ligne des données communes (aucune famille n'a l'identifiant 0).
COMMUNE = 0
PROFONDEUR_MAX = 4
PREFIXE = "versions_"


def _chemins(modele, racine, profondeur: int, vus: tuple) -> list[list[models.ForeignKey]]:
    """Chaque chaîne de clés étrangères de `modele` vers `racine` (au plus `profondeur`)."""
    if profondeur == 0:
        return []
    chemins = []
    for champ in modele._meta.concrete_fields:
        if not isinstance(champ, models.ForeignKey) or champ.related_model in vus:
            continue
        cible = champ.related_model
        if cible is racine:
            chemins.append([champ])
        else:
            chemins.extend(
                [champ, *suite] for suite in _chemins(cible, racine, profondeur - 1, (*vus, cible))
            )
    return chemins


def _colonne_cle(modele: type[models.Model]) -> str:
    return str(modele._meta.pk.column) if modele._meta.pk else "id"


def _select_famille(chemin: list[models.ForeignKey], source: str) -> str:
    """Le SELECT des familles atteintes par `chemin` depuis les lignes `source` (alias r)."""
    qn = connections["default"].ops.quote_name
    if len(chemin) == 1:
        return f"SELECT r.{qn(chemin[0].column)} AS cle FROM {source} r"  # nosec B608
    jointures, precedent, colonne = [], "r", chemin[0].column
    for i, champ in enumerate(chemin[1:], start=1):
        modele = chemin[i - 1].related_model  # une clé étrangère résolue
        alias = f"t{i}"
        jointures.append(
            f"JOIN {qn(modele._meta.db_table)} {alias} ON {alias}.{qn(_colonne_cle(modele))} = "
            f"{precedent}.{qn(str(colonne))}"
        )
        precedent, colonne = alias, champ.column
    return f"SELECT {precedent}.{qn(colonne)} AS cle FROM {source} r {' '.join(jointures)}"  # nosec B608


def _monter(selects: list[str], *, ordonner: bool = True) -> str:
    """L'instruction qui monte la version de chaque famille des `selects` (une fois chacune ;
    dans l'ordre des clés sur PostgreSQL, pour que deux écritures verrouillent dans le même
    ordre)."""
    table = Version._meta.db_table
    ordre = "ORDER BY cle " if ordonner else ""
    return (
        f"INSERT INTO {table} (cle, valeur) SELECT cle, 1 FROM ({' UNION '.join(selects)}) s "  # nosec B608
        f"WHERE cle IS NOT NULL GROUP BY cle {ordre}"
        f"ON CONFLICT (cle) DO UPDATE SET valeur = {table}.valeur + 1"
    )


def modeles_couverts(*, racine, applications: Iterable[str], exclus: Iterable[str] = ()) -> dict:
    """Chaque table des `applications` (tables de liaison comprises) et les chaînes qui la
    relient à la famille (liste vide : table des données communes). `exclus` : libellés
    « app.Modele » des tables que nulle page mise en cache ne lit (journal, statistiques)."""
    exclus = {*exclus, Version._meta.label}
    couverts: dict[type[models.Model], list[list[models.ForeignKey]] | None] = {}
    for modele in apps.get_models(include_auto_created=True):
        if modele._meta.app_label not in applications or modele._meta.label in exclus:
            continue
        if modele._meta.proxy or not modele._meta.managed:
            continue
        if modele is racine:
            couverts[modele] = None  # la famille elle-même : son identifiant
        else:
            couverts[modele] = _chemins(modele, racine, PROFONDEUR_MAX, (modele,))
    return couverts


def monte_la_commune(chemins) -> bool:
    """Une table sans chaîne vers la famille, ou dont chaque chaîne passe par un compte (une
    période close par un agent, l'affectation d'un agent à une structure : le compte d'un agent
    n'a pas de famille) monte aussi la version des données communes."""
    if chemins is None:
        return False
    utilisateur = apps.get_model(settings.AUTH_USER_MODEL)
    return not any(all(f.related_model is not utilisateur for f in chemin[:-1]) for chemin in chemins)


def _selects(modele, chemins, sources: list[str]) -> list[str]:
    """Les SELECT des familles (et de la ligne commune) touchées par les lignes `sources`."""
    qn = connections["default"].ops.quote_name
    if chemins is None:
        pk = qn(modele._meta.pk.column)
        return [f"SELECT r.{pk} AS cle FROM {s} r" for s in sources]  # nosec B608
    selects = [_select_famille(c, s) for c in chemins for s in sources]
    if monte_la_commune(chemins):
        selects.append(f"SELECT {COMMUNE} AS cle")
    return selects


def _instructions_postgresql(modele, chemins) -> list[str]:
    qn = connections["default"].ops.quote_name
    table = modele._meta.db_table
    nom = f"{PREFIXE}{table}"[:60]

    def monter(sources: list[str]) -> str:
        return _monter(_selects(modele, chemins, sources))

    return declencheurs.postgresql_par_instruction(
        table=qn(table), fonction=qn(nom), nom=lambda suffixe: qn(f"{PREFIXE}{suffixe}"), instruction=monter
    )


def _instructions_sqlite(modele, chemins) -> list[str]:
    qn = connections["default"].ops.quote_name
    table = modele._meta.db_table
    colonnes = {f.column for f in modele._meta.concrete_fields}

    def monter(lignes: list[str]) -> str:
        # La ligne NEW / OLD en sous-requête (alias r), comme une table de transition.
        sources = [
            "(SELECT " + ", ".join(f"{ligne}.{qn(c)} AS {qn(c)}" for c in sorted(colonnes)) + ")"
            for ligne in lignes
        ]
        return _monter(_selects(modele, chemins, sources), ordonner=False)

    return declencheurs.sqlite_par_ligne(
        table=qn(table), nom=lambda suffixe: qn(f"{PREFIXE}{table}_{suffixe}"), instruction=monter
    )


def instructions(
    *, racine, applications: Iterable[str], exclus: Iterable[str] = (), vendor: str
) -> list[str]:
    """Le DDL des déclencheurs de toutes les tables couvertes, pour `vendor`."""
    fabrique = _instructions_postgresql if vendor == "postgresql" else _instructions_sqlite
    resultat = []
    for modele, chemins in modeles_couverts(racine=racine, applications=applications, exclus=exclus).items():
        resultat += fabrique(modele, chemins)
    return resultat


def installer(
    *, racine, applications: Iterable[str], exclus: Iterable[str] = (), using: str = "default"
) -> int:
    """(Ré)installe les déclencheurs ; sans rien faire si ceux de la base sont déjà les bons
    (l'empreinte du DDL est gardée dans la ligne de version -1). Renvoie le nombre
    d'instructions exécutées."""
    connexion = connections[using]
    if connexion.vendor not in ("postgresql", "sqlite"):
        return 0
    ddl = instructions(racine=racine, applications=applications, exclus=exclus, vendor=connexion.vendor)
    empreinte = int(hashlib.sha256("\n".join(ddl).encode()).hexdigest()[:15], 16)
    table = Version._meta.db_table
    with connexion.cursor() as curseur:
        curseur.execute(f"SELECT valeur FROM {table} WHERE cle = -1")  # nosec B608
        ligne = curseur.fetchone()
        if ligne and ligne[0] == empreinte:
            return 0
        for instruction in ddl:
            curseur.execute(instruction)
        curseur.execute(f"DELETE FROM {table} WHERE cle = -1")  # nosec B608
        curseur.execute(f"INSERT INTO {table} (cle, valeur) VALUES (-1, %s)", [empreinte])  # nosec B608
    return len(ddl)


def versions(*, famille_id: int | None) -> tuple[int, int]:
    """(version de la famille, version commune), lues par l'ORM (hors du chemin des pages, qui
    les lisent avec le compte)."""
    lues = dict(Version.objects.filter(cle__in=[famille_id or COMMUNE, COMMUNE]).values_list("cle", "valeur"))
    return lues.get(famille_id or COMMUNE, 0), lues.get(COMMUNE, 0)
