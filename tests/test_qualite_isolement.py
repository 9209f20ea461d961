"""Isolement : sur toute URL à identifiant d'objet, une autre famille reçoit 404."""

import pytest

from tests.factories import famille_avec_parent
from tests.inventaire import PagePortail, pages
from tests.qualite.isolement import defaut_isolement
from tests.urls_portail import urls_portail

pytestmark = pytest.mark.django_db

PAGES_A_IDENTIFIANT = sorted(u.nom for u in urls_portail() if u.parametres)


def test_sur_chaque_url_a_identifiant_une_autre_famille_recoit_404(client):
    # Une seule fonction (pas de paramétrage) : aucune page à identifiant n'est pas un « skip ».
    inventaire = pages()
    defauts = []
    for nom in PAGES_A_IDENTIFIANT:
        page = inventaire.get(nom)
        if page is None:
            defauts.append(f"page {nom} is not covered by the quality gates")
            continue
        if page.commune:
            defaut = _defaut_page_commune(page, client)
        else:
            defaut = defaut_isolement(
                page, proprietaire=famille_avec_parent(), intrus=famille_avec_parent(), client=client
            )
        if defaut:
            defauts.append(defaut)
    assert not defauts, "\n".join(defauts)


def _defaut_page_commune(page, client):
    from django.urls import reverse

    proprietaire, intrus = famille_avec_parent(), famille_avec_parent()
    url = reverse(page.nom, kwargs=page.preparer(proprietaire))
    statuts = []
    for parent in (proprietaire, intrus):
        client.force_login(parent)
        statuts.append(client.get(url).status_code)
    if statuts != [200, 200]:
        return f"{page.nom} : page commune, attendu 200 pour toute famille, obtenu {statuts}"
    return None


# Démonstration : le contrôle attrape une vue qui ne cherche pas l'objet dans la famille.

PAGE_DEMO_FAUTIVE = PagePortail("demo:enfant_non_borne", preparer=lambda parent: {"pk": _enfant(parent).pk})
PAGE_DEMO_CORRECTE = PagePortail("demo:enfant_borne", preparer=lambda parent: {"pk": _enfant(parent).pk})
PAGE_DEMO_ACTION_FAUTIVE = PagePortail(
    "demo:enfant_action_non_bornee",
    preparer=lambda parent: {"pk": _enfant(parent).pk},
    methode="POST",
)


def _enfant(parent):
    from tests.factories import EnfantFactory

    return EnfantFactory(famille=parent.famille)


@pytest.mark.urls("tests.qualite.urls_demo")
@pytest.mark.parametrize("page", [PAGE_DEMO_FAUTIVE, PAGE_DEMO_ACTION_FAUTIVE], ids=lambda p: p.nom)
def test_le_controle_attrape_une_vue_non_bornee_a_la_famille(page, client):
    defaut = defaut_isolement(
        page, proprietaire=famille_avec_parent(), intrus=famille_avec_parent(), client=client
    )
    assert defaut is not None
    assert "répond 200 à une autre famille (attendu : 404)" in defaut


@pytest.mark.urls("tests.qualite.urls_demo")
def test_le_controle_accepte_une_vue_bornee_a_la_famille(client):
    assert (
        defaut_isolement(
            PAGE_DEMO_CORRECTE,
            proprietaire=famille_avec_parent(),
            intrus=famille_avec_parent(),
            client=client,
        )
        is None
    )
