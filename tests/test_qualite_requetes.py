"""Nombre de requêtes SQL de chaque page de l'inventaire : déclaré dans l'inventaire
(`PagePortail(requetes=N)`), vérifié exactement (une requête de plus ou de moins fait échouer
le test, qui affiche les requêtes), identique avec 1 et avec 50 lignes de ce que la page liste,
et sous le budget commun."""

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
PAGES = sorted(pages())


def _envoyer(client, page, url):
    return client.post(url) if page.methode == "POST" else client.get(url)


def _requetes(client, page, lignes: int | None) -> CaptureQueriesContext:
    parent = famille_avec_parent()
    client.force_login(parent)
    # Premier passage : caches de Django (types de contenu…) remplis. Une action (POST) est
    # jouée sur des données préparées pour elle seule, puis mesurée sur d'autres.
    _envoyer(client, page, url_de_page(page, parent))
    url = url_de_page(page, parent)
    if lignes is not None:
        page.volume(parent, lignes)
    with CaptureQueriesContext(connection) as capture:
        reponse = _envoyer(client, page, url)
    assert reponse.status_code < 400, f"{page.nom} : {url} répond {reponse.status_code}"
    client.logout()
    return capture


def _detail(capture) -> str:
    return "\n".join(f"  {i}. {q['sql']}" for i, q in enumerate(capture.captured_queries, 1))


def nombre_de_requetes_verifier(nom: str, capture, attendu: int) -> None:
    """Comme `assert_database_query_count` de Zulip : le nombre exact, et les requêtes quand il
    ne l'est pas."""
    assert len(capture) == attendu, (
        f"{nom} : {len(capture)} requêtes, l'inventaire en déclare {attendu} "
        f"(corrigez le code, ou `requetes=` dans tests/inventaire/ si le changement est voulu) :\n"
        f"{_detail(capture)}"
    )


@pytest.mark.parametrize("nom", PAGES)
def test_nombre_de_requetes(nom, client):
    page = pages()[nom]
    assert page.requetes is not None, f"{nom} : déclarez son nombre de requêtes (`requetes=N`)"
    budget = page.budget or BUDGET_REQUETES
    assert page.requetes <= budget, f"{nom} : {page.requetes} requêtes déclarées, budget {budget}"
    if page.volume is None:
        nombre_de_requetes_verifier(nom, _requetes(client, page, None), page.requetes)
        return
    une = _requetes(client, page, 1)
    cinquante = _requetes(client, page, 50)
    assert len(une) == len(cinquante), (
        f"{nom} : {len(une)} requêtes avec 1 ligne, {len(cinquante)} avec 50 "
        f"(requêtes N+1 ?)\n— avec 50 lignes :\n{_detail(cinquante)}"
    )
    nombre_de_requetes_verifier(nom, cinquante, page.requetes)


def test_un_nombre_de_requetes_inexact_est_signale():
    class Capture(list):
        captured_queries = [{"sql": "SELECT 1"}, {"sql": 'SELECT "famille"'}]

    capture = Capture([1, 2])
    nombre_de_requetes_verifier("essai", capture, 2)
    for attendu in (1, 3):
        with pytest.raises(AssertionError) as erreur:
            nombre_de_requetes_verifier("essai", capture, attendu)
        assert "essai : 2 requêtes, l'inventaire en déclare" in str(erreur.value)
        assert '2. SELECT "famille"' in str(erreur.value)
