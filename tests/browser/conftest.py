"""Tests navigateur : Playwright pilote le Chromium de Debian (/usr/bin/chromium)."""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGUMENTS_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _donnees_de_reference(request):
    """Les tests navigateur vident la base entre eux : on y remet le groupe CCAS, etc."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        from django.contrib.auth.models import Group

        from commun.permissions import NOM_GROUPE_CCAS, donnees_de_reference_rejouer

        request.getfixturevalue("transactional_db")
        if not Group.objects.filter(name=NOM_GROUPE_CCAS).exists():
            donnees_de_reference_rejouer()


@pytest.fixture(scope="session")
def navigateur():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian « chromium » "
            "(.ci/run le fait) ou indiquez son chemin dans CHROMIUM."
        )
    # L'API synchrone de Playwright fait tourner une boucle asyncio dans le fil des tests :
    # Django refuserait alors l'ORM (SynchronousOnlyOperation), qui reste pourtant synchrone
    # et sûr ici. Réglage de test seulement, posé quand le navigateur démarre.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGUMENTS_CHROMIUM)
        yield navigateur
        navigateur.close()


@pytest.fixture
def page(navigateur, live_server):
    contexte = navigateur.new_context(locale="fr-FR", timezone_id="Europe/Paris", base_url=live_server.url)
    contexte.set_default_timeout(10_000)
    page = contexte.new_page()
    erreurs_console = []
    page.on("console", lambda m: erreurs_console.append(m.text) if m.type == "error" else None)
    page.erreurs_console = erreurs_console
    yield page
    contexte.close()


def se_connecter(page, identifiant, mot_de_passe):
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(identifiant)
    page.get_by_label("Mot de passe").fill(mot_de_passe)
    page.get_by_role("button", name="Connexion").click()
