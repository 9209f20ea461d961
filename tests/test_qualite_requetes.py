"""Budget de requêtes SQL : borné, et identique avec 1 et avec 50 lignes de ce que la page liste."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import famille_avec_parent
from tests.inventaire import pages
from tests.qualite.visites import url_de_page

pytestmark = pytest.mark.django_db

# Nombre maximal de requêtes pour afficher une page du portail (session, utilisateur, famille,
# compteur de messages de l'en-tête, puis le contenu de la page).
BUDGET_REQUETES = 20
PAGES_GET = sorted(nom for nom, page in pages().items() if page.methode == "GET")


def _requetes(client, page, lignes: int | None):
    parent = famille_avec_parent()
    url = url_de_page(page, parent)
    if lignes is not None:
        page.volume(parent, lignes)
    client.force_login(parent)
    client.get(url)  # premier passage : caches de Django (types de contenu…) remplis
    with CaptureQueriesContext(connection) as capture:
        reponse = client.get(url)
    assert reponse.status_code < 400, f"{page.nom} : {url} répond {reponse.status_code}"
    client.logout()
    return capture


def _detail(capture) -> str:
    return "\n".join(f"  {q['sql'][:200]}" for q in capture.captured_queries)


@pytest.mark.parametrize("nom", PAGES_GET)
def test_budget_de_requetes(nom, client):
    page = pages()[nom]
    if page.volume is None:
        capture = _requetes(client, page, None)
        assert len(capture) <= (page.budget or BUDGET_REQUETES), (
            f"{nom} : {len(capture)} requêtes (budget {page.budget or BUDGET_REQUETES})\n{_detail(capture)}"
        )
        return
    une = _requetes(client, page, 1)
    cinquante = _requetes(client, page, 50)
    assert len(une) == len(cinquante), (
        f"{nom} : {len(une)} requêtes avec 1 ligne, {len(cinquante)} avec 50 "
        f"(requêtes N+1 ?)\n— avec 50 lignes :\n{_detail(cinquante)}"
    )
    assert len(cinquante) <= (page.budget or BUDGET_REQUETES), (
        f"{nom} : {len(cinquante)} requêtes (budget {page.budget or BUDGET_REQUETES})\n{_detail(cinquante)}"
    )
