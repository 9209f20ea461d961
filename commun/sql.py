"""Les requêtes de lecture écrites à la main des pages les plus fréquentées (accueil, planning,
en-tête) : sur PostgreSQL, elles sont préparées.

Ces requêtes regroupent en un aller-retour ce que l'ORM faisait en plusieurs ; PostgreSQL mettait
alors plus de temps à les planifier (≈ 2 ms) qu'à les exécuter (≈ 0,5 ms). Avec des paramètres
liés côté serveur, psycopg prépare une requête à sa cinquième exécution sur une connexion et
PostgreSQL ne la replanifie plus (docs/performance.md). L'ORM garde la liaison côté client de
Django : il ne produit pas toujours du SQL préparable (ticket Django #20516).

`DB_REQUETES_PREPAREES=0` désactive la préparation (PgBouncer en mode transaction sans
`max_prepared_statements`).
"""

import contextlib

import psycopg
from django.conf import settings
from django.db import connection


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
