"""Reçus de paiement : numéro (série par régie et année), contenu du PDF, lien du relevé,
isolement, requêtes, concurrence de la numérotation."""

import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.db import connection
from pypdf import PdfReader

from facturation import paiement as paiement_en_ligne
from facturation import services
from facturation.models import Reglement, SerieRecus
from tests.factories import FactureFactory, RegieFactory, ReglementFactory, famille_avec_parent, regler

pytestmark = pytest.mark.django_db


def texte_pdf(contenu: bytes) -> str:
    texte = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages)
    return " ".join(texte.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture
def regie():
    return RegieFactory(nom="Régie garderie ALSH", code="AL")


def _facture(famille, regie, numero, montant, jour=8):
    return FactureFactory(
        famille=famille,
        regie=regie,
        numero=numero,
        montant=Decimal(montant),
        date_facture=datetime.date(2015, 4, jour),
        periode_debut=datetime.date(2015, 3, 1),
        periode_fin=datetime.date(2015, 3, 31),
        lignes=[],
    )


@pytest.fixture
def cheque(parent, regie):
    """Un chèque importé de 300,00 € affecté à deux factures (243,20 + 50,00), 6,80 € en crédit."""
    al12 = _facture(parent.famille, regie, "AL-12", "243.20")
    al13 = _facture(parent.famille, regie, "AL-13", "50.00", jour=9)
    return regler(
        parent.famille,
        regie,
        "300.00",
        mode="cheque",
        date=datetime.date(2015, 4, 10),
        numero="AL-228",
        factures=[al12, al13],
    )


def _url(reglement) -> str:
    return f"/releve/reglements/{reglement.pk}/recu/"


def test_numerotation_par_regie_et_annee(parent, regie):
    autre = RegieFactory(code="CR")
    premiers = [
        regler(parent.famille, regie, "1", date=datetime.date(2015, 4, 8), numero="AL-1"),
        regler(parent.famille, regie, "1", date=datetime.date(2015, 1, 2), numero="AL-2"),
        regler(parent.famille, autre, "1", date=datetime.date(2015, 4, 8), numero="CR-1"),
        regler(parent.famille, regie, "1", date=datetime.date(2016, 1, 2), numero="AL-3"),
        regler(parent.famille, regie, "1", date=datetime.date(2015, 12, 31), numero="AL-4"),
    ]
    assert [Reglement.objects.get(pk=r.pk).numero_recu for r in premiers] == [
        "R-AL-2015-00001",
        "R-AL-2015-00002",
        "R-CR-2015-00001",
        "R-AL-2016-00001",
        "R-AL-2015-00003",
    ]
    # Un règlement déjà numéroté garde son numéro.
    reglement = Reglement.objects.get(pk=premiers[0].pk)
    services.recu_numero_attribuer(reglement=reglement)
    assert Reglement.objects.get(pk=reglement.pk).numero_recu == "R-AL-2015-00001"
    assert SerieRecus.objects.get(regie=regie, annee=2015).dernier_rang == 3


def test_recu_d_un_cheque_affecte_a_deux_factures_avec_un_credit(client_parent, cheque):
    reponse = client_parent.get(_url(cheque))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == 'inline; filename="recu-R-AL-2015-00001.pdf"'
    assert "no-store" in reponse["Cache-Control"] and "private" in reponse["Cache-Control"]
    texte = texte_pdf(reponse.content)
    for attendu in (
        "Reçu de paiement N° R-AL-2015-00001",
        "Régie garderie ALSH",
        "Date du paiement 10/04/2015",
        "Mode de paiement Chèque",
        "N° d'opération AL-228",
        "Montant reçu 300,00 €",
        "AL-12 08/04/2015 du 01/03/2015 au 31/03/2015 243,20 € 243,20 €",
        "AL-13 09/04/2015 du 01/03/2015 au 31/03/2015 50,00 € 50,00 €",
        "Affecté aux factures 293,20 €",
        "Crédit restant 6,80 €",
        "Le crédit restant de 6,80 € reste en votre faveur",
    ):
        assert attendu in texte, texte
    assert cheque.famille.numero in texte


def test_recu_stable_d_un_telechargement_a_l_autre(client_parent, cheque):
    premier = client_parent.get(_url(cheque)).content
    ReglementFactory(famille=cheque.famille, regie=cheque.regie, date=cheque.date)  # un reçu de plus
    assert client_parent.get(_url(cheque)).content == premier


def test_recu_d_un_paiement_carte(client_parent, parent, regie, settings):
    settings.DEMO = True
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    facture = FactureFactory(
        famille=parent.famille, regie=regie, numero="AL-36", montant=Decimal("120.60"), lignes=[]
    )
    tentative = paiement_en_ligne.paiement_demarrer(
        facture=facture, famille=parent.famille, email="recu@example.fr", url_base="http://testserver/"
    )
    paiement_en_ligne.banque_simulee_payer(paiement=tentative)
    tentative.refresh_from_db()
    assert tentative.statut == tentative.Statut.PAYEE
    reglement = tentative.reglement
    texte = texte_pdf(client_parent.get(_url(reglement)).content)
    annee = reglement.date.year
    assert f"Reçu de paiement N° R-AL-{annee}-00001" in texte
    assert "Mode de paiement Carte bancaire en ligne (Portail Famille)" in texte
    assert f"N° d'opération {reglement.numero}" in texte and reglement.numero.startswith("WEB-AL-")
    assert "Montant reçu 120,60 €" in texte
    assert "AL-36" in texte and "Crédit restant 0,00 €" in texte
    assert "reste en votre faveur" not in texte
    # La page de retour du paiement propose le reçu.
    html = client_parent.get(f"/releve/paiements/{tentative.pk}/").content.decode()
    assert f'<a href="{_url(reglement)}">Reçu (PDF)<span class="visually-hidden"> : télécharger' in html


def test_recu_d_un_avoir_sans_facture(client_parent, parent, regie):
    avoir = regler(parent.famille, regie, "15.00", mode="especes", numero="AL-9", affecter=False)
    texte = texte_pdf(client_parent.get(_url(avoir)).content)
    assert "Mode de paiement Espèces" in texte
    assert "n'est affecté à aucune facture" in texte and "Crédit restant 15,00 €" in texte


def test_lien_du_releve(client_parent, cheque):
    html = client_parent.get("/releve/", {"annee": "2014"}).content.decode()
    ligne = html[html.index(">AL-228</th>") :]
    ligne = ligne[: ligne.index("</tr>")]
    assert (
        f'<a class="icone-action icone-pdf" href="{_url(cheque)}">Reçu (PDF)'
        '<span class="visually-hidden"> : télécharger le reçu du règlement AL-228</span></a>'
    ) in ligne
    # Les factures n'ont pas de lien de reçu.
    assert html.count("/recu/") == 1


def test_recu_d_une_autre_famille_404(client, autre_parent, cheque):
    client.force_login(autre_parent)
    assert client.get(_url(cheque)).status_code == 404
    assert "AL-228" not in client.get("/releve/", {"annee": "2014"}).content.decode()


def test_recu_anonyme_redirige_vers_la_connexion(client, cheque):
    reponse = client.get(_url(cheque))
    assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]


def test_recu_pour_le_personnel(client, agent, cheque):
    client.force_login(agent)
    assert "R-AL-2015-00001" in texte_pdf(client.get(_url(cheque)).content)


def test_recu_personnel_sans_droit_404(client, cheque):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user("sans_droit", password="x", is_staff=True))
    assert client.get(_url(cheque)).status_code == 404


def test_reglement_sans_numero_de_recu_404(client_parent, parent, regie):
    ancien = ReglementFactory(famille=parent.famille, regie=regie, recu=False)
    assert client_parent.get(_url(ancien)).status_code == 404


def test_recu_requetes_constantes(client_parent, parent, regie, django_assert_num_queries):
    factures = [FactureFactory(famille=parent.famille, regie=regie, lignes=[]) for _ in range(30)]
    reglement = regler(parent.famille, regie, "10000", factures=factures)
    with django_assert_num_queries(5):
        assert client_parent.get(_url(reglement)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_numerotation_sure_en_concurrence():
    if connection.vendor != "postgresql":
        pytest.skip("verrous de lignes : PostgreSQL")
    famille = famille_avec_parent().famille
    regie = RegieFactory(code="AL")
    depart = threading.Barrier(4)
    erreurs = []

    def enregistrer(i):
        try:
            depart.wait()
            regler(famille, regie, "1", date=datetime.date(2015, 4, 8), numero=f"AL-{i}")
        except Exception as erreur:  # noqa: BLE001 — rapportée par le test
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=enregistrer, args=(i,)) for i in range(4)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert erreurs == []
    rangs = sorted(Reglement.objects.filter(regie=regie).values_list("recu_rang", flat=True))
    assert rangs == [1, 2, 3, 4]


def test_migration_numerote_les_reglements_deja_enregistres(parent, regie):
    """La migration 0006 numérote l'existant par régie et année, dans l'ordre des dates puis
    de l'enregistrement ; le service reprend après."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("facturation.migrations.0006_recus")
    autre = RegieFactory(code="CR")
    anciens = [
        Reglement.objects.create(
            regie=r, numero=f"X-{i}", famille=parent.famille, date=date, mode="cheque", montant=Decimal("1")
        )
        for i, (r, date) in enumerate(
            [
                (regie, datetime.date(2015, 6, 1)),
                (regie, datetime.date(2015, 2, 1)),
                (autre, datetime.date(2015, 6, 1)),
                (regie, datetime.date(2014, 12, 31)),
            ]
        )
    ]
    migration.numeroter(apps, None)
    assert [Reglement.objects.get(pk=r.pk).numero_recu for r in anciens] == [
        "R-AL-2015-00002",
        "R-AL-2015-00001",
        "R-CR-2015-00001",
        "R-AL-2014-00001",
    ]
    suivant = regler(parent.famille, regie, "1", date=datetime.date(2015, 9, 1), numero="AL-900")
    assert suivant.numero_recu == "R-AL-2015-00003"


def test_admin_du_reglement_donne_son_recu(client, agent, cheque):
    client.force_login(agent)
    html = client.get(f"/admin/facturation/reglement/{cheque.pk}/change/").content.decode()
    assert f'<a href="{_url(cheque)}">recu-R-AL-2015-00001.pdf</a>' in html


def test_import_numerote_les_recus_a_la_fin_par_date(parent, regie, tmp_path):
    from facturation import importation

    ReglementFactory(regie=regie, date=datetime.date(2015, 1, 5))  # R-AL-2015-00001, déjà là
    numero = parent.famille.numero
    fichier = tmp_path / "reglements.csv"
    fichier.write_text(
        "numero_reglement;numero_famille;regie;date;mode;montant\n"
        f"AL-301;{numero};AL;10/04/2015;Chèque;10,00\n"
        f"AL-302;{numero};AL;08/04/2015;Espèces;5,00\n"
        f"AL-303;{numero};AL;02/01/2016;CESU;7,00\n"
        f"AL-304;{numero};AL;09/04/2015;Virement;8,00\n",
        encoding="utf-8",
    )
    importation.reglements_importer(chemin=fichier)
    recus = {
        r.numero: r.numero_recu
        for r in Reglement.objects.filter(numero__startswith="AL-30").select_related("regie")
    }
    assert recus == {
        "AL-302": "R-AL-2015-00002",
        "AL-304": "R-AL-2015-00003",
        "AL-301": "R-AL-2015-00004",
        "AL-303": "R-AL-2016-00001",
    }
