"""Pages de la facturation : accueil, relevé de compte, facture PDF ; isolement et requêtes."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from facturation import pdf, selectors, services
from facturation.models import LigneFacture
from tests.factories import FactureFactory, RegieFactory, ReglementFactory, regler

pytestmark = pytest.mark.django_db


def texte_pdf(contenu: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages)


@pytest.fixture
def facture(parent):
    facture = FactureFactory(
        famille=parent.famille,
        numero="AL-36",
        montant=Decimal("120.60"),
        date_facture=datetime.date(2015, 4, 8),
        date_echeance=datetime.date(2015, 4, 30),
        periode_debut=datetime.date(2015, 4, 1),
        periode_fin=datetime.date(2015, 4, 30),
        lignes=[],
    )
    for ordre, (enfant, libelle, quantite, prix, montant) in enumerate(
        [
            ("LÉA", "ALSH Mercredi après-midi", "4", "12.50", "50.00"),
            ("TOM", "Garderie matin", "18", "3.20", "57.60"),
            ("TOM", "Restauration midi", "4", "3.25", "13.00"),
        ],
        1,
    ):
        LigneFacture.objects.create(
            facture=facture,
            ordre=ordre,
            enfant_nom=enfant,
            libelle=libelle,
            quantite=Decimal(quantite),
            prix_unitaire=Decimal(prix),
            montant=Decimal(montant),
        )
    return facture


# --- Accueil -------------------------------------------------------------------------------


def test_accueil_sans_facture(client_parent):
    html = client_parent.get("/").content.decode()
    assert "Opérations en cours" in html
    assert "votre compte présente un solde\n      de <strong>0,00\u00a0€</strong>" in html
    assert "Vous n'avez aucune facture impayée." in html


def test_accueil_en_credit(client_parent, parent):
    ReglementFactory(famille=parent.famille, montant=Decimal("15.00"))
    html = client_parent.get("/").content.decode()
    assert "créditeur de <strong>15,00\u00a0€</strong> : cette somme est en votre faveur" in html


def test_accueil_factures_impayees_et_reste_du(client_parent, parent, facture):
    regler(parent.famille, facture.regie, "20.60", mode="especes", date=datetime.date(2015, 4, 9))
    payee = FactureFactory(famille=parent.famille, numero="AL-37")
    regler(parent.famille, payee.regie, payee.montant, factures=[payee])
    a_venir = FactureFactory(
        famille=parent.famille,
        numero="AL-38",
        date_facture=datetime.date.today(),
        date_echeance=datetime.date.today() + datetime.timedelta(days=20),
    )
    html = client_parent.get("/").content.decode()
    tableau = html[html.index("factures-impayees") :]
    assert "AL-36" in tableau and "AL-38" in tableau and "AL-37" not in tableau
    assert "100,00\u00a0€" in tableau  # reste dû de AL-36, pas son montant
    assert tableau.count("En retard") == 1
    total = Decimal("100.00") + a_venir.montant
    assert f"{total:.2f}".replace(".", ",") + "\u00a0€" in tableau
    assert f'href="/releve/factures/{facture.pk}/pdf/"' in tableau


def test_accueil_ne_montre_pas_les_factures_d_une_autre_famille(client_parent, autre_parent):
    FactureFactory(famille=autre_parent.famille, numero="AL-999")
    html = client_parent.get("/").content.decode()
    assert "AL-999" not in html


@pytest.mark.parametrize("nombre", [1, 30])
def test_accueil_requetes_constantes(client_parent, parent, django_assert_max_num_queries, nombre):
    for _ in range(nombre):
        facture = FactureFactory(famille=parent.famille)
        ReglementFactory(famille=parent.famille, regie=facture.regie)
    # 9 : les régies qui encaissent en ligne (`paiement.offre`, une requête).
    with django_assert_max_num_queries(9):
        assert client_parent.get("/").status_code == 200


# --- Relevé de compte ----------------------------------------------------------------------


def test_releve_annee_scolaire_et_ancien_solde(client_parent, parent, facture):
    regie = facture.regie
    # Année 2013-2014 : 50 € facturés, 30 € réglés → ancien solde 20,00 € dû en 2014-2015.
    FactureFactory(
        famille=parent.famille,
        regie=regie,
        numero="AL-1",
        quantite=Decimal("15.625"),
        montant=Decimal("50.00"),
        date_facture=datetime.date(2014, 8, 31),
    )
    ReglementFactory(
        famille=parent.famille,
        regie=regie,
        numero="AL-2",
        montant=Decimal("30.00"),
        date=datetime.date(2013, 9, 1),
    )
    html = client_parent.get("/releve/", {"annee": "2014"}).content.decode()
    assert '<option value="2014" selected>2014-2015</option>' in html
    assert '<option value="2013">2013-2014</option>' in html
    assert "AL-36" in html and "AL-1<" not in html
    solde = html[html.index('class="releve-solde"') : html.index("</tfoot>")]
    # L'ancien solde est dans la ligne du solde, pas dans une colonne Débit/Crédit.
    assert "Ancien solde (reporté des années précédentes) : 20,00\u00a0€ à payer</span></th>" in solde
    assert "140,60\u00a0€" in solde and "(à payer)" in solde
    assert "Solde du compte pour l'année scolaire 2014-2015 au 31/08/2015" in solde

    html = client_parent.get("/releve/", {"annee": "2013"}).content.decode()
    assert "AL-1<" in html and "AL-2<" in html and "AL-36" not in html


def _operations_du_releve(html: str) -> list[str]:
    corps = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r'<th scope="row" data-label="N° Opération">([^<]+)</th>', corps)


# Les trois opérations du guide, toutes du 08/04/2015 : AL-12 (février-mars, 243,20 €), le
# chèque AL-228 de 243,20 € qui la solde, AL-36 (avril, 120,60 €) encore due.
ORDRES_DE_SAISIE = [
    ("AL-12", "AL-228", "AL-36"),  # dans l'ordre du temps
    ("AL-36", "AL-12", "AL-228"),  # l'import des factures, puis le chèque
    ("AL-12", "AL-36", "AL-228"),
    ("AL-228", "AL-36", "AL-12"),  # le chèque d'abord (reste en avoir), les factures ensuite
]


@pytest.mark.parametrize("ordre", ORDRES_DE_SAISIE, ids="-".join)
def test_releve_ordre_du_guide(client_parent, parent, ordre):
    regie = RegieFactory(nom="Régie garderie ALSH", code="AL")
    jour = datetime.date(2015, 4, 8)
    creees = {}
    for numero in ordre:
        if numero == "AL-228":
            creees[numero] = regler(
                parent.famille, regie, "243.20", date=jour, numero="AL-228", affecter=False
            )
        else:
            debut = datetime.date(2015, 4, 1) if numero == "AL-36" else datetime.date(2015, 2, 1)
            creees[numero] = FactureFactory(
                famille=parent.famille,
                regie=regie,
                numero=numero,
                montant=Decimal("120.60" if numero == "AL-36" else "243.20"),
                date_facture=jour,
                periode_debut=debut,
                periode_fin=datetime.date(2015, 4, 30) if numero == "AL-36" else datetime.date(2015, 3, 31),
                lignes=[],
            )
    services.reglement_affecter(reglement=creees["AL-228"], factures=[creees["AL-12"]])
    html = client_parent.get("/releve/", {"annee": "2014"}).content.decode()
    assert _operations_du_releve(html) == ["AL-36", "AL-228", "AL-12"]
    pied = html[html.index("<tfoot>") : html.index("</tfoot>")]
    assert "363,80\u00a0€" in pied and "243,20\u00a0€" in pied
    solde = pied[pied.index('class="releve-solde"') :]
    assert "Ancien solde (reporté des années précédentes) : 0,00\u00a0€</span></th>" in solde
    assert "120,60\u00a0€" in solde and "(à payer)" in solde


def test_releve_plus_recentes_d_abord(client_parent, parent):
    regie = RegieFactory()
    for numero, jour in [("AL-5", 3), ("AL-6", 20), ("AL-7", 11)]:
        date_facture = datetime.date(2015, 4, jour)
        FactureFactory(famille=parent.famille, regie=regie, numero=numero, date_facture=date_facture)
    regler(parent.famille, regie, "5", date=datetime.date(2015, 4, 15), numero="AL-8", affecter=False)
    html = client_parent.get("/releve/", {"annee": "2014"}).content.decode()
    assert _operations_du_releve(html) == ["AL-6", "AL-8", "AL-7", "AL-5"]


def test_releve_annee_invalide_ou_sans_operation(client_parent, facture):
    for valeur in ("abc", "1990", "-1", ""):
        reponse = client_parent.get("/releve/", {"annee": valeur})
        assert reponse.status_code == 200
        assert '<option value="2014" selected>2014-2015</option>' in reponse.content.decode()


def test_releve_vide(client_parent):
    html = client_parent.get("/releve/").content.decode()
    assert "Aucune opération sur cette année scolaire." in html


def test_releve_d_une_autre_famille_invisible(client_parent, autre_parent):
    FactureFactory(famille=autre_parent.famille, numero="AL-999", date_facture=datetime.date.today())
    assert "AL-999" not in client_parent.get("/releve/").content.decode()


@pytest.mark.parametrize("nombre", [1, 30])
def test_releve_requetes_constantes(client_parent, parent, django_assert_max_num_queries, nombre):
    regie = RegieFactory()
    for _ in range(nombre):
        facture = FactureFactory(famille=parent.famille, regie=regie, date_facture=datetime.date.today())
        regler(parent.famille, regie, "1", factures=[facture])
    with django_assert_max_num_queries(10):
        assert client_parent.get("/releve/").status_code == 200


def test_annee_scolaire():
    assert selectors.annee_scolaire_de(datetime.date(2015, 4, 8)) == 2014
    assert selectors.annee_scolaire_de(datetime.date(2015, 9, 1)) == 2015
    assert selectors.annee_scolaire_de(datetime.date(2015, 8, 31)) == 2014


# --- Facture PDF ---------------------------------------------------------------------------


def test_pdf_contenu(client_parent, parent, facture):
    regler(parent.famille, facture.regie, "20.60", mode="especes", date=datetime.date(2015, 4, 9))
    reponse = client_parent.get(f"/releve/factures/{facture.pk}/pdf/")
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == 'inline; filename="facture-AL-36.pdf"'
    lecteur = PdfReader(io.BytesIO(reponse.content))
    assert len(lecteur.pages) == 1
    boite = lecteur.pages[0].mediabox
    assert (round(float(boite.width)), round(float(boite.height))) == (595, 842)  # A4
    texte = texte_pdf(reponse.content)
    for attendu in (
        "Facture N° AL-36",
        "CCAS de Lèves",
        "Régie garderie ALSH",
        parent.famille.numero,
        "1 rue de la Mairie",
        "08/04/2015",
        "du 01/04/2015 au 30/04/2015",
        "30/04/2015",
        "ALSH Mercredi après-midi",
        "12,50 €",
        "50,00 €",
        "Garderie matin",
        "18",
        "3,20 €",
        "57,60 €",
        "Restauration midi",
        "3,25 €",
        "13,00 €",
        "Total de la facture 120,60 €",
        "Déjà réglé 20,60 €",
        "Reste à payer 100,00 €",
        "En retard : l'échéance du 30/04/2015 est dépassée.",
    ):
        assert attendu in texte.replace("\u00a0", " ").replace("\u202f", " "), attendu


def _texte_pdf_de(client, facture) -> str:
    reponse = client.get(f"/releve/factures/{facture.pk}/pdf/")
    assert reponse.status_code == 200
    return texte_pdf(reponse.content).replace("\u00a0", " ").replace("\u202f", " ")


def test_pdf_en_retard_seulement_si_l_echeance_est_depassee(client_parent, parent):
    aujourdhui = datetime.date.today()
    a_venir = FactureFactory(
        famille=parent.famille,
        date_facture=aujourdhui,
        date_echeance=aujourdhui + datetime.timedelta(days=20),
    )
    texte = _texte_pdf_de(client_parent, a_venir)
    assert f"À régler avant le {a_venir.date_echeance:%d/%m/%Y}." in texte
    assert "retard" not in texte
    depassee = FactureFactory(
        famille=parent.famille,
        date_facture=aujourdhui - datetime.timedelta(days=40),
        date_echeance=aujourdhui - datetime.timedelta(days=1),
    )
    texte = _texte_pdf_de(client_parent, depassee)
    assert f"En retard : l'échéance du {depassee.date_echeance:%d/%m/%Y} est dépassée." in texte
    assert "Facture en retard : à régler dès que possible" in texte
    # Réglée : ni retard ni demande de paiement.
    regler(
        parent.famille, depassee.regie, depassee.montant, mode="especes", date=aujourdhui, factures=[depassee]
    )
    texte = _texte_pdf_de(client_parent, depassee)
    assert "retard" not in texte and "Facture réglée : il n'y a rien à payer." in texte


def test_pdf_n_imprime_le_numero_de_famille_qu_une_fois(client_parent, parent, facture):
    texte = _texte_pdf_de(client_parent, facture)
    assert texte.count(parent.famille.numero) == 1
    assert f"N° Famille {parent.famille.numero}" in texte


def test_pdf_lien_de_paiement_vers_l_adresse_publique(client_parent, parent, facture, settings):
    settings.PORTAIL_URL = "https://portail.leves.fr/"
    reponse = client_parent.get(f"/releve/factures/{facture.pk}/pdf/")
    lien = f"https://portail.leves.fr/releve/factures/{facture.pk}/payer/"
    assert lien in texte_pdf(reponse.content)
    page = PdfReader(io.BytesIO(reponse.content)).pages[0]
    liens = [a.get_object()["/A"]["/URI"] for a in page.get("/Annots", [])]
    assert liens == [lien]
    assert "127.0.0.1" not in texte_pdf(reponse.content)


def test_pdf_d_une_autre_famille_404(client, autre_parent, facture):
    client.force_login(autre_parent)
    assert client.get(f"/releve/factures/{facture.pk}/pdf/").status_code == 404


def test_pdf_anonyme_redirige_vers_la_connexion(client, facture):
    reponse = client.get(f"/releve/factures/{facture.pk}/pdf/")
    assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]


def test_pdf_pour_le_personnel(client, agent, facture):
    client.force_login(agent)
    reponse = client.get(f"/releve/factures/{facture.pk}/pdf/")
    assert reponse.status_code == 200
    assert "Facture N° AL-36" in texte_pdf(reponse.content)


def test_pdf_personnel_sans_droit_404(client, facture):
    from tests.factories import UtilisateurFactory

    client.force_login(UtilisateurFactory(is_staff=True))
    assert client.get(f"/releve/factures/{facture.pk}/pdf/").status_code == 404


def test_pdf_ne_charge_aucune_ressource(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    fetcher = pdf.RefusURLFetcher()
    html = (
        f'<link rel="stylesheet" href="file://{secret}"><img src="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/x.png"><p>Bonjour</p>'
    )
    contenu = pdf.html_en_pdf(html, fetcher=fetcher)
    assert f"file://{secret}" in fetcher.refusees
    assert "file:///etc/passwd" in fetcher.refusees
    assert "http://127.0.0.1:9/x.png" in fetcher.refusees
    assert "Bonjour" in texte_pdf(contenu)


def test_pdf_requetes_constantes(client_parent, parent, django_assert_max_num_queries):
    facture = FactureFactory(famille=parent.famille, lignes=[])
    for ordre in range(1, 40):
        LigneFacture.objects.create(
            facture=facture,
            ordre=ordre,
            enfant_nom="TOM",
            libelle="Garderie",
            quantite=1,
            prix_unitaire=1,
            montant=1,
        )
    with django_assert_max_num_queries(7):
        assert client_parent.get(f"/releve/factures/{facture.pk}/pdf/").status_code == 200
