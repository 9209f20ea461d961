"""Mandats SEPA : ICS, RUM, création à l'acceptation seulement, amendement, révocation, export."""

import csv
import io

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.core.management import call_command

from demandes import services as demandes_services
from facturation import sepa
from facturation.models import EvenementMandat, Mandat
from facturation.services import mandats_exporter
from familles.models import Famille
from tests.factories import demande_creer

pytestmark = pytest.mark.django_db

ICS = "FR72ZZZ123456"  # l'exemple des guides bancaires
IBAN = "FR7630006000011234567890189"
IBAN_2 = "FR1420041010050500013M02606"


@pytest.fixture(autouse=True)
def _ics(settings):
    settings.CCAS_ICS = ICS


def _accepter(parent, agent, donnees):
    demande = demande_creer(parent, "bancaires", donnees)
    demandes_services.demande_accepter(demande=demande, agent=agent)
    return demande


PRELEVEMENT = {
    "iban": IBAN,
    "titulaire_compte": "DUPONT JEAN",
    "bic": "AGRIFRPP",
    "prelevement_automatique": True,
    "consentement_sepa": True,
}


def test_cle_ics_calculee_comme_l_iban():
    assert sepa.ics_cle(pays="FR", identifiant="123456") == "72"
    assert sepa.ics_normaliser("fr72 zzz 123456") == ICS
    # ICS publié de la DGFiP (mandats de prélèvement des impôts).
    assert sepa.ics_normaliser("FR46ZZZ005002") == "FR46ZZZ005002"


@pytest.mark.parametrize("faux", ["FR15ZZZ123456", "FR72ZZZ12345", "DE72ZZZ123456", "", "FR15ZZ1234567"])
def test_ics_invalide_refuse(faux):
    with pytest.raises(ValidationError):
        sepa.ics_normaliser(faux)


def test_controle_au_demarrage(settings):
    assert not [e for e in run_checks() if e.id == "facturation.E001"]
    settings.CCAS_ICS = "FR99ZZZ123456"
    erreurs = [e for e in run_checks() if e.id == "facturation.E001"]
    assert len(erreurs) == 1 and "FR99ZZZ123456" in erreurs[0].msg


def test_rum_format():
    rum = sepa.rum_construire(numero_famille="0000000000042", rang=1)
    assert rum == "PF-0000000000042-001"
    assert len(rum) <= 35 and sepa.rum_valide(rum)
    assert not sepa.rum_valide("PF_é") and not sepa.rum_valide("X" * 36)


def test_rien_avant_acceptation_puis_mandat(parent, agent):
    demande = demande_creer(parent, "bancaires", PRELEVEMENT)
    assert not Mandat.objects.exists()
    demandes_services.demande_accepter(demande=demande, agent=agent)
    mandat = Mandat.objects.get()
    assert mandat.famille == parent.famille and mandat.iban == IBAN and mandat.bic == "AGRIFRPP"
    assert mandat.rum == f"PF-{parent.famille.numero}-001" and mandat.ics == ICS
    assert mandat.titulaire == "DUPONT JEAN" and mandat.date_signature and mandat.adresse
    assert list(mandat.evenements.values_list("nature", flat=True)) == ["creation"]


def test_refus_ne_cree_pas_de_mandat(parent, agent):
    demande = demande_creer(parent, "bancaires", PRELEVEMENT)
    demandes_services.demande_refuser(demande=demande, agent=agent, motif="Pièce manquante")
    assert not Mandat.objects.exists()


def test_changement_d_iban_amende_avec_la_meme_rum(parent, agent):
    _accepter(parent, agent, PRELEVEMENT)
    rum = Mandat.objects.get().rum
    _accepter(parent, agent, {"iban": IBAN_2, "bic": "PSSTFRPP"})
    mandat = Mandat.objects.get()
    assert mandat.rum == rum and mandat.iban == IBAN_2 and mandat.bic == "PSSTFRPP"
    amendement = mandat.evenements.get(nature="amendement")
    assert amendement.iban_precedent == IBAN and amendement.bic_precedent == "AGRIFRPP"


def test_arret_du_prelevement_revoque_puis_nouvelle_rum(parent, agent):
    _accepter(parent, agent, PRELEVEMENT)
    _accepter(parent, agent, {"prelevement_automatique": False})
    mandat = Mandat.objects.get()
    assert mandat.date_revocation is not None
    assert mandat.evenements.filter(nature="revocation").count() == 1
    _accepter(parent, agent, {"prelevement_automatique": True, "consentement_sepa": True})
    assert Mandat.objects.filter(date_revocation__isnull=True).get().rum.endswith("-002")
    assert Mandat.objects.values("rum").distinct().count() == 2


def test_export_csv_une_seule_fois(parent, agent):
    _accepter(parent, agent, PRELEVEMENT)
    _accepter(parent, agent, {"iban": IBAN_2, "bic": "PSSTFRPP"})
    sortie = io.StringIO()
    assert mandats_exporter(sortie=sortie) == 2
    texte = sortie.getvalue()
    assert texte.startswith("\ufeff")
    lignes = list(csv.reader(io.StringIO(texte[1:]), delimiter=";"))
    assert lignes[0][:3] == ["Nature", "RUM", "ICS"]
    rum = f"PF-{parent.famille.numero}-001"
    assert lignes[1][:4] == ["Nouveau", rum, ICS, parent.famille.numero]
    assert lignes[2][0] == "Amendé" and lignes[2][6] == IBAN_2 and lignes[2][10] == IBAN
    # La création exportée avec son amendement garde le compte signé à la création.
    assert lignes[1][6:8] == [IBAN, "AGRIFRPP"]
    assert lignes[1][8].count("/") == 2 and len(lignes[1][8]) == 10  # jj/mm/aaaa
    assert not EvenementMandat.objects.filter(exporte_le__isnull=True).exists()
    assert mandats_exporter(sortie=io.StringIO()) == 0


def test_commande_exporter_mandats(parent, agent, tmp_path):
    _accepter(parent, agent, PRELEVEMENT)
    _accepter(parent, agent, {"prelevement_automatique": False})
    fichier = tmp_path / "mandats.csv"
    call_command("exporter_mandats", str(fichier), stdout=io.StringIO())
    contenu = fichier.read_bytes()
    assert contenu.startswith(b"\xef\xbb\xbf")
    lignes = contenu.decode("utf-8-sig").splitlines()
    assert [ligne.split(";")[0] for ligne in lignes[1:]] == ["Nouveau", "Révoqué"]


def test_commande_sans_fichier_ecrit_n_exporte_rien(parent, agent, tmp_path):
    """Un fichier impossible à écrire (dossier absent) : les mouvements restent à exporter."""
    _accepter(parent, agent, PRELEVEMENT)
    with pytest.raises(FileNotFoundError):
        call_command("exporter_mandats", str(tmp_path / "absent" / "mandats.csv"), stdout=io.StringIO())
    assert EvenementMandat.objects.filter(exporte_le__isnull=True).count() == 1


def test_sans_ics_aucun_mandat(parent, agent, settings):
    settings.CCAS_ICS = ""
    _accepter(parent, agent, PRELEVEMENT)
    assert Famille.objects.get(pk=parent.famille.pk).prelevement_automatique
    assert not Mandat.objects.exists()


def _donner(utilisateur, *codenames):
    from django.contrib.auth.models import Permission

    utilisateur.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def test_admin_export_reserve_a_la_permission(client, parent, agent):
    _accepter(parent, agent, PRELEVEMENT)
    client.force_login(agent)
    _donner(agent, "view_mandat")
    if agent.has_perm("facturation.exporter_mandats"):
        pytest.fail("l'agent ne doit pas avoir la permission d'export par défaut")
    liste = client.get("/admin/facturation/mandat/")
    assert liste.status_code == 200 and "Exporter les mandats" not in liste.content.decode()
    assert client.post("/admin/facturation/mandat/exporter/").status_code == 403
    assert EvenementMandat.objects.filter(exporte_le__isnull=True).count() == 1


def test_admin_export_avec_la_permission(client, parent, agent):
    from django.contrib.auth import get_user_model

    _accepter(parent, agent, PRELEVEMENT)
    _donner(agent, "view_mandat", "exporter_mandats")
    agent = get_user_model().objects.get(pk=agent.pk)  # cache des permissions vidé
    client.force_login(agent)
    assert "Exporter les mandats" in client.get("/admin/facturation/mandat/").content.decode()
    reponse = client.post("/admin/facturation/mandat/exporter/")
    assert reponse.status_code == 200 and reponse["Content-Type"].startswith("text/csv")
    contenu = reponse.content.decode("utf-8")
    assert contenu.startswith("\ufeff") and f"PF-{parent.famille.numero}-001" in contenu
    deuxieme = client.post("/admin/facturation/mandat/exporter/").content.decode("utf-8")
    assert len(deuxieme.splitlines()) == 1  # l'en-tête seul : déjà exporté


def test_pdf_du_mandat_pour_la_famille_seulement(client_parent, parent, agent, client):
    from django.urls import reverse

    from facturation import pdf
    from facturation.selectors import mandat_detail
    from tests.factories import FamilleFactory

    _accepter(parent, agent, PRELEVEMENT)
    _accepter(parent, agent, {"iban": IBAN_2, "bic": "PSSTFRPP"})
    mandat = Mandat.objects.get()
    html = pdf.mandat_html(mandat_detail(famille=parent.famille, pk=mandat.pk))
    assert mandat.rum in html and ICS in html and "FR14 2004 1010 0505 0001 3M02 606" in html and "DUPONT JEAN" in html
    assert f"IBAN précédent {IBAN}" in html
    url = reverse("facturation:mandat_pdf", args=[mandat.pk])
    reponse = client_parent.get(url)
    assert reponse.status_code == 200 and reponse.content.startswith(b"%PDF")
    with pytest.raises(Mandat.DoesNotExist):
        mandat_detail(famille=FamilleFactory(), pk=mandat.pk)


def test_lien_du_mandat_dans_mon_compte(client_parent, parent, agent):
    from django.urls import reverse

    assert "Télécharger le mandat" not in client_parent.get(reverse("familles:compte")).content.decode()
    _accepter(parent, agent, PRELEVEMENT)
    mandat = Mandat.objects.get()
    html = client_parent.get(reverse("familles:compte")).content.decode()
    assert reverse("facturation:mandat_pdf", args=[mandat.pk]) in html and mandat.rum in html


@pytest.mark.parametrize(
    ("iban", "bic", "erreur"),
    [(IBAN, "AGRIFRPP", None), (IBAN[:-1] + "8", "", "iban"), (IBAN, "AGRIFRP", "bic")],
)
def test_iban_et_bic_valides_par_schwifty_dans_l_administration(parent, iban, bic, erreur):
    from django.forms import modelform_factory

    from familles.admin import FamilleAdminForm

    classe = modelform_factory(Famille, form=FamilleAdminForm, fields=("iban", "bic"))
    formulaire = classe(instance=parent.famille, data={"iban": iban, "bic": bic})
    assert formulaire.is_valid() is (erreur is None)
    assert list(formulaire.errors) == ([erreur] if erreur else [])


def test_la_demonstration_a_un_mandat_visible_dans_mon_compte(client):
    """La famille MARTIN de la démonstration paie par prélèvement : son mandat est créé avec l'ICS
    de démonstration, la ligne de Mon compte mène au PDF."""
    from django.core.management import call_command

    from familles.demo import IDENTIFIANT_MARTIN, NUMERO_MARTIN
    from familles.models import Utilisateur

    call_command("demo", force=True, verbosity=0)
    call_command("demo", force=True, verbosity=0)  # relancée : toujours un seul mandat
    (mandat,) = Mandat.objects.filter(famille__numero=NUMERO_MARTIN)
    assert mandat.rum == f"PF-{NUMERO_MARTIN}-001" and mandat.ics == "FR72ZZZ123456"
    assert mandat.evenements.count() == 1
    utilisateur = Utilisateur.objects.get(username=IDENTIFIANT_MARTIN)
    utilisateur.doit_changer_mot_de_passe = False
    utilisateur.save()
    client.force_login(utilisateur)
    page = client.get("/compte/").content.decode()
    assert mandat.rum in page and f"/releve/mandats/{mandat.pk}/pdf/" in page
    pdf = client.get(f"/releve/mandats/{mandat.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    texte = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert mandat.rum in texte and "FR72ZZZ123456" in texte and "SOPHIE MARTIN" in texte
    assert "FR76 3000 6000 0112 3456 7890 189" in texte  # groupé par quatre, comme sur papier
    # Un mandat n'appartient à aucune régie : pas de « Code régie : » vide dans l'en-tête.
    assert "régie" not in texte
