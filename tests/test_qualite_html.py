"""HTML valide : chaque page passe le Nu Html Checker sans erreur."""

import pytest

from tests.aides import page_fautive
from tests.qualite.visites import demander, ids_visites, preparer_visite
from tests.qualite.vnu import Validateur, formater_erreurs

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def validateur():
    v = Validateur()
    yield v
    v.arreter()


@pytest.mark.parametrize("id_", ids_visites(html_seulement=True))
def test_html_valide(id_, client, validateur):
    visite = preparer_visite(id_)
    reponse = demander(client, visite)
    assert reponse.status_code == visite.statut, f"{id_} : {visite.url} → {reponse.status_code}"
    html = reponse.content.decode()
    erreurs = validateur.erreurs(html)
    assert not erreurs, f"{id_} ({visite.url}) n'est pas du HTML valide :\n" + formater_erreurs(erreurs, html)


PAGE_FAUTIVE = page_fautive(
    """    <input type="text" name="nom" aria-describedby="aide">
    <p id="aide">Autre aide</p>"""
)


def test_le_validateur_signale_un_id_en_double(validateur):
    erreurs = validateur.erreurs(PAGE_FAUTIVE)
    assert [e["message"] for e in erreurs] == ["Duplicate ID “aide”."]
