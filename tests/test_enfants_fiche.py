import datetime

import pytest
from django.urls import reverse

from enfants.models import age_texte
from tests.factories import (
    DonneesSanitairesFactory,
    EnfantFactory,
    PersonneAutoriseeFactory,
    VaccinationFactory,
)
from tests.inventaire.enfants import CODES_FICHE

pytestmark = pytest.mark.django_db


def _texte(reponse):
    return reponse.content.decode().replace("&#x27;", "'")


def test_age():
    aujourdhui = datetime.date(2026, 5, 10)
    assert age_texte(datetime.date(2016, 3, 12), aujourdhui) == "10 ans"
    assert age_texte(datetime.date(2025, 9, 11), aujourdhui) == "7 mois"
    assert age_texte(datetime.date(2026, 9, 1), aujourdhui) == "à naître"


def test_mes_enfants_liste_les_enfants_de_la_famille(client_parent, parent, autre_parent):
    EnfantFactory(famille=parent.famille, prenom="LÉA", date_naissance=datetime.date(2016, 3, 12))
    EnfantFactory(famille=autre_parent.famille, prenom="INTRUS")
    contenu = _texte(client_parent.get(reverse("enfants:liste")))
    assert "LÉA" in contenu and "12/03/2016" in contenu and "INTRUS" not in contenu
    assert reverse("demandes:nouvel_enfant") in contenu


def test_fiche_de_l_enfant(client_parent, parent):
    enfant = EnfantFactory(famille=parent.famille, prenom="TOM", ecole="École du Bourg")
    PersonneAutoriseeFactory(enfant=enfant, nom="GRAND", prenom="Mamie")
    DonneesSanitairesFactory(enfant=enfant, allergies="Arachide")
    VaccinationFactory(enfant=enfant, vaccin="DTP", date=datetime.date(2020, 1, 15))
    contenu = _texte(client_parent.get(reverse("enfants:fiche", args=[enfant.pk])))
    for attendu in ("École du Bourg", "GRAND", "Arachide", "DTP : 15/01/2020", "Personnes autorisées"):
        assert attendu in contenu


def test_fiche_d_un_enfant_d_une_autre_famille_404(client_parent, autre_parent):
    enfant = EnfantFactory(famille=autre_parent.famille)
    assert client_parent.get(reverse("enfants:fiche", args=[enfant.pk])).status_code == 404


@pytest.mark.parametrize("nom", CODES_FICHE)
def test_formulaires_de_l_enfant_isoles(client_parent, parent, autre_parent, nom):
    a_moi = EnfantFactory(famille=parent.famille)
    pas_a_moi = EnfantFactory(famille=autre_parent.famille)
    reponse = client_parent.get(reverse(f"demandes:{nom}", args=[a_moi.pk]))
    assert reponse.status_code == 200
    assert '<a class="nav-link active" href="/enfants/" aria-current="page">' in _texte(reponse)
    assert client_parent.get(reverse(f"demandes:{nom}", args=[pas_a_moi.pk])).status_code == 404
    assert client_parent.post(reverse(f"demandes:{nom}", args=[pas_a_moi.pk]), {}).status_code == 404


@pytest.mark.parametrize("n", [1, 25])
def test_budget_de_requetes_liste_et_fiche(client_parent, parent, n, django_assert_max_num_queries):
    enfants = [EnfantFactory(famille=parent.famille) for _ in range(n)]
    enfant = enfants[0]
    DonneesSanitairesFactory(enfant=enfant)
    for _ in range(n):
        PersonneAutoriseeFactory(enfant=enfant)
        VaccinationFactory(enfant=enfant)
    with django_assert_max_num_queries(8):
        assert client_parent.get(reverse("enfants:liste")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client_parent.get(reverse("enfants:fiche", args=[enfant.pk])).status_code == 200


def test_la_liste_montre_les_inscriptions_en_cours(client_parent, parent):
    import datetime

    from tests.factories import ActiviteFactory, EnfantFactory, InscriptionFactory

    enfant = EnfantFactory(famille=parent.famille, prenom="NINO")
    InscriptionFactory(enfant=enfant, activite=ActiviteFactory(nom="Garderie matin"))
    InscriptionFactory(
        enfant=enfant,
        activite=ActiviteFactory(nom="Ancienne activité"),
        date_debut=datetime.date(2019, 9, 1),
        date_fin=datetime.date(2020, 7, 3),
    )
    page = client_parent.get("/enfants/").content.decode()
    assert "Garderie matin" in page
    assert "Ancienne activité" not in page
