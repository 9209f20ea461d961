"""Le portail est en français seulement : quelle que soit la langue que demande le navigateur,
Django répond en français (messages de validation compris)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("langue", ["en-US,en;q=0.9", "de", ""])
def test_la_connexion_repond_en_francais_quelle_que_soit_la_langue_demandee(client, langue):
    reponse = client.post(reverse("connexion"), {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE=langue)
    assert reponse.status_code == 200
    texte = reponse.content.decode()
    assert "Ce champ est obligatoire." in texte
    assert "This field is required." not in texte
