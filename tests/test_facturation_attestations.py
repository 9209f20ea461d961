"""Attestation de frais de garde : règles de calcul (pures et en base), PDF, page du relevé."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from facturation import attestations, pdf
from facturation.attestations import FactureDonnees, Ligne, garde_par_enfant, moins_de_six_ans, repartir
from facturation.models import LigneFacture
from tests.factories import EnfantFactory, FactureFactory, RegieFactory, famille_avec_parent, regler

D = Decimal
J = datetime.date


def texte_pdf(contenu: bytes) -> str:
    """Le texte du PDF, retours à la ligne et espaces ordinaires réduits à une espace (les
    espaces insécables des montants restent)."""
    texte = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages)
    return re.sub(r"[ \n]+", " ", texte)


# --- Règles pures -------------------------------------------------------------------------------


def test_moins_de_six_ans_au_premier_janvier():
    assert moins_de_six_ans(J(2019, 1, 2), 2025)  # 6 ans le 2 janvier 2025 : compte
    assert not moins_de_six_ans(J(2019, 1, 1), 2025)  # 6 ans pile le 1er janvier
    assert moins_de_six_ans(J(2019, 7, 14), 2025)  # a 6 ans pendant l'année : compte
    assert moins_de_six_ans(J(2025, 3, 1), 2025)  # né pendant l'année : compte
    assert not moins_de_six_ans(J(2018, 12, 31), 2025)
    assert not moins_de_six_ans(J(2026, 1, 1), 2025)  # pas encore né


def test_repartir_au_prorata_en_centimes_exacts():
    assert repartir(D("100.00"), [D("50.00"), D("50.00")]) == [D("50.00"), D("50.00")]
    # 10 € sur trois lignes égales : 3,34 + 3,33 + 3,33 (le centime restant à la première).
    assert repartir(D("10.00"), [D("10.00"), D("10.00"), D("10.00")]) == [D("3.34"), D("3.33"), D("3.33")]
    parts = repartir(D("33.33"), [D("50.00"), D("57.60"), D("13.00")])
    assert sum(parts) == D("33.33")
    assert parts == [D("13.82"), D("15.92"), D("3.59")]
    assert repartir(D("120.60"), [D("50.00"), D("57.60"), D("13.00")]) == [D("50.00"), D("57.60"), D("13.00")]
    assert repartir(D("0"), [D("5.00")]) == [D("0.00")]


def test_facture_payee_sur_deux_annees_s_additionne_exactement():
    lignes = [Ligne(1, "garde", D("10.00")), Ligne(1, "repas", D("10.00")), Ligne(2, "garde", D("10.00"))]
    facture = FactureDonnees(
        date=J(2024, 12, 1),
        lignes=lignes,
        paiements=[(J(2024, 12, 20), D("10.00")), (J(2025, 1, 5), D("20.00"))],
    )
    annee_2024 = garde_par_enfant([facture], 2024)
    annee_2025 = garde_par_enfant([facture], 2025)
    assert annee_2024 == {1: D("3.34"), 2: D("3.33")}
    assert annee_2025 == {1: D("6.66"), 2: D("6.67")}


def test_paiement_du_31_decembre_et_du_1er_janvier():
    facture = FactureDonnees(
        J(2024, 12, 1),
        [Ligne(1, "garde", D("30.00"))],
        [(J(2024, 12, 31), D("10.00")), (J(2025, 1, 1), D("20.00"))],
    )
    assert garde_par_enfant([facture], 2024) == {1: D("10.00")}
    assert garde_par_enfant([facture], 2025) == {1: D("20.00")}


def test_avoir_deduit_et_jamais_negatif():
    facture = FactureDonnees(J(2025, 3, 1), [Ligne(1, "garde", D("40.00"))], [(J(2025, 3, 10), D("40.00"))])
    avoir = FactureDonnees(J(2025, 6, 1), [Ligne(1, "garde", D("-15.00")), Ligne(1, "repas", D("-5.00"))])
    assert garde_par_enfant([facture, avoir], 2025) == {1: D("25.00")}
    gros_avoir = FactureDonnees(J(2025, 6, 1), [Ligne(1, "garde", D("-50.00"))])
    assert garde_par_enfant([facture, gros_avoir], 2025) == {1: D("0.00")}
    assert garde_par_enfant([facture, avoir], 2026) == {}


# --- En base --------------------------------------------------------------------------------------


def facture_avec_lignes(famille, regie, date, lignes, numero=None):
    """lignes : (enfant, nature, montant) ; quantité 1."""
    total = sum((D(m) for _, _, m in lignes), D("0"))
    facture = FactureFactory(
        famille=famille,
        regie=regie,
        date_facture=date,
        date_echeance=date + datetime.timedelta(days=30),
        periode_debut=date.replace(day=1),
        periode_fin=date,
        montant=total,
        lignes=[],
        **({"numero": numero} if numero else {}),
    )
    for ordre, (enfant, nature, montant) in enumerate(lignes, 1):
        LigneFacture.objects.create(
            facture=facture,
            ordre=ordre,
            enfant_nom=enfant.prenom if enfant else "",
            enfant=enfant,
            libelle=f"{nature} {ordre}",
            quantite=D("1"),
            prix_unitaire=D(montant),
            montant=D(montant),
            nature=nature,
        )
    return facture


@pytest.fixture
def cas(db):
    """Une famille : Léa (6 ans le 10/03/2025), Tom (né le 15/04/2025), Paul (7 ans en 2025)."""
    parent = famille_avec_parent()
    famille = parent.famille
    regie = RegieFactory(code="AL", nom="Régie garderie ALSH")
    lea = EnfantFactory(famille=famille, prenom="Léa", nom="MARTIN", date_naissance=J(2019, 3, 10))
    tom = EnfantFactory(famille=famille, prenom="Tom", nom="MARTIN", date_naissance=J(2025, 4, 15))
    paul = EnfantFactory(famille=famille, prenom="Paul", nom="MARTIN", date_naissance=J(2017, 9, 1))
    return parent, famille, regie, lea, tom, paul


def test_attestation_cas_difficiles(cas):
    parent, famille, regie, lea, tom, paul = cas
    # Décembre 2024 payé en janvier 2025 : compte en 2025.
    decembre = facture_avec_lignes(famille, regie, J(2024, 12, 31), [(lea, "garde", "30.00")])
    regler(famille, regie, "30.00", date=J(2025, 1, 8), factures=[decembre])
    # Garde et repas mêlés, payés en entier en 2025 ; Paul (7 ans) ne compte pas.
    mars = facture_avec_lignes(
        famille,
        regie,
        J(2025, 3, 31),
        [(lea, "garde", "50.00"), (lea, "repas", "13.00"), (paul, "garde", "20.00")],
    )
    regler(famille, regie, "83.00", date=J(2025, 4, 10), factures=[mars])
    # Facture de Tom payée en partie : 40 € sur 60 € (garde 40, repas 20) → 26,67 € de garde.
    octobre = facture_avec_lignes(
        famille, regie, J(2025, 10, 31), [(tom, "garde", "40.00"), (tom, "repas", "20.00")]
    )
    regler(famille, regie, "40.00", date=J(2025, 11, 5), factures=[octobre])
    # Avoir de 5 € sur la garde de Léa en 2025.
    facture_avec_lignes(famille, regie, J(2025, 6, 15), [(lea, "garde", "-5.00")])
    # Une facture de 2025 payée en 2026 : ne compte pas en 2025.
    novembre = facture_avec_lignes(famille, regie, J(2025, 11, 30), [(lea, "garde", "99.00")])
    regler(famille, regie, "99.00", date=J(2026, 1, 3), factures=[novembre])

    resultat = attestations.attestation(famille=famille, annee=2025)
    assert [(e.enfant.prenom, e.montant, e.case) for e in resultat.enfants] == [
        ("Léa", D("75.00"), "7GA"),
        ("Tom", D("26.67"), "7GB"),
    ]
    assert resultat.total == D("101.67")
    # 2024 : la facture de décembre n'était pas encore payée.
    assert attestations.attestation(famille=famille, annee=2024).enfants == []
    # 2026 : Léa a 6 ans au 1er janvier 2026 : sa facture payée en janvier 2026 ne compte pas.
    assert attestations.attestation(famille=famille, annee=2026).enfants == []


def test_autre_famille_sans_effet(cas):
    parent, famille, regie, lea, tom, paul = cas
    autre = famille_avec_parent().famille
    enfant_autre = EnfantFactory(famille=autre, date_naissance=J(2022, 1, 1))
    facture = facture_avec_lignes(autre, regie, J(2025, 2, 1), [(enfant_autre, "garde", "80.00")])
    regler(autre, regie, "80.00", date=J(2025, 2, 10), factures=[facture])
    assert attestations.attestation(famille=famille, annee=2025).enfants == []
    assert attestations.annees_disponibles(famille=famille, aujourd_hui=J(2026, 12, 2)) == []
    assert attestations.annees_disponibles(famille=autre, aujourd_hui=J(2026, 12, 2)) == [2025]


def test_annees_disponibles_a_partir_du_premier_janvier_suivant(cas):
    parent, famille, regie, lea, tom, paul = cas
    for annee in (2024, 2026):
        facture = facture_avec_lignes(
            famille, regie, J(annee, 2, 1), [(tom if annee == 2026 else lea, "garde", "10.00")]
        )
        regler(famille, regie, "10.00", date=J(annee, 2, 10), factures=[facture])
    # Paul seul (7 ans) : pas d'attestation pour 2025.
    facture = facture_avec_lignes(famille, regie, J(2025, 2, 1), [(paul, "garde", "10.00")])
    regler(famille, regie, "10.00", date=J(2025, 2, 10), factures=[facture])
    assert attestations.annees_disponibles(famille=famille, aujourd_hui=J(2026, 12, 2)) == [2024]
    assert attestations.annees_disponibles(famille=famille, aujourd_hui=J(2027, 1, 1)) == [2026, 2024]


def test_pdf_de_l_attestation(cas, settings):
    settings.CCAS_SIRET = "262 800 123 00017"
    parent, famille, regie, lea, tom, paul = cas
    facture = facture_avec_lignes(
        famille, regie, J(2025, 3, 31), [(lea, "garde", "1234.50"), (lea, "repas", "13.00")]
    )
    regler(famille, regie, "1247.50", date=J(2025, 4, 10), factures=[facture])
    texte = texte_pdf(pdf.attestation_pdf(attestations.attestation(famille=famille, annee=2025)))
    assert "Attestation de frais de garde — année 2025" in texte
    assert settings.NOM_CCAS in texte and settings.CCAS_ADRESSE in texte
    assert "SIRET : 262 800 123 00017" in texte
    assert "Léa MARTIN" in texte and "10/03/2019" in texte
    assert "1\u202f234,50\u00a0€" in texte and "1\u202f247,50" not in texte
    assert "article 200 quater B du code général des impôts" in texte
    assert "Case 7GA : 1\u202f234,50 € — frais de garde de Léa MARTIN, né(e) le 10/03/2019" in texte


def test_releve_liste_les_attestations_et_pdf_isole(cas, client):
    parent, famille, regie, lea, tom, paul = cas
    facture = facture_avec_lignes(famille, regie, J(2025, 3, 31), [(lea, "garde", "42.00")])
    regler(famille, regie, "42.00", date=J(2025, 4, 10), factures=[facture])
    client.force_login(parent)
    page = client.get(reverse("facturation:releve")).content.decode()
    url = reverse("facturation:attestation_pdf", args=[2025])
    assert "Attestations fiscales" in page and url in page
    reponse = client.get(url)
    assert reponse.status_code == 200 and reponse["Content-Type"] == "application/pdf"
    assert "42,00 €" in texte_pdf(reponse.content)
    assert client.get(reverse("facturation:attestation_pdf", args=[2024])).status_code == 404
    client.force_login(famille_avec_parent())
    assert client.get(url).status_code == 404


# --- Import : la colonne facultative « nature » -----------------------------------------------------

ENTETE_NATURE = (
    "numero_facture;numero_famille;regie;date_facture;date_echeance;periode_debut;"
    "periode_fin;enfant;libelle;quantite;prix_unitaire;montant;nature"
)


def _csv(tmp_path, lignes, entete=ENTETE_NATURE):
    chemin = tmp_path / "factures.csv"
    chemin.write_text("\n".join([entete, *lignes]) + "\n", encoding="utf-8")
    return chemin


def _ligne(libelle, montant, nature=None, numero="AL-1"):
    champs = [numero, "1001001818331", "AL", "08/04/2025", "30/04/2025", "01/04/2025", "30/04/2025"]
    champs += ["LÉA", libelle, "1", montant, montant]
    if nature is not None:
        champs.append(nature)
    return ";".join(champs)


@pytest.mark.django_db
def test_import_nature_lue_ou_par_defaut_de_la_regie(tmp_path):
    from django.core.management import call_command

    from facturation import demo
    from tests.factories import FamilleFactory

    regie = demo.regie_creer()
    regie.nature_par_defaut = "autre"
    regie.save()
    famille = FamilleFactory(numero="1001001818331")
    lea = EnfantFactory(famille=famille, prenom="Léa", nom="MARTIN")
    chemin = _csv(
        tmp_path,
        [
            _ligne("Garderie", "10,00", "Garde"),
            _ligne("Repas", "3,25", "REPAS"),
            _ligne("Sortie", "5,00", ""),
        ],
    )
    call_command("importer_factures", str(chemin), stdout=io.StringIO())
    assert list(LigneFacture.objects.order_by("ordre").values_list("libelle", "nature", "enfant")) == [
        ("Garderie", "garde", lea.pk),
        ("Repas", "repas", lea.pk),
        ("Sortie", "autre", lea.pk),
    ]
    # Rejoué à l'identique : ignoré.
    call_command("importer_factures", str(chemin), stdout=io.StringIO())
    assert LigneFacture.objects.count() == 3
    # Sans la colonne : la nature par défaut de la régie.
    sans = _csv(
        tmp_path, [_ligne("Garderie", "10,00", numero="AL-2")], entete=ENTETE_NATURE.removesuffix(";nature")
    )
    call_command("importer_factures", str(sans), stdout=io.StringIO())
    assert LigneFacture.objects.get(facture__numero="AL-2").nature == "autre"


@pytest.mark.django_db
def test_import_nature_inconnue_refusee_avec_la_ligne_tout_ou_rien(tmp_path):
    from django.core.management import CommandError, call_command

    from facturation import demo
    from facturation.models import Facture
    from tests.factories import FamilleFactory

    demo.regie_creer()
    FamilleFactory(numero="1001001818331")
    chemin = _csv(
        tmp_path,
        [
            _ligne("Garderie", "10,00", "garde", numero="AL-1"),
            _ligne("Goûter", "1,00", "gouter", numero="AL-2"),
        ],
    )
    erreurs = io.StringIO()
    with pytest.raises(CommandError):
        call_command("importer_factures", str(chemin), stdout=io.StringIO(), stderr=erreurs)
    assert (
        "Ligne 3, colonne « nature » : nature inconnue « gouter » (attendu : garde, repas ou autre, ou vide)"
        in erreurs.getvalue()
    )
    assert Facture.objects.count() == 0


@pytest.mark.django_db
def test_demo_attestation_2025_de_la_famille_dupont():
    from enfants import demo as enfants_demo
    from facturation import demo
    from familles import demo as familles_demo
    from familles.models import Famille

    familles_demo.creer()
    enfants_demo.creer()
    demo.creer()
    dupont = Famille.objects.get(numero=familles_demo.NUMERO_DUPONT)
    resultat = attestations.attestation(famille=dupont, annee=2025)
    assert [(e.enfant.prenom, e.montant, e.case) for e in resultat.enfants] == [("TOM", D("48.00"), "7GA")]
    assert attestations.annees_disponibles(famille=dupont, aujourd_hui=J(2026, 12, 2)) == [2025]


@pytest.mark.django_db
def test_import_d_un_avoir_deduit_de_l_attestation(tmp_path):
    from django.core.management import CommandError, call_command

    from facturation import demo
    from facturation.models import Facture
    from tests.factories import FamilleFactory

    regie = demo.regie_creer()
    famille = FamilleFactory(numero="1001001818331")
    lea = EnfantFactory(famille=famille, prenom="Léa", nom="MARTIN", date_naissance=J(2022, 1, 5))
    # Signes mêlés dans une facture : refusé, rien n'est écrit.
    mele = _csv(tmp_path, [_ligne("Garderie", "10,00", "garde"), _ligne("Correction", "-2,00", "garde")])
    erreurs = io.StringIO()
    with pytest.raises(CommandError):
        call_command("importer_factures", str(mele), stdout=io.StringIO(), stderr=erreurs)
    assert "mêle des lignes positives et négatives" in erreurs.getvalue()
    assert Facture.objects.count() == 0
    chemin = _csv(
        tmp_path,
        [
            _ligne("Garderie", "40,00", "garde", numero="AL-1"),
            _ligne("Avoir garderie", "-6,50", "garde", numero="AL-2"),
            _ligne("Avoir repas", "-3,25", "repas", numero="AL-2"),
        ],
    )
    call_command("importer_factures", str(chemin), stdout=io.StringIO())
    assert Facture.objects.get(numero="AL-2").montant == D("-9.75")
    regler(famille, regie, "40.00", date=J(2025, 4, 20), factures=[Facture.objects.get(numero="AL-1")])
    resultat = attestations.attestation(famille=famille, annee=2025)
    assert [(e.enfant, e.montant) for e in resultat.enfants] == [(lea, D("33.50"))]
