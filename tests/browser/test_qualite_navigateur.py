"""Contrôles dans Chromium : accessibilité (axe-core), CSP sans violation, navigation au clavier,
mise en page (largeur, pied de page, textes écrasés, tableaux sur téléphone).

Un seul Chromium pour la session et deux contextes réutilisés d'une page à l'autre : l'un avec
la CSP réelle (on y écoute les violations), l'autre avec `bypass_csp=True` pour injecter axe-core.
"""

import pytest
from playwright.sync_api import expect

from tests.aides import page_fautive
from tests.qualite import axe, mise_en_page
from tests.qualite.jeux import JEUX, parent_demo
from tests.qualite.navigateur import ECOUTE_CSP, afficher, connecter, violations_csp
from tests.qualite.visites import ids_visites, preparer_visite

pytestmark = pytest.mark.django_db(transaction=True)


class Onglet:
    """Un contexte Playwright et sa page, réutilisés pendant toute la session."""

    def __init__(self, navigateur, base_url, **options):
        self.base_url = base_url
        self.contexte = navigateur.new_context(
            locale="fr-FR", timezone_id="Europe/Paris", base_url=base_url, **options
        )
        self.contexte.set_default_timeout(10_000)
        self.contexte.add_init_script(ECOUTE_CSP)
        self.page = self.contexte.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)

    def ouvrir(self, visite, largeur=1280):
        connecter(self.contexte, visite.utilisateur, self.base_url)
        self.console.clear()
        self.page.set_viewport_size({"width": largeur, "height": axe.HAUTEUR})
        return afficher(self.page, visite)


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


@pytest.mark.parametrize("jeu", list(JEUX))
@pytest.mark.parametrize("id_", ids_visites(html_seulement=True))
def test_mise_en_page(id_, jeu, onglet_csp):
    """Chaque page, avec la démonstration et avec beaucoup de lignes, de 360 à 1920 px."""
    visite = preparer_visite(id_, JEUX[jeu])
    page = onglet_csp.ouvrir(visite, largeur=mise_en_page.LARGEURS[0])
    defauts = mise_en_page.defauts_aux_largeurs(page)
    assert not defauts, f"{id_} ({visite.url}, jeu « {jeu} ») :\n" + "\n".join(defauts)


# Les agents travaillent sur un poste de bureau.
LARGEURS_ADMINISTRATION = (1024, 1280, 1920)


def test_mise_en_page_administration(onglet_csp):
    """Les pages principales de l'administration, avec la démonstration (un seul test : la liste
    dépend des droits de l'agent, lus en base)."""
    from familles.demo import IDENTIFIANT_AGENT
    from familles.models import Utilisateur
    from tests.qualite.administration import pages_admin
    from tests.qualite.visites import Visite

    famille = parent_demo().famille
    agent = Utilisateur.objects.get(username=IDENTIFIANT_AGENT)
    pages = pages_admin(famille=famille, agent=agent)
    assert len(pages) > 20
    defauts = []
    for nom, url in pages:
        page = onglet_csp.ouvrir(
            Visite(id=nom, url=url, utilisateur=agent), largeur=LARGEURS_ADMINISTRATION[0]
        )
        defauts += [
            f"{nom} ({url}) {d}" for d in mise_en_page.defauts_aux_largeurs(page, LARGEURS_ADMINISTRATION)
        ]
    assert not defauts, "\n".join(defauts)


PAGE_FAUTIVE = page_fautive(
    """    <input type="text" name="nom">
    <p id="aide">Autre aide</p>
    <input type="text" name="prenom" aria-labelledby="aide">"""
)


def test_axe_signale_un_champ_sans_etiquette_et_un_id_en_double(onglet_axe):
    page = onglet_axe.page
    page.set_content(PAGE_FAUTIVE)
    violations = axe.violations(page)
    ids = {v["id"] for v in violations}
    assert ids == {"label", "duplicate-id-aria"}
    message = axe.formater_violations(violations)
    assert "[label] Form elements must have labels" in message
    assert "input" in message


def test_axe_signale_des_cibles_trop_petites_et_trop_proches(onglet_axe):
    """WCAG 2.2 (2.5.8) : deux liens de 12 px côte à côte."""
    page = onglet_axe.page
    page.set_content("""<!DOCTYPE html><html lang="fr"><head><title>Cibles</title></head><body>
      <main><h1>Cibles</h1><p>
        <a href="#a" aria-label="Premier" style="display:inline-block;width:12px;height:12px"></a>
        <a href="#b" aria-label="Second" style="display:inline-block;width:12px;height:12px"></a>
      </p></main></body></html>""")
    assert {v["id"] for v in axe.violations(page)} == {"target-size"}


# Chaque défaut de mise en page, tel qu'il s'est vu sur le portail : un bloc plus large que la
# fenêtre, un cadre à « height: 100% » dans une colonne flexible qui pousse la suite sous le pied
# (messagerie, formulaire bancaire), une grille qui écrase une valeur sur une lettre de large
# (Mon compte), un tableau qui défile de côté sur un téléphone (accueil, relevé).
PAGE_MAL_MISE_EN_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Mise en page fautive</title>
<style>
  body { margin: 0; font: 16px/1.5 sans-serif; }
  .rangee { display: flex; }
  .cadre { height: 100%%; }
  .paires { display: grid; grid-template-columns: 12rem 1fr; width: 13rem; }
  .paires dd { margin: 0; overflow-wrap: anywhere; }
  .defile { overflow-x: auto; }
  td { white-space: nowrap; }
</style></head>
<body>
<div class="rangee">
  <main>
    <h1>Titre</h1>
    %(large)s
    <section class="cadre"><p>Mandat</p><p>IBAN</p></section>
    <dl class="paires"><dt>Civilité</dt><dd>Monsieur</dd></dl>
    <div class="defile"><table><tr><td>Une valeur bien trop longue pour un téléphone</td>
      <td>120,60 €</td></tr></table></div>
    <div class="defile"><table id="agenda"><tr><td>Grille du planning, vue de bureau, exemptée</td>
      <td>1 2 3 4 5 6 7</td></tr></table></div>
  </main>
</div>
<footer>Pied de page</footer>
</body></html>"""


def test_la_mise_en_page_signale_chaque_defaut(onglet_csp):
    page = onglet_csp.page
    page.goto("about:blank")  # hors du portail : sa CSP bloquerait le <style> en ligne
    page.set_viewport_size({"width": 360, "height": mise_en_page.HAUTEUR})
    page.set_content(PAGE_MAL_MISE_EN_PAGE % {"large": '<p style="width: 500px">Trop large</p>'})
    defauts = mise_en_page.defauts(page)
    assert [d["controle"] for d in defauts] == list(mise_en_page.CONTROLES)
    messages = {d["controle"]: d["message"] for d in defauts}
    assert "page large de" in messages["largeur"] and "Trop large" in messages["largeur"]
    assert "sous le pied de page" in messages["pied"] and "section.cadre" in messages["pied"]
    assert "« Monsieur »" in messages["ecrase"]
    assert "Une valeur bien trop" in messages["tableau"] and "agenda" not in messages["tableau"]

    # Au-delà de 400 px, un tableau peut défiler dans son conteneur (la page, elle, tient).
    page.set_viewport_size({"width": 1280, "height": mise_en_page.HAUTEUR})
    assert {d["controle"] for d in mise_en_page.defauts(page)} == {"pied", "ecrase"}

    # Les mêmes éléments, corrigés : rien à signaler.
    page.set_viewport_size({"width": 360, "height": mise_en_page.HAUTEUR})
    corrigee = (
        PAGE_MAL_MISE_EN_PAGE.replace("height: 100%%", "height: auto")
        .replace("12rem 1fr", "6rem 1fr")
        .replace("white-space: nowrap", "white-space: normal")
    )
    page.set_content(corrigee % {"large": "<p>Tient</p>"})
    assert mise_en_page.defauts(page) == []

    # Sans pied de page, le contrôle ne passe pas en silence.
    page.set_content((corrigee % {"large": ""}).replace("<footer>Pied de page</footer>", ""))
    assert [d["message"] for d in mise_en_page.defauts(page)] == ["page sans pied de page : rien à comparer"]


def test_l_ecoute_de_csp_signale_un_script_en_ligne(onglet_csp, live_server):
    """Une page servie avec la CSP du portail et un script en ligne : la violation est vue."""
    page = onglet_csp.page
    onglet_csp.console.clear()
    csp = "script-src 'self'"
    page.route(
        "**/demo-csp/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": csp},
            body="<!DOCTYPE html><html lang='fr'><title>x</title><script>document.title='y'</script></html>",
        ),
    )
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
    attendus = {lien.get_attribute("href") for lien in nav.get_by_role("link").all() if lien.is_visible()}
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


# Un historique replié (<details> fermé) n'est pas affiché : Chromium garde pourtant la boîte de
# son contenu, sous le repli ; seul ce qui s'affiche compte (vu sur « Documents à fournir »).
PAGE_HISTORIQUE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Historique</title>
<style>body { margin: 0; font: 16px/1.5 sans-serif; } main { height: 120px; }</style></head>
<body><main><details%s><summary>Pièces envoyées (2)</summary>
<ul><li style="height: 200px">Envoyée le 02/12/2026 — Refusée</li></ul></details></main>
<footer>Pied de page</footer></body></html>"""


def test_la_mise_en_page_ignore_un_historique_replie(onglet_csp):
    page = onglet_csp.page
    page.goto("about:blank")
    page.set_viewport_size({"width": 360, "height": mise_en_page.HAUTEUR})
    page.set_content(PAGE_HISTORIQUE % "")
    assert mise_en_page.defauts(page) == []
    page.set_content(PAGE_HISTORIQUE % " open")
    messages = {d["controle"]: d["message"] for d in mise_en_page.defauts(page)}
    assert "Envoyée le 02/12/2026" in messages["pied"]
