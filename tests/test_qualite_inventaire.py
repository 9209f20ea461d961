"""L'inventaire des pages couvre toutes les URL du portail (côté parent)."""

from tests.inventaire import PagePortail, pages
from tests.qualite.couverture import defauts_couverture
from tests.urls_portail import UrlPortail, urls_portail


def test_chaque_url_du_portail_est_couverte_par_les_controles_de_qualite():
    defauts = defauts_couverture(urls_portail(), pages())
    assert not defauts, "\n".join(defauts)


def test_une_url_sans_entree_est_signalee():
    urls = [
        UrlPortail("facturation:releve", "releve/", {}),
        UrlPortail("facturation:facture_pdf", "releve/factures/<int:pk>/pdf/", {"pk": "int"}),
    ]
    defauts = defauts_couverture(urls, {"facturation:releve": PagePortail("facturation:releve")})
    assert defauts == [
        "page facturation:facture_pdf (releve/factures/<int:pk>/pdf/) is not covered by the "
        "quality gates : déclarez-la dans tests/inventaire/<app>.py"
    ]


def test_une_url_a_identifiant_sans_preparer_est_signalee():
    urls = [UrlPortail("facturation:facture_pdf", "releve/factures/<int:pk>/pdf/", {"pk": "int"})]
    defauts = defauts_couverture(urls, {"facturation:facture_pdf": PagePortail("facturation:facture_pdf")})
    assert len(defauts) == 1
    assert "is not covered by the quality gates" in defauts[0]
    assert "preparer()" in defauts[0]


def test_une_entree_sans_url_est_signalee():
    defauts = defauts_couverture([], {"familles:disparue": PagePortail("familles:disparue")})
    assert defauts == ["l'inventaire déclare familles:disparue, qui n'est pas une URL du portail"]
