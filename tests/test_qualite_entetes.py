"""En-têtes de sécurité sur chaque page du portail et chaque page publique."""

import pytest
from django.http import HttpResponse

from tests.qualite.entetes import defauts_entetes
from tests.qualite.visites import demander, ids_visites, preparer_visite

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("id_", ids_visites(get_seulement=False))
def test_en_tetes_de_securite(id_, client):
    visite = preparer_visite(id_)
    reponse = demander(client, visite)
    if visite.methode == "GET" and visite.html:
        assert reponse.status_code == visite.statut, f"{id_} : {visite.url} → {reponse.status_code}"
    else:
        assert reponse.status_code < 500, f"{id_} : {visite.url} → {reponse.status_code}"
    defauts = defauts_entetes(reponse, connecte=visite.connecte)
    assert not defauts, f"{id_} ({visite.url}) :\n" + "\n".join(defauts)


def test_une_reponse_404_porte_aussi_les_en_tetes(client, parent):
    client.force_login(parent)
    reponse = client.get("/releve/objet-introuvable/")
    assert reponse.status_code == 404
    assert defauts_entetes(reponse, connecte=True) == []


def test_le_controle_signale_une_reponse_sans_protection():
    reponse = HttpResponse("x")
    reponse["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"
    defauts = defauts_entetes(reponse, connecte=True)
    assert "CSP script-src trop permissive : 'self' 'unsafe-inline'" in defauts
    assert "ni frame-ancestors 'none' ni X-Frame-Options DENY" in defauts
    assert "pas de X-Content-Type-Options: nosniff" in defauts
    assert "pas de Referrer-Policy" in defauts
    assert any("no-store" in d for d in defauts)
