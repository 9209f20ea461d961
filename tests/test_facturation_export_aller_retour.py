"""L'aller-retour avec le logiciel de facturation : un mois de consommations exporté, un petit
« logiciel de facturation » (ci-dessous) qui en fait des factures au tarif, l'import de ces
factures (importer_factures), le relevé qui les montre, le paiement et son reçu."""

import csv
import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from facturation.exportation import consommations_exporter
from facturation.models import Facture
from tests.factories import (
    AbsenceFactory,
    ActiviteFactory,
    EnfantFactory,
    InscriptionFactory,
    PresenceFactory,
    RegieFactory,
    ReservationFactory,
    StructureFactory,
    regler,
)

pytestmark = pytest.mark.django_db

TARIF = {"GARM": Decimal("3.20"), "SOIR": Decimal("2.10")}  # € par jour, € par heure


def logiciel_de_facturation(export: bytes, *, numero_depart: int) -> str:
    """Le CSV des consommations → le CSV des factures (une par famille, une ligne par enfant et
    activité : les jours facturables × le tarif du code de facturation)."""
    lignes = csv.DictReader(io.StringIO(export.decode("utf-8-sig")), delimiter=";")
    quantites: dict[tuple, Decimal] = defaultdict(Decimal)
    for ligne in lignes:
        if ligne["facturable"] == "oui":
            cle = (
                ligne["numero_famille"],
                ligne["regie"],
                ligne["enfant"],
                ligne["activite"],
                ligne["code_facturation"],
            )
            quantites[cle] += Decimal(ligne["quantite"].replace(",", "."))
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(
        ["numero_facture", "numero_famille", "regie", "date_facture", "date_echeance", "periode_debut",
         "periode_fin", "enfant", "libelle", "quantite", "prix_unitaire", "montant"]
    )  # fmt: skip
    numeros: dict[str, str] = {}
    for (famille, regie, enfant, activite, code), quantite in sorted(quantites.items()):
        numero = numeros.setdefault(famille, f"{regie}-{numero_depart + len(numeros)}")
        prix = TARIF[code]
        montant = (quantite * prix).quantize(Decimal("0.01"))
        ecrivain.writerow(
            [numero, famille, regie, "01/12/2026", "31/12/2026", "01/11/2026", "30/11/2026", enfant,
             activite, f"{quantite}".replace(".", ","), f"{prix}".replace(".", ","),
             f"{montant}".replace(".", ",")]
        )  # fmt: skip
    return sortie.getvalue()


def test_mois_exporte_facture_importe_paye_et_recu(parent, client, tmp_path):
    client.force_login(parent)
    structure = StructureFactory(nom="Accueil Jules Ferry")
    regie = RegieFactory(code="AL")
    regie.structures.add(structure)
    garderie = ActiviteFactory(structure=structure, nom="Garderie matin", code_facturation="GARM")
    soir = ActiviteFactory(
        structure=structure, nom="Accueil du soir", code_facturation="SOIR", duree_heures=Decimal("1.5")
    )
    enfant = EnfantFactory(famille=parent.famille, nom="DUPONT", prenom="LÉA")
    inscription = InscriptionFactory(enfant=enfant, activite=garderie, jours_reguliers="0")  # 5 lundis
    AbsenceFactory(inscription=inscription, date=datetime.date(2026, 11, 16), etat="excusee")  # non facturé
    PresenceFactory(inscription=inscription, date=datetime.date(2026, 11, 4))  # sans réservation : facturé
    du_soir = InscriptionFactory(enfant=enfant, activite=soir)
    for jour in (3, 5):
        ReservationFactory(inscription=du_soir, date=datetime.date(2026, 11, jour))

    export = consommations_exporter(
        regie=regie, du=datetime.date(2026, 11, 1), au=datetime.date(2026, 11, 30)
    ).fichier
    factures = tmp_path / "factures.csv"
    factures.write_text(logiciel_de_facturation(export, numero_depart=9001), encoding="utf-8")
    call_command("importer_factures", str(factures), stdout=io.StringIO())

    facture = Facture.objects.get(numero="AL-9001")
    # Garderie : 4 lundis + le 4 novembre = 5 × 3,20 ; soir : 2 × 1,5 h × 2,10.
    assert facture.montant == Decimal("16.00") + Decimal("6.30")
    assert facture.famille == parent.famille
    releve = client.get("/releve/", {"annee": "2026"}).content.decode()
    assert "AL-9001" in releve and "22,30" in releve

    reglement = regler(parent.famille, regie, "22.30", numero="AL-700001", factures=[facture])
    recu = client.get(f"/releve/reglements/{reglement.pk}/recu/")
    assert recu.status_code == 200 and recu["Content-Type"] == "application/pdf"
    texte = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(recu.content)).pages)
    texte = " ".join(texte.replace("\u00a0", " ").replace("\u202f", " ").split())
    assert "Montant reçu 22,30 €" in texte and "AL-9001" in texte


def test_le_mois_de_la_demonstration_s_exporte(db):
    """La démonstration (toutes ses applications) : la régie AL facture ses structures, ses
    activités ont leur code ; un mois de réservations et de pointages s'exporte."""
    from enfants.models import Presence, Reservation
    from facturation.models import Regie

    call_command("demo", "--force", stdout=io.StringIO())
    jours = sorted(
        set(Reservation.objects.values_list("date", flat=True))
        | set(Presence.objects.values_list("date", flat=True))
    )
    assert jours, "la démonstration n'a ni réservation ni pointage"
    jour = jours[len(jours) // 2]
    du = jour.replace(day=1)
    au = (du + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    export = consommations_exporter(regie=Regie.objects.get(code="AL"), du=du, au=au).fichier
    lignes = list(csv.DictReader(io.StringIO(export.decode("utf-8-sig")), delimiter=";"))
    assert lignes and all(ligne["code_facturation"] for ligne in lignes)
    assert {ligne["regie"] for ligne in lignes} == {"AL"}
