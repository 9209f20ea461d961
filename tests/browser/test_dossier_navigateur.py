"""Dossier annuel dans Chromium : le parent envoie une pièce (deux pages) depuis l'accueil,
l'agent la voit dans la page (PDF affiché dans un cadre), la refuse ; le parent lit le motif."""

import re

import pytest
from playwright.sync_api import expect

from familles import demo
from familles.demo_dossier import png_page
from familles.models import PieceJustificative
from messagerie.demo import pdf_simple
from tests import factories
from tests.browser.conftest import se_connecter

pytestmark = pytest.mark.django_db(transaction=True)


def test_une_piece_envoyee_verifiee_et_refusee(page, tmp_path):
    demo.creer()
    type_piece = factories.TypePieceFactory(nom="Attestation d'assurance")
    page1 = tmp_path / "page1.pdf"
    page1.write_bytes(pdf_simple("Attestation assurance 2026"))
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_page())

    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    bloc = page.locator("section.a-faire")
    expect(bloc.get_by_text("À fournir.")).to_be_visible()
    bloc.get_by_role("link", name="Attestation d'assurance").click()
    expect(page).to_have_url(re.compile(rf"/compte/documents/#piece-{type_piece.pk}$"))
    page.get_by_role("link", name=re.compile("Envoyer la pièce")).click()
    page.get_by_label("Fichiers").set_input_files([page1])
    page.get_by_label("Ou photographier la page 1").set_input_files([photo])
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.get_by_text("a été envoyée : un agent du CCAS va la vérifier")).to_be_visible()
    expect(page.get_by_text("En cours de vérification").first).to_be_visible()
    assert page.erreurs_console == [], page.erreurs_console
    piece = PieceJustificative.objects.get()
    assert piece.fichiers.count() == 2
    page.context.clear_cookies()

    page.goto("/admin/login/")
    page.get_by_label("Identifiant").fill(demo.IDENTIFIANT_AGENT)
    page.get_by_label("Mot de passe").fill(demo.MOT_DE_PASSE_AGENT)
    page.get_by_role("button", name="Connexion").click()
    page.goto("/admin/familles/piecejustificative/")
    page.get_by_role("link", name="Attestation d'assurance").first.click()
    # Le PDF s'affiche dans la page (cadre de même origine, type vérifié) ; la photo aussi.
    cadre = page.locator("iframe.apercu-piece")
    expect(cadre).to_have_count(1)
    reponse = page.request.get(cadre.get_attribute("src"))
    assert reponse.status == 200 and reponse.headers["content-type"] == "application/pdf"
    assert "frame-ancestors 'self'" in reponse.headers["content-security-policy"]
    expect(page.locator("img.apercu-piece")).to_have_count(1)
    page.get_by_label("Motif du refus (communiqué à la famille)").fill("Attestation de l'an dernier")
    page.get_by_role("button", name="Refuser", exact=True).click()
    expect(page.get_by_text(f"Pièce n° {piece.pk} refusée.")).to_be_visible()
    page.context.clear_cookies()
    page.erreurs_console.clear()

    se_connecter(page, demo.IDENTIFIANT_DUPONT, demo.MOT_DE_PASSE_DUPONT)
    expect(
        page.locator("section.a-faire").get_by_text("Refusée : Attestation de l'an dernier")
    ).to_be_visible()
    assert page.erreurs_console == [], page.erreurs_console
