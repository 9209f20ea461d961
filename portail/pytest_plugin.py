"""Greffon pytest chargé avant les réglages Django (`-p portail.pytest_plugin`).

Donne aux tests les réglages de développement quand l'environnement n'en fournit pas :
`pytest` lancé seul se comporte comme `make test`. DATABASE_URL, s'il est défini, est respecté
(PostgreSQL en CI).
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DEMO", "0")
# Playwright (API synchrone) fait tourner une boucle asyncio dans le fil des tests :
# l'ORM appelé depuis ces tests reste synchrone et sûr.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
