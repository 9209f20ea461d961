"""Mon compte : le menu mène au dossier de chaque campagne ouverte (« Dossier 2027-2028 »), aussi
après l'envoi du dossier ; rien pour une campagne fermée ; une requête quel que soit le nombre."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enfants.models import DossierCampagne
from tests.factories import CampagneFactory

pytestmark = pytest.mark.django_db


def _lien(campagne):
    return f'href="{reverse("demandes:campagne", kwargs={"pk": campagne.pk})}">Dossier 2027-2028</a>'


def test_le_menu_de_mon_compte_mene_au_dossier_de_la_campagne_ouverte(client_parent):
    campagne = CampagneFactory(nom="Rentrée 2027")
    for url in (reverse("familles:compte"), reverse("familles:pieces"), reverse("demandes:compte_caf")):
        assert _lien(campagne) in client_parent.get(url).content.decode(), url
    # Sur la page du dossier, l'entrée est celle de la page en cours.
    html = client_parent.get(reverse("demandes:campagne", kwargs={"pk": campagne.pk})).content.decode()
    assert f'active" aria-current="page" {_lien(campagne)}' in html


def test_le_lien_reste_apres_l_envoi_du_dossier(client_parent, parent):
    campagne = CampagneFactory(nom="Rentrée 2027")
    DossierCampagne.objects.create(famille=parent.famille, campagne=campagne, soumis_le=timezone.now())
    assert _lien(campagne) in client_parent.get(reverse("familles:compte")).content.decode()


def test_pas_de_lien_pour_une_campagne_fermee(client_parent):
    maintenant = timezone.now()
    CampagneFactory(
        ouverture=maintenant - datetime.timedelta(days=30),
        fermeture=maintenant - datetime.timedelta(seconds=1),
    )
    assert "Dossier 2027-2028" not in client_parent.get(reverse("familles:compte")).content.decode()


def test_une_requete_pour_le_menu_quel_que_soit_le_nombre_de_campagnes(client_parent):
    url = reverse("familles:compte")
    CampagneFactory(nom="Rentrée 2027")
    client_parent.get(url)
    with CaptureQueriesContext(connection) as une:
        client_parent.get(url)
    CampagneFactory.create_batch(3)
    with CaptureQueriesContext(connection) as quatre:
        html = client_parent.get(url).content.decode()
    assert html.count("Dossier 2027-2028") == 4
    assert len(quatre) == len(une)
