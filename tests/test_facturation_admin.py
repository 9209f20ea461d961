"""Administration de la facturation : recherche, lecture seule des données importées, droits CCAS."""

import re

import pytest

from facturation import paiement
from facturation.models import EvenementPaiement
from tests.factories import FactureFactory, PaiementEnLigneFactory, RegieFactory, ReglementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def test_recherche_des_factures_par_famille_et_numero(client_agent):
    facture = FactureFactory(numero="AL-36")
    FactureFactory(numero="AL-37")
    html = client_agent.get("/admin/facturation/facture/", {"q": facture.famille.numero}).content.decode()
    assert "AL-36" in html and "AL-37" not in html
    html = client_agent.get("/admin/facturation/facture/", {"q": "AL-37"}).content.decode()
    assert "AL-37" in html and "AL-36" not in html


def test_facture_importee_en_lecture_seule(client_agent):
    facture = FactureFactory(numero="AL-36")
    reponse = client_agent.get(f"/admin/facturation/facture/{facture.pk}/change/")
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert 'name="_save"' not in html
    assert "Garderie matin" in html  # les lignes en ligne
    # À la française : montant et prix unitaire en euros, quantité sans zéros inutiles.
    assert html.count("32,00\xa0€") == 2 and "3,20\xa0€" in html and "3,2000" not in html
    assert re.search(r'<td class="field-quantite_fr">\s*<p>10</p>', html)
    liste = client_agent.get("/admin/facturation/facture/").content.decode()
    assert "32,00\xa0€" in liste
    assert f"/releve/factures/{facture.pk}/pdf/" in html
    avant = facture.montant
    client_agent.post(f"/admin/facturation/facture/{facture.pk}/change/", {"montant": "1.00"})
    facture.refresh_from_db()
    assert facture.montant == avant
    assert client_agent.get("/admin/facturation/facture/add/").status_code == 403


def test_reglements_cherchables_et_en_lecture_seule(client_agent):
    reglement = ReglementFactory(numero="AL-228")
    html = client_agent.get("/admin/facturation/reglement/", {"q": "AL-228"}).content.decode()
    assert "AL-228" in html
    assert (
        'name="_save"'
        not in client_agent.get(f"/admin/facturation/reglement/{reglement.pk}/change/").content.decode()
    )


def test_regies_modifiables(client_agent):
    regie = RegieFactory()
    reponse = client_agent.get(f"/admin/facturation/regie/{regie.pk}/change/")
    assert 'name="_save"' in reponse.content.decode()


def test_evenements_signales_visibles_avec_leur_contenu(client_agent):
    EvenementPaiement.objects.create(
        evenement_id="evt_1",
        type=paiement.COMPLETED,
        payload='{"id": "evt_1"}',
        signale=True,
        motif="montant",
    )
    EvenementPaiement.objects.create(evenement_id="evt_2", type=paiement.COMPLETED, payload="{}")
    html = client_agent.get("/admin/facturation/evenementpaiement/", {"signale__exact": "1"}).content.decode()
    assert "evt_1" in html and "evt_2" not in html
    ev = EvenementPaiement.objects.get(evenement_id="evt_1")
    html = client_agent.get(f"/admin/facturation/evenementpaiement/{ev.pk}/change/").content.decode()
    assert "{&quot;id&quot;: &quot;evt_1&quot;}" in html


def test_un_parent_n_accede_pas_a_l_administration(client_parent):
    reponse = client_parent.get("/admin/facturation/facture/")
    assert reponse.status_code == 302


def test_paiements_en_ligne_et_attestations_en_euros(client_agent):

    from messagerie.models import AttestationEnvoyee

    facture = FactureFactory(numero="AL-36")  # 32,00 €
    PaiementEnLigneFactory(facture=facture)
    AttestationEnvoyee.objects.create(famille=facture.famille, annee=2025, montant="1234.5")
    assert "32,00\xa0€" in client_agent.get("/admin/facturation/paiementenligne/").content.decode()
    assert "1\u202f234,50\xa0€" in client_agent.get("/admin/messagerie/attestationenvoyee/").content.decode()
