"""Contrôles dans Chromium : accessibilité (axe-core), CSP sans violation, navigation au clavier.

Un seul Chromium pour la session et deux contextes réutilisés d'une page à l'autre : l'un avec
la CSP réelle (on y écoute les violations), l'autre avec `bypass_csp=True` pour injecter axe-core.
"""

import pytest
from playwright.sync_api import expect

from tests.qualite import axe
from tests.qualite.navigateur import ECOUTE_CSP, connecter, remplir, violations_csp
from tests.qualite.visites import ids_visites, preparer_visite

pytestmark = pytest.mark.django_db(transaction=True)


class Onglet:
    """Un contexte Playwright et sa page, réutilisés pendant toute la session."""

    def __init__(self, navigateur, base_url, **options):
        self.base_url = base_url
        self.contexte = navigateur.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                               base_url=base_url, **options)
        self.contexte.set_default_timeout(10_000)
        self.contexte.add_init_script(ECOUTE_CSP)
        self.page = self.contexte.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)

    def ouvrir(self, visite, largeur=1280):
        connecter(self.contexte, visite.utilisateur, self.base_url)
        self.console.clear()
        self.page.set_viewport_size({"width": largeur, "height": axe.HAUTEUR})
        reponse = self.page.goto(visite.url)
        assert reponse is not None and reponse.status == visite.statut, (
            f"{visite.id} : {visite.url} → {reponse and reponse.status}"
        )
        if visite.donnees is not None:
            # Le formulaire qui porte les champs à remplir (une page en a parfois plusieurs).
            premier = next(iter(visite.donnees))
            formulaire = self.page.locator("main form", has=self.page.locator(f"[name='{premier}']")).first
            for nom, valeur in visite.donnees.items():
                remplir(formulaire.locator(f"[name='{nom}']").first, valeur)
            with self.page.expect_navigation():
                formulaire.locator("[type=submit]").first.click()
        return self.page


@pytest.fixture(scope="session")
def onglet_csp(navigateur, live_server):
    onglet = Onglet(navigateur, live_server.url)
    yield onglet
    onglet.contexte.close()


@pytest.fixture(scope="session")
def onglet_axe(navigateur, live_server):
    onglet = Onglet(navigateur, live_server.url, bypass_csp=True)
    yield onglet
    onglet.contexte.close()


@pytest.mark.parametrize("id_", ids_visites(html_seulement=True))
def test_page_accessible_et_sans_violation_de_csp(id_, onglet_csp, onglet_axe):
    visite = preparer_visite(id_)

    page = onglet_csp.ouvrir(visite)
    page.wait_for_load_state("load")
    csp = violations_csp(page, onglet_csp.console)
    assert not csp, f"{id_} ({visite.url}) : violations de la CSP :\n" + "\n".join(csp)

    page = onglet_axe.ouvrir(visite, largeur=axe.LARGEURS[0])
    defauts = []
    for largeur in axe.LARGEURS:
        page.set_viewport_size({"width": largeur, "height": axe.HAUTEUR})
        violations = axe.violations(page)
        if violations:
            defauts.append(f"à {largeur} px :\n{axe.formater_violations(violations)}")
    assert not defauts, f"{id_} ({visite.url}) : violations axe-core\n" + "\n".join(defauts)


PAGE_FAUTIVE = """<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Page fautive</title></head>
<body>
<main>
  <h1>Page fautive</h1>
  <p id="aide">Aide</p>
  <form method="post">
    <input type="text" name="nom">
    <p id="aide">Autre aide</p>
    <input type="text" name="prenom" aria-labelledby="aide">
  </form>
</main>
</body>
</html>
"""


def test_axe_signale_un_champ_sans_etiquette_et_un_id_en_double(onglet_axe):
    page = onglet_axe.page
    page.set_content(PAGE_FAUTIVE)
    violations = axe.violations(page)
    ids = {v["id"] for v in violations}
    assert ids == {"label", "duplicate-id-aria"}
    message = axe.formater_violations(violations)
    assert "[label] Form elements must have labels" in message
    assert "input" in message


def test_l_ecoute_de_csp_signale_un_script_en_ligne(onglet_csp, live_server):
    """Une page servie avec la CSP du portail et un script en ligne : la violation est vue."""
    page = onglet_csp.page
    onglet_csp.console.clear()
    csp = "script-src 'self'"
    page.route("**/demo-csp/", lambda route: route.fulfill(
        status=200, content_type="text/html",
        headers={"Content-Security-Policy": csp},
        body="<!DOCTYPE html><html lang='fr'><title>x</title><script>document.title='y'</script></html>",
    ))
    page.goto(live_server.url + "/demo-csp/")
    page.wait_for_function("() => window.__violationsCsp.length > 0")
    violations = violations_csp(page, onglet_csp.console)
    assert any("script-src" in v for v in violations)
    page.unroute("**/demo-csp/")


def _focus(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const rect = el.getBoundingClientRect();
        return {
            texte: (el.innerText || el.value || '').trim(),
            href: el.getAttribute('href'),
            balise: el.tagName,
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
            ombre: style.boxShadow !== 'none',
            visible: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0,
        };
    }""")


@pytest.mark.parametrize("largeur", axe.LARGEURS)
def test_clavier_lien_d_evitement_en_tete_et_onglets(largeur, onglet_csp):
    from tests.factories import famille_avec_parent
    from tests.qualite.visites import Visite

    visite = Visite(id="clavier", url="/", utilisateur=famille_avec_parent())
    page = onglet_csp.ouvrir(visite, largeur=largeur)
    nav = page.get_by_role("navigation", name="Onglets du portail")
    attendus = {lien.get_attribute("href") for lien in nav.get_by_role("link").all()
                if lien.is_visible()}
    assert "/" in attendus and len(attendus) >= 2
    bouton_deconnexion = nav.get_by_role("button", name="Déconnexion")
    expect(bouton_deconnexion).to_be_visible()

    page.keyboard.press("Tab")
    premier = _focus(page)
    assert premier["texte"] == "Aller au contenu" and premier["href"] == "#contenu"
    assert premier["visible"], "le lien d'évitement reste invisible quand il a le focus"
    assert premier["outline"] or premier["ombre"], "pas d'indicateur de focus sur le lien d'évitement"

    atteints, deconnexion = set(), False
    for _ in range(60):
        page.keyboard.press("Tab")
        courant = _focus(page)
        if courant["balise"] == "BODY":
            break
        assert courant["visible"], f"élément focalisé invisible : {courant}"
        assert courant["outline"] or courant["ombre"], f"focus sans indicateur visible : {courant}"
        if courant["href"]:
            atteints.add(courant["href"])
        if courant["balise"] == "BUTTON" and courant["texte"] == "Déconnexion":
            deconnexion = True
        if attendus <= atteints and deconnexion:
            break
    assert attendus <= atteints, f"onglets jamais atteints au clavier : {attendus - atteints}"
    assert deconnexion, "le bouton Déconnexion n'est pas atteint au clavier"

    # Le lien d'évitement mène bien au contenu.
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"
