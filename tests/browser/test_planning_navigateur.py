"""Parcours du planning dans Chromium : menu du jour au clavier, au clic droit et au toucher."""

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
    activite = ActiviteFactory(nom="Garderie soir", jours_ouverture="01234",
                               structure__nom="Garderie périscolaire")
    inscription = InscriptionFactory(enfant=enfant, activite=activite)
    return parent, inscription


def _ouvrir_planning(page, parent, inscription, jour):
    se_connecter(page, parent.username, MOT_DE_PASSE)
    page.goto(f"/enfants/{inscription.enfant_id}/planning/{jour.year}/{jour.month}/")
    expect(page.get_by_role("table", name="Agenda de LÉA DUPONT")).to_be_visible()


def _case(page, jour):
    return page.locator(f'#agenda a.case-action[data-reserver$="date={jour.isoformat()}"]')


def test_reserver_au_clavier(page, planning):
    parent, inscription = planning
    jour = _jour_libre(inscription.activite)
    _ouvrir_planning(page, parent, inscription, jour)
    case = _case(page, jour)
    expect(case).to_have_attribute("aria-haspopup", "menu")
    case.focus()
    # Maj+F10 ouvre le menu, Échap le ferme et rend le focus à la case.
    page.keyboard.press("Shift+F10")
    menu = page.get_by_role("menu", name="Actions sur le jour")
    expect(menu).to_be_visible()
    expect(page.get_by_role("menuitem", name="Demander une réservation")).to_be_focused()
    expect(case).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Déclarer une absence")).to_be_focused()
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
    assert page.erreurs_console == []


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
        files=[{"name": "certificat.pdf", "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n%%EOF\n"}])
    page.get_by_role("button", name="Déclarer l'absence").click()
    expect(page.get_by_text("Absence du")).to_be_visible()
    absence = Absence.objects.get()
    assert absence.etat == Absence.Etat.EN_COURS and absence.certificat
    cellule = page.locator("#agenda td", has=page.locator(f'[title^="{_date_longue(jour)} :"]'))
    expect(cellule).to_contain_text("Absence en cours de traitement")
    assert page.erreurs_console == []


def test_menu_au_toucher_sur_telephone(navigateur, live_server, planning):
    parent, inscription = planning
    jour = _jour_libre(inscription.activite)
    contexte = navigateur.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                      base_url=live_server.url, has_touch=True, is_mobile=True,
                                      viewport={"width": 360, "height": 740})
    try:
        page = contexte.new_page()
        _ouvrir_planning(page, parent, inscription, jour)
        case = _case(page, jour)
        case.scroll_into_view_if_needed()
        case.tap()
        menu = page.get_by_role("menu", name="Actions sur le jour")
        expect(menu).to_be_visible()
        boite = menu.bounding_box()
        assert boite["x"] >= 0 and boite["x"] + boite["width"] <= 360
        page.get_by_role("menuitem", name="Demander une réservation").tap()
        expect(page.get_by_role("heading", name="Demander une réservation")).to_be_visible()
    finally:
        contexte.close()


def test_sans_javascript_la_case_mene_au_formulaire(navigateur, live_server, planning):
    parent, inscription = planning
    jour = _jour_libre(inscription.activite)
    contexte = navigateur.new_context(locale="fr-FR", base_url=live_server.url,
                                      java_script_enabled=False)
    try:
        page = contexte.new_page()
        _ouvrir_planning(page, parent, inscription, jour)
        _case(page, jour).click()
        expect(page.get_by_role("heading", name="Demander une réservation")).to_be_visible()
        expect(page.get_by_label("Jour")).to_have_value(jour.isoformat())
    finally:
        contexte.close()
