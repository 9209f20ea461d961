"""L'inventaire des pages de la messagerie : complet, et chaque page s'y prépare et répond."""

import pytest
from django.urls import reverse

from tests.inventaire import pages
from tests.urls_portail import urls_portail

pytestmark = pytest.mark.django_db


def test_toutes_les_pages_de_la_messagerie_sont_declarees():
    noms = {u.nom for u in urls_portail() if u.nom.startswith("messagerie:")}
    declarees = {nom for nom in pages() if nom.startswith("messagerie:")}
    assert noms == declarees


@pytest.mark.parametrize("nom", sorted(n for n in pages() if n.startswith("messagerie:")))
def test_chaque_page_repond_apres_preparation_et_volume(client_parent, parent, nom):
    page = pages()[nom]
    kwargs = page.preparer(parent)
    if page.volume:
        page.volume(parent, 3)
    url = reverse(nom, kwargs=kwargs)
    reponse = client_parent.post(url) if page.methode == "POST" else client_parent.get(url)
    attendu = 302 if page.methode == "POST" else 200
    assert reponse.status_code == attendu
