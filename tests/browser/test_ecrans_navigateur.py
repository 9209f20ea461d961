"""Les écrans vus comme un parent les voit, avec la démonstration : Mon compte sur grand écran,
rien sous le pied de page, montants et actions visibles sur un téléphone (issue 15)."""

import pytest

from tests.browser.conftest import se_connecter
from tests.qualite.jeux import parent_demo

pytestmark = pytest.mark.django_db(transaction=True)

# Vrai si l'élément se voit en entier dans la largeur de la fenêtre, sans défilement de côté :
# ni hors de la fenêtre, ni rogné par un conteneur qui défile (tableau dans .table-responsive).
VISIBLE_EN_LARGEUR = """el => {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.left < 0 || r.right > window.innerWidth) return false;
  for (let a = el.parentElement; a; a = a.parentElement) {
    if (getComputedStyle(a).overflowX === 'visible') continue;
    const c = a.getBoundingClientRect();
    if (r.left < c.left - 1 || r.right > c.right + 1) return false;
  }
  return true;
}"""


@pytest.fixture
def dupont(transactional_db):
    return parent_demo()


def _ouvrir(page, largeur, url):
    page.set_viewport_size({"width": largeur, "height": 800})
    se_connecter(page, "jean.dupont", "Bonbons2015")
    page.wait_for_url("**/")
    page.goto(url)


def test_mon_compte_se_lit_sur_grand_ecran(page, dupont):
    """Chaque valeur garde sa largeur : plus de « M o n s i e u r » une lettre par ligne."""
    _ouvrir(page, 1024, "/compte/")
    for largeur in (1024, 1280, 1920):
        page.set_viewport_size({"width": largeur, "height": 800})
        _mon_compte_lisible(page, largeur)


def _mon_compte_lisible(page, largeur):
    # Jamais plus de lignes que de mots : aucun mot n'est coupé faute de place.
    # (Lignes du texte lui-même : la boîte d'une cellule de grille prend la hauteur de sa rangée.)
    coupees = page.locator("main dd").evaluate_all("""els => els.filter(e => {
        const texte = document.createRange();
        texte.selectNodeContents(e);
        const lignes = new Set([...texte.getClientRects()].map(r => Math.round(r.top))).size;
        return lignes > e.textContent.trim().split(/\\s+/).length;
    }).map(e => `${e.textContent.trim()} (${Math.round(e.getBoundingClientRect().width)} px de large)`)""")
    assert page.locator("main dd").count() > 20
    assert not coupees, f"valeurs coupées à {largeur} px : {coupees}"
    assert page.locator("main dd", has_text="jean.dupont@wanadoo.fr").count() == 1
    assert page.evaluate("() => document.documentElement.scrollHeight") < 2000


def _fil(dupont):
    from messagerie.models import Fil

    return Fil.objects.filter(famille=dupont.famille, initie_par_famille=True).first()


@pytest.mark.parametrize(
    "url,derniers",
    [
        pytest.param(
            "/compte/modifier/bancaires/", ["#id_iban", "#id_bic", "main [type=submit]"], id="bancaires"
        ),
        pytest.param("/messagerie/", ["main section.cadre"], id="boite"),
        pytest.param("/messagerie/nouveau/", ["main section.cadre", "main [type=submit]"], id="nouveau"),
        pytest.param("/messagerie/infos/", ["#formulaires", "#formulaires table"], id="infos"),
        pytest.param("fil", ["main section.cadre", "main [type=submit]:text('Envoyer')"], id="fil"),
    ],
)
def test_rien_sous_le_pied_de_page(page, dupont, url, derniers):
    """Le formulaire bancaire, le cadre de la réponse d'un fil… finissent avant le pied de page."""
    if url == "fil":
        url = f"/messagerie/{_fil(dupont).pk}/"
    _ouvrir(page, 360, url)
    for largeur in (360, 1280):
        page.set_viewport_size({"width": largeur, "height": 800})
        haut_du_pied = page.locator("body > footer").bounding_box()["y"]
        for selecteur in derniers:
            boite = page.locator(selecteur).last.bounding_box()
            assert boite["y"] + boite["height"] <= haut_du_pied, (
                f"à {largeur} px, {selecteur} passe sous le pied de page"
            )


def test_telephone_accueil_montants_et_actions_visibles(page, dupont, settings):
    settings.DEMO = True  # paiement en ligne de démonstration : le bouton « Carte » s'affiche
    _ouvrir(page, 360, "/")
    ligne = page.locator("table.factures-impayees tbody tr", has_text="AL-36")
    for cellule in (
        ligne.locator("td", has_text="120,60"),
        ligne.get_by_role("link", name="PDF"),
        ligne.get_by_role("link", name="Carte"),
    ):
        assert cellule.evaluate(VISIBLE_EN_LARGEUR), cellule
    # Chaque valeur dit ce qu'elle est : l'intitulé de sa colonne l'accompagne.
    assert ligne.locator("td", has_text="120,60").get_attribute("data-label") == "Montant"


def test_telephone_releve_debit_credit_et_solde_visibles(page, dupont):
    _ouvrir(page, 360, "/releve/?annee=2014")
    solde = page.locator("table.releve tfoot tr.releve-solde")
    assert "Solde du compte" in solde.inner_text()
    debit = solde.locator("td[data-label='Débit']")
    assert debit.inner_text() == "120,60\xa0€" and debit.evaluate(VISIBLE_EN_LARGEUR)
    for cellule in page.locator("table.releve tbody td[data-label='Crédit']:not(:empty)").all():
        assert cellule.evaluate(VISIBLE_EN_LARGEUR)


def test_telephone_liste_des_demandes_tient_dans_l_ecran(page, dupont):
    _ouvrir(page, 360, "/demandes/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    motif = page.locator("td[data-label='Motif refus']", has_text="Avis d'imposition manquant")
    assert motif.evaluate(VISIBLE_EN_LARGEUR)
    for date in page.locator("td[data-label^='Date']").all():
        assert date.evaluate(VISIBLE_EN_LARGEUR)


def test_telephone_fiche_et_liste_des_enfants(page, dupont):
    lea = dupont.famille.enfants.get(prenom="LÉA")
    _ouvrir(page, 360, f"/enfants/{lea.pk}/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert page.get_by_role("link", name="Demander le retrait").first.evaluate(VISIBLE_EN_LARGEUR)

    page.goto("/enfants/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    # Plus de ligne de 700 px presque vide : la colonne « Inscriptions en cours » n'est plus
    # écrasée hors de l'écran, elle a la largeur d'une fiche.
    inscriptions = page.locator("td[data-label='Inscriptions en cours']").first
    assert "Garderie matin" in inscriptions.inner_text() and inscriptions.evaluate(VISIBLE_EN_LARGEUR)
    assert inscriptions.bounding_box()["width"] > 300
