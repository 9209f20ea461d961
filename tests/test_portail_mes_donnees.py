import json

import pytest
from django.urls import reverse

from portail import export
from tests.factories import EnfantFactory, ResponsableFactory

pytestmark = pytest.mark.django_db


def test_export_json_contient_les_donnees_de_la_famille_seulement(client_parent, parent):
    EnfantFactory(famille=parent.famille, prenom="ZÉLIE")
    EnfantFactory(prenom="INTRUS")
    ResponsableFactory(famille=parent.famille, role="conjoint", nom="CONJOINTE")
    reponse = client_parent.get(reverse("portail:mes_donnees_json"))
    assert reponse["Content-Disposition"].startswith("attachment;")
    contenu = json.loads(reponse.content)
    texte = json.dumps(contenu, ensure_ascii=False)
    assert contenu["famille"] == parent.famille.numero
    assert "ZÉLIE" in texte and "CONJOINTE" in texte
    assert "INTRUS" not in texte
    assert parent.password not in texte and "pbkdf2" not in texte and "md5$" not in texte
    sections = {s["modele"] for s in contenu["sections"]}
    assert {"familles.Famille", "familles.Responsable", "familles.Utilisateur", "enfants.Enfant"} <= sections


def test_page_lisible(client_parent, parent):
    EnfantFactory(famille=parent.famille, prenom="ZÉLIE")
    page = client_parent.get(reverse("portail:mes_donnees")).content.decode()
    assert "Mes données personnelles" in page
    assert "ZÉLIE" in page
    assert "Enfants (1)" in page


def test_chaque_modele_du_portail_relie_a_une_famille_est_exporte():
    from django.apps import apps

    couverts = {s.modele for s in export.sections()}
    # Un lien vers un compte n'en fait pas une donnée de la famille (comptes des agents).
    parents_possibles = couverts - {apps.get_model("familles", "Utilisateur")}
    for modele in apps.get_models():
        if modele._meta.app_label not in export.APPLICATIONS:
            continue
        relie = any(
            getattr(champ, "related_model", None) in parents_possibles and champ.many_to_one
            for champ in modele._meta.get_fields()
        )
        if relie:
            assert modele in couverts, f"{modele._meta.label} n'est pas dans l'export"


# --- La page lisible par un parent (issue 15) -----------------------------------------------


@pytest.fixture
def famille_remplie(parent):
    import datetime
    from decimal import Decimal

    from demandes import services as demandes_services
    from familles.models import Famille, Responsable
    from tests.factories import (
        FactureFactory,
        InscriptionFactory,
        MessageFactory,
        PieceJointeFactory,
        ReglementFactory,
        ReservationFactory,
        agent_ccas,
        demande_creer,
        fil_avec_messages,
    )

    famille = parent.famille
    Famille.objects.filter(pk=famille.pk).update(
        revenu_fiscal_reference=Decimal("23456.70"), nombre_parts=Decimal("2.50"), regime="caf"
    )
    Responsable.objects.filter(famille=famille, role="principal").update(civilite="MME", situation="separe")
    enfant = EnfantFactory(
        famille=famille, prenom="ZÉLIE", nom="DUPONT", date_naissance=datetime.date(2016, 3, 12)
    )
    inscription = InscriptionFactory(
        enfant=enfant,
        jours_reguliers="03",
        date_debut=datetime.date(2015, 1, 5),
        date_fin=datetime.date(2015, 7, 3),
    )
    ReservationFactory(inscription=inscription, date=datetime.date(2015, 4, 8))
    FactureFactory(
        famille=famille,
        numero="AL-36",
        montant=Decimal("120.60"),
        date_facture=datetime.date(2015, 4, 8),
        date_echeance=datetime.date(2015, 4, 30),
        lignes=[],
    )
    ReglementFactory(famille=famille, montant=Decimal("1234.50"), date=datetime.date(2015, 4, 9))
    fil = fil_avec_messages(famille=famille, objet="Sortie au zoo")
    agent = agent_ccas(username="camille.agent")
    MessageFactory(fil=fil, de_la_famille=False, auteur=agent)
    PieceJointeFactory(message=fil.messages.first(), taille=5427)
    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})
    demandes_services.demande_refuser(demande=demande, agent=agent, motif="Justificatif manquant")
    return famille


def _cellules(html: str) -> list[str]:
    import re

    return [re.sub(r"[ \t\r\n]+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


def test_page_en_francais_avec_des_libelles(client_parent, parent, famille_remplie):
    html = client_parent.get(reverse("portail:mes_donnees")).content.decode().replace("&#x27;", "'")
    cellules = _cellules(html)
    for attendu in (
        "Séparée",
        "CAF",
        "23\u202f456,70\u00a0€",
        "2,5",
        "12/03/2016",
        "lundi, jeudi",
        "120,60\u00a0€",
        "08/04/2015",
        "1\u202f234,50\u00a0€",
        "Chèque",
        "ZÉLIE DUPONT",
        "5,3\u00a0Ko",
        "Informations CAF",
        "Quotient familial : 640",
        "Refusée",
        "Justificatif manquant",
        "Un agent du CCAS",
        parent.username,
    ):
        assert attendu in cellules, attendu
    # L'inscription et la réservation nomment l'enfant et l'activité, pas des numéros.
    assert any(c.startswith("ZÉLIE DUPONT — ") for c in cellules)
    assert "Comptes de connexion (1)" in html and '<th scope="col">Identifiant</th>' in html
    # Ni dates ISO, ni montants à point, ni codes internes, ni identifiants d'objets.
    import re

    assert not [c for c in cellules if re.search(r"\d{4}-\d{2}-\d{2}", c)]
    assert "120.60" not in html and "23456.70" not in html
    assert "separe" not in cellules and "caf" not in cellules and "03" not in cellules
    assert not [c for c in cellules if c.isdigit() and int(c) in {parent.famille.pk, parent.pk}]
    assert "camille.agent" not in html
    assert "Données demandées" not in html  # données techniques : dans le JSON seulement
    assert "application/pdf" not in html and ".pdf</td>" not in html.replace("certificat.pdf</td>", "")


def test_le_json_garde_les_donnees_brutes(client_parent, parent, famille_remplie):
    contenu = json.loads(client_parent.get(reverse("portail:mes_donnees_json")).content)
    factures = next(s for s in contenu["sections"] if s["modele"] == "facturation.Facture")
    (facture,) = factures["objets"]
    assert facture["montant"] == "120.60"
    assert facture["date de facture"] == "2015-04-08"
    demandes = next(s for s in contenu["sections"] if s["modele"] == "demandes.Demande")
    assert demandes["objets"][0]["données demandées"] == {"quotient_familial": 640}


def test_chaque_nombre_decimal_exporte_est_un_montant_ou_un_nombre():
    from django.db import models

    for section in export.sections():
        for champ in export._colonnes_lisibles(section.modele):
            if isinstance(champ, models.DecimalField):
                assert champ.name in export.CHAMPS_MONTANTS | export.CHAMPS_NOMBRES, (
                    f"{section.modele._meta.label}.{champ.name}"
                )


def test_un_decimal_non_declare_est_refuse_jamais_devine(parent):
    from decimal import Decimal

    from familles.models import Famille

    champ = Famille._meta.get_field("nombre_parts")
    famille = Famille(nombre_parts=Decimal("2.5"))
    assert export._lisible(famille, champ, famille=parent.famille) == "2,5"
    champ.name = "coefficient"
    try:
        with pytest.raises(export.ChampDecimalInconnu):
            famille.coefficient = Decimal("2.5")
            champ.attname = "coefficient"
            export._lisible(famille, champ, famille=parent.famille)
    finally:
        champ.name = champ.attname = "nombre_parts"


def test_les_choix_de_notification_des_comptes_sont_exportes(client_parent, parent):
    """Les choix de « Mes notifications » appartiennent à un compte de la famille : ils sont dans
    Mes données (et seulement ceux de ses comptes)."""
    from familles.models import PreferenceNotification
    from tests.factories import UtilisateurFactory

    PreferenceNotification.objects.create(utilisateur=parent, type="facture", canal="sms", active=False)
    autre = UtilisateurFactory(username="autre.parent")
    PreferenceNotification.objects.create(utilisateur=autre, type="message", canal="courriel", active=False)
    contenu = json.loads(client_parent.get(reverse("portail:mes_donnees_json")).content)
    (section,) = [s for s in contenu["sections"] if s["modele"] == "familles.PreferenceNotification"]
    assert [(o["notification"], o["canal"], o["actif"]) for o in section["objets"]] == [
        ("Facture disponible", "SMS", False)
    ]
