"""Tests navigateur : Playwright pilote le Chromium de Debian (/usr/bin/chromium)."""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

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


def se_connecter_admin(page, identifiant, mot_de_passe):
    """Déconnecte le compte courant, puis connecte l'agent à l'administration (libellé du champ :
    « Identifiant » du portail ou « Nom d’utilisateur » de Django)."""
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Identifiant")).first.fill(identifiant)
    page.get_by_label("Mot de passe").fill(mot_de_passe)
    page.get_by_role("button", name="Connexion").click()


def section(page, titre):
    """La section de la page dont le titre est `titre`."""
    return page.locator("section", has=page.get_by_role("heading", name=titre))


def accepter_par_l_agent(page, libelle, *, visible):
    """L'agent de démonstration ouvre la demande `libelle` de la file de modération, y lit
    `visible` et l'accepte ; puis le parent DUPONT se reconnecte au portail."""
    from familles import demo

    se_connecter_admin(page, demo.IDENTIFIANT_AGENT, demo.MOT_DE_PASSE_AGENT)
    page.goto("/admin/demandes/demande/")
    page.get_by_role("link", name=libelle, exact=True).click()
    expect(page.get_by_text(visible).first).to_be_visible()
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text("acceptée : la fiche a été mise à jour")).to_be_visible()
    page.context.clear_cookies()
    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
