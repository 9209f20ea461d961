"""Parcours du planning dans Chromium : menu du jour au clavier, au clic droit et au toucher ;
tout le mois à 1280 px, colonne des activités fixe quand les jours défilent ; la vue téléphone
(réserver trois jours et déclarer une absence au doigt seul, avec ou sans JavaScript)."""

import contextlib
import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enfants import services
from enfants.models import Absence, Reservation
from tests.browser.conftest import se_connecter
from tests.factories import (
    MOT_DE_PASSE,
    ActiviteFactory,
    EnfantFactory,
    InscriptionFactory,
    ReservationFactory,
    famille_avec_parent,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _jour_libre(activite, apres_jours=10):
    jour = timezone.localdate() + datetime.timedelta(days=apres_jours)
    while jour.weekday() >= 5 or services.jour_ferme_raison(activite=activite, jour=jour):
        jour += datetime.timedelta(days=1)
    return jour


@pytest.fixture
def planning():
    parent = famille_avec_parent()
    enfant = EnfantFactory(famille=parent.famille, prenom="LÉA", nom="DUPONT")
    activite = ActiviteFactory(
        nom="Garderie soir", jours_ouverture="01234", structure__nom="Garderie périscolaire"
    )
    inscription = InscriptionFactory(enfant=enfant, activite=activite)
    return parent, inscription


def _ouvrir_planning(page, parent, inscription, jour):
    se_connecter(page, parent.username, MOT_DE_PASSE)
    page.goto(f"/enfants/{inscription.enfant_id}/planning/{jour.year}/{jour.month}/")
    expect(page.get_by_role("table", name="Agenda de LÉA DUPONT")).to_be_visible()


def _case(page, jour):
    return page.locator(f'#agenda a.case-action[title^="{_date_longue(jour)} :"]')


def _erreurs_js(page):
    """Les exceptions JavaScript non rattrapées (« pageerror » : la console ne les voit pas)."""
    erreurs = []
    page.on("pageerror", lambda e: erreurs.append(str(e)))
    return erreurs


def test_reserver_au_clavier(page, planning):
    parent, inscription = planning
    erreurs = _erreurs_js(page)
    jour = _jour_libre(inscription.activite)
    _ouvrir_planning(page, parent, inscription, jour)
    case = _case(page, jour)
    expect(case).to_have_attribute("aria-haspopup", "menu")
    case.focus()
    # Maj+F10 ouvre le menu, Échap le ferme et rend le focus à la case.
    page.keyboard.press("Shift+F10")
    # Le menu dit pour quelle activité et quel jour il s'ouvre ; il n'offre que ce qui est
    # possible ce jour-là (un jour libre : réserver, pas déclarer une absence).
    menu = page.get_by_role("menu", name=f"Garderie soir — {_date_longue(jour)} : Réservable")
    expect(menu).to_be_visible()
    expect(page.get_by_role("menuitem", name="Demander une réservation")).to_be_focused()
    expect(page.get_by_role("menuitem", name="Déclarer une absence")).to_be_hidden()
    expect(case).to_have_attribute("aria-expanded", "true")
    for touche in ("ArrowDown", "ArrowUp", "End", "Home"):
        page.keyboard.press(touche)
        expect(page.get_by_role("menuitem", name="Demander une réservation")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(case).to_be_focused()
    # Entrée ouvre le menu ; Entrée sur « Demander une réservation » ouvre le formulaire.
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Demander une réservation")).to_be_visible()
    expect(page.get_by_label("Jour")).to_have_value(jour.isoformat())
    page.get_by_role("button", name="Envoyer la demande").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Demande de réservation envoyée")).to_be_visible()
    cellule = page.locator("#agenda td", has=page.locator(f'[title^="{_date_longue(jour)} :"]'))
    expect(cellule).to_contain_text("Réservation en cours de traitement")
    assert Reservation.objects.get().etat == Reservation.Etat.EN_COURS
    assert page.erreurs_console == [] and erreurs == []


def test_menu_d_un_jour_reserve_fleches_et_echap_sans_erreur(page, planning):
    """Les flèches et Échap levaient « Cannot read properties of undefined (reading
    'parentNode') » (le gestionnaire de clavier des menus Bootstrap) ; le menu cachait la case."""
    parent, inscription = planning
    erreurs = _erreurs_js(page)
    # Deux jours qui se suivent dans le même mois (le mois prochain, à partir du 5).
    cinq = _mois_suivant(timezone.localdate()).replace(day=5)
    jour = _jour_libre(inscription.activite, apres_jours=(cinq - timezone.localdate()).days)
    ReservationFactory(inscription=inscription, date=jour)
    absent = _jour_libre(inscription.activite, apres_jours=(jour - timezone.localdate()).days + 1)
    ReservationFactory(inscription=inscription, date=absent)
    services.absence_declarer(inscription=inscription, date=absent, motif="Malade")
    _ouvrir_planning(page, parent, inscription, jour)
    case = page.locator(f'#agenda a.case-action[data-absence$="date={jour.isoformat()}"]')
    case.click()
    menu = page.get_by_role("menu", name=f"Garderie soir — {_date_longue(jour)} : Réservé")
    expect(menu).to_be_visible()
    expect(page.locator("#menu-planning-titre")).to_have_text(
        f"Garderie soir — {_date_longue(jour)} : Réservé"
    )
    absence = page.get_by_role("menuitem", name="Déclarer une absence")
    expect(absence).to_be_focused()
    expect(page.get_by_role("menuitem", name="Demander une réservation")).to_be_hidden()
    # Le menu s'ouvre sous la case, sans la recouvrir.
    boite_case, boite_menu = case.bounding_box(), page.locator("#menu-planning").bounding_box()
    assert boite_menu["y"] >= boite_case["y"] + boite_case["height"] or (
        boite_menu["y"] + boite_menu["height"] <= boite_case["y"]
    ), (boite_case, boite_menu)
    for touche in ("ArrowDown", "ArrowUp", "ArrowUp", "Home", "End"):
        page.keyboard.press(touche)
        expect(absence).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(case).to_be_focused()
    # Une absence encore dans le délai : le menu propose de l'annuler.
    autre = page.locator(f'#agenda a.case-action[title^="{_date_longue(absent)} :"]')
    autre.focus()
    page.keyboard.press("Enter")
    annuler = page.get_by_role("menuitem", name="Annuler l'absence")
    expect(annuler).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    assert erreurs == [] and page.erreurs_console == []


def _date_longue(jour):
    from enfants.calendrier import date_longue

    return date_longue(jour)


def test_declarer_une_absence_au_clic_droit(page, planning):
    parent, inscription = planning
    jour = _jour_libre(inscription.activite)
    ReservationFactory(inscription=inscription, date=jour)
    _ouvrir_planning(page, parent, inscription, jour)
    case = _case(page, jour)
    expect(case).to_contain_text("Réservé")
    case.click(button="right")
    page.get_by_role("menuitem", name="Déclarer une absence").click()
    expect(page.get_by_role("heading", name="Déclarer une absence")).to_be_visible()
    page.get_by_label("Motif de l'absence").fill("Rendez-vous médical")
    page.get_by_label("Certificat médical (facultatif)").set_input_files(
        files=[{"name": "certificat.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}]
    )
    page.get_by_role("button", name="Déclarer l'absence").click()
    expect(page.locator(".alert-success", has_text="Absence du")).to_be_visible()
    absence = Absence.objects.get()
    assert absence.etat == Absence.Etat.EN_COURS and absence.certificat
    cellule = page.locator("#agenda td", has=page.locator(f'[title^="{_date_longue(jour)} :"]'))
    expect(cellule).to_contain_text("Absence en cours de traitement")
    assert page.erreurs_console == []


def _contexte_tactile(navigateur, live_server, *, largeur, hauteur, **options):
    """Un appareil tactile (tablette, téléphone) en français, à l'heure de Paris."""
    return navigateur.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        base_url=live_server.url,
        has_touch=True,
        is_mobile=True,
        viewport={"width": largeur, "height": hauteur},
        **options,
    )


def test_menu_au_toucher_sur_tablette(navigateur, live_server, planning):
    parent, inscription = planning
    jour = _jour_libre(inscription.activite)
    contexte = _contexte_tactile(navigateur, live_server, largeur=768, hauteur=1024)
    try:
        page = contexte.new_page()
        _ouvrir_planning(page, parent, inscription, jour)
        case = _case(page, jour)
        case.scroll_into_view_if_needed()
        case.tap()
        menu = page.get_by_role("menu", name=f"Garderie soir — {_date_longue(jour)} : Réservable")
        expect(menu).to_be_visible()
        boite = page.locator("#menu-planning").bounding_box()
        assert boite["x"] >= 0 and boite["x"] + boite["width"] <= 768
        page.get_by_role("menuitem", name="Demander une réservation").tap()
        expect(page.get_by_role("heading", name="Demander une réservation")).to_be_visible()
    finally:
        contexte.close()


def test_sans_javascript_la_case_mene_au_formulaire(navigateur, live_server, planning):
    parent, inscription = planning
    jour = _jour_libre(inscription.activite)
    contexte = navigateur.new_context(locale="fr-FR", base_url=live_server.url, java_script_enabled=False)
    try:
        page = contexte.new_page()
        _ouvrir_planning(page, parent, inscription, jour)
        _case(page, jour).click()
        expect(page.get_by_role("heading", name="Demander une réservation")).to_be_visible()
        expect(page.get_by_label("Jour")).to_have_value(jour.isoformat())
    finally:
        contexte.close()


# --- Mise en page : tout le mois à 1280 px, la colonne des activités fixe plus étroit ---


def _plusieurs_activites(inscription):
    """Des noms d'activité du guide, sur plusieurs lignes, et un nom très long."""
    for nom in (
        "ALSH Mercredi après-midi",
        "ALSH Vacances après-midi",
        "ALSH Vacances journée avec repas, sortie piscine et transport en car",
    ):
        InscriptionFactory(
            enfant=inscription.enfant, activite=ActiviteFactory(nom=nom, structure__nom="Accueil de Loisirs")
        )


@contextlib.contextmanager
def _decembre(navigateur, live_server, planning, largeur):
    """L'agenda de décembre 2026 (31 jours, quatre activités) à une largeur d'écran."""
    parent, inscription = planning
    _plusieurs_activites(inscription)
    contexte = navigateur.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        base_url=live_server.url,
        viewport={"width": largeur, "height": 900},
    )
    try:
        page = contexte.new_page()
        _ouvrir_planning(page, parent, inscription, datetime.date(2026, 12, 1))
        yield page
        assert page.evaluate("document.documentElement.scrollWidth") <= largeur
    finally:
        contexte.close()


def test_tout_le_mois_tient_a_1280_px(navigateur, live_server, planning):
    with _decembre(navigateur, live_server, planning, 1280) as page:
        region = page.locator(".planning-defilement").first
        largeurs = region.evaluate("r => [r.scrollWidth, r.clientWidth]")
        assert largeurs[0] <= largeurs[1], largeurs
        dernier = page.locator("#agenda thead th").last
        expect(dernier).to_contain_text("Je 31")
        boite = dernier.bounding_box()
        assert boite["x"] + boite["width"] <= 1280
        # Des cases d'au moins 24 × 24 px (WCAG 2.2, taille des cibles).
        case = page.locator("#agenda td.case").first.bounding_box()
        assert case["width"] >= 24 and case["height"] >= 24, case


def test_colonne_des_activites_fixe_quand_les_jours_defilent(navigateur, live_server, planning):
    with _decembre(navigateur, live_server, planning, 800) as page:
        region = page.locator(".planning-defilement").first
        structure = page.locator("#agenda tbody th.planning-structure").first
        jour = page.locator("#agenda thead th.planning-jour").nth(3)
        avant_structure, avant_jour = structure.bounding_box()["x"], jour.bounding_box()["x"]
        region.evaluate("r => { r.scrollLeft = 300; }")
        page.wait_for_function("document.querySelector('.planning-defilement').scrollLeft > 0")
        assert abs(structure.bounding_box()["x"] - avant_structure) < 1  # fixe
        assert jour.bounding_box()["x"] < avant_jour - 100  # les jours ont défilé


# --- Vue téléphone : réserver trois jours et déclarer une absence au doigt seul ---


def _mois_suivant(jour):
    return (jour.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _telephone(navigateur, live_server, *, javascript=True):
    # Défilement immédiat (sans l'animation de Bootstrap) : les positions mesurées sont finales.
    return _contexte_tactile(
        navigateur,
        live_server,
        largeur=360,
        hauteur=740,
        java_script_enabled=javascript,
        reduced_motion="reduce",
    )


def _hauteur(locator):
    return locator.bounding_box()["height"]


@pytest.mark.parametrize("javascript", [True, False], ids=["avec-js", "sans-js"])
def test_telephone_reserver_trois_jours_puis_declarer_une_absence_au_toucher(
    navigateur, live_server, planning, javascript
):
    parent, inscription = planning
    inscription.activite.acceptation_automatique = True
    inscription.activite.save()
    mois = _mois_suivant(timezone.localdate())
    contexte = _telephone(navigateur, live_server, javascript=javascript)
    try:
        page = contexte.new_page()
        erreurs = _erreurs_js(page)
        se_connecter(page, parent.username, MOT_DE_PASSE)
        page.goto(f"/enfants/{inscription.enfant_id}/planning/{mois.year}/{mois.month}/")
        # La vue téléphone remplace la grille ; la page n'est jamais plus large que l'écran.
        expect(page.locator("#agenda")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        legende = page.locator("details.legende-repliee")
        expect(legende).not_to_have_attribute("open", "")
        expect(legende.get_by_text("Réservable")).to_be_hidden()
        legende.locator("summary").tap()
        expect(legende.get_by_text("Réservable")).to_be_visible()
        assert _hauteur(legende.locator("summary")) >= 44
        legende.locator("summary").tap()

        volet = page.locator(f"#activite-{inscription.pk}")
        expect(volet).to_have_attribute("open", "")
        cases = volet.locator('input[name="jours"]')
        jours = [cases.nth(i).get_attribute("value") for i in range(3)]
        for i in range(3):
            ligne = volet.locator(f'label.jour-mobile-ligne:has(input[value="{jours[i]}"])')
            assert _hauteur(ligne) >= 44
            ligne.tap()
            expect(cases.nth(i)).to_be_checked()
        bouton = volet.get_by_role("button", name="Réserver les jours cochés")
        if javascript:
            expect(bouton).to_contain_text("Réserver les jours cochés (3)")
        assert _hauteur(bouton) >= 44
        bouton.tap()
        expect(page.get_by_text("3 jours demandés")).to_be_visible()
        reservations = Reservation.objects.filter(inscription=inscription)
        assert sorted(r.date.isoformat() for r in reservations) == jours
        assert {r.etat for r in reservations} == {Reservation.Etat.ACCEPTEE}
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        # Un jour réservé : « Déclarer une absence » à un appui.
        volet = page.locator(f"#activite-{inscription.pk}")
        expect(volet).to_have_attribute("open", "")
        jour = datetime.date.fromisoformat(jours[1])
        absence = volet.get_by_role("link", name=f"Déclarer une absence le {_date_longue(jour)}")
        assert _hauteur(absence) >= 44
        absence.tap()
        expect(page.get_by_role("heading", name="Déclarer une absence")).to_be_visible()
        expect(page.get_by_label("Jour")).to_have_value(jour.isoformat())
        expect(page.locator("#avertissement-delai")).to_contain_text("Dans le délai")
        page.get_by_label("Motif de l'absence").fill("Rendez-vous médical")
        page.get_by_role("button", name="Déclarer l'absence").tap()
        expect(page.get_by_text(f"Absence du {_date_longue(jour)} enregistrée")).to_be_visible()
        assert Absence.objects.get(inscription=inscription).date == jour
        assert Absence.objects.get(inscription=inscription).etat == Absence.Etat.EXCUSEE
        assert erreurs == []
    finally:
        contexte.close()


def test_telephone_une_activite_a_la_fois(navigateur, live_server, planning):
    parent, inscription = planning
    _plusieurs_activites(inscription)
    contexte = _telephone(navigateur, live_server)
    try:
        page = contexte.new_page()
        mois = _mois_suivant(timezone.localdate())
        se_connecter(page, parent.username, MOT_DE_PASSE)
        page.goto(f"/enfants/{inscription.enfant_id}/planning/{mois.year}/{mois.month}/")
        volets = page.locator("details.activite-mobile")
        assert volets.count() == 4
        expect(page.locator("details.activite-mobile[open]")).to_have_count(1)
        volets.nth(2).locator("summary").tap()
        expect(volets.nth(2)).to_have_attribute("open", "")
        expect(page.locator("details.activite-mobile[open]")).to_have_count(1)
        assert _hauteur(volets.nth(2).locator("summary")) >= 44
    finally:
        contexte.close()


def test_telephone_un_jour_au_clavier_n_est_jamais_cache_par_le_bouton(navigateur, live_server, planning):
    """Le bouton « Réserver les jours cochés » reste en bas de l'écran ; un jour qui prend le
    focus (Tab) est amené au-dessus de lui (WCAG 2.4.11, focus non masqué)."""
    parent, inscription = planning
    mois = _mois_suivant(timezone.localdate())
    contexte = _telephone(navigateur, live_server)
    try:
        page = contexte.new_page()
        se_connecter(page, parent.username, MOT_DE_PASSE)
        page.goto(f"/enfants/{inscription.enfant_id}/planning/{mois.year}/{mois.month}/")
        volet = page.locator(f"#activite-{inscription.pk}")
        cases = volet.locator('input[name="jours"]')
        barre = volet.locator(".jours-mobile-envoi")
        cases.first.focus()
        for i in range(1, min(cases.count(), 12)):
            page.keyboard.press("Tab")
            expect(cases.nth(i)).to_be_focused()
            haut_barre = barre.bounding_box()["y"]
            boite = cases.nth(i).bounding_box()
            assert boite["y"] + boite["height"] <= haut_barre, (i, boite, haut_barre)
    finally:
        contexte.close()
