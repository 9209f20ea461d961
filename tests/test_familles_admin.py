"""La fiche d'une famille dans l'administration : le titulaire d'abord, et le dossier de la
famille (demandes, enfants, factures, règlements, messages) à un clic, listes filtrées sur elle."""

import re
from html import unescape

import pytest
from django.urls import reverse

from tests.factories import (
    EnfantFactory,
    FactureFactory,
    FilFactory,
    ReglementFactory,
    ResponsableFactory,
    demande_creer,
    famille_avec_parent,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def famille(parent):
    famille = parent.famille
    ResponsableFactory(famille=famille, role="conjoint", prenom="ALICE", nom="CONJOINTE")
    EnfantFactory.create_batch(2, famille=famille)
    FactureFactory.create_batch(3, famille=famille)
    ReglementFactory(famille=famille)
    FilFactory(famille=famille)
    demande_creer(parent, "caf", {"quotient_familial": "640"})
    # Une autre famille, pour vérifier que les listes sont bien filtrées.
    autre = famille_avec_parent()
    EnfantFactory(famille=autre.famille, prenom="INTRUS")
    FactureFactory(famille=autre.famille, numero="AL-INTRUS")
    return famille


def _page(client, famille) -> str:
    reponse = client.get(reverse("admin:familles_famille_change", args=[famille.pk]))
    assert reponse.status_code == 200
    return unescape(reponse.content.decode())


def test_le_responsable_titulaire_en_premier(client, agent, famille):
    client.force_login(agent)
    page = _page(client, famille)
    principal = famille.responsable_principal
    assert 'name="responsables-0-role"' in page
    premier = re.search(r'name="responsables-0-nom"[^>]*value="([^"]*)"', page)[1]
    second = re.search(r'name="responsables-1-nom"[^>]*value="([^"]*)"', page)[1]
    assert (premier, second) == (principal.nom, "CONJOINTE")


def test_le_dossier_de_la_famille_a_un_clic(client, agent, famille):
    client.force_login(agent)
    page = _page(client, famille)
    liens = dict(re.findall(r'<li><a href="([^"]+\?famille__id__exact=\d+)">([^<]+)</a></li>', page))
    # Le fil de la famille est à une structure que cet agent ne suit pas : « Messages (0) ».
    attendus = {"Demandes (1)", "Enfants (2)", "Factures (3)", "Règlements (1)", "Messages (0)"}
    assert set(liens.values()) == attendus
    for url, libelle in liens.items():
        assert url.endswith(f"?famille__id__exact={famille.pk}")
        liste = client.get(url)
        assert liste.status_code == 200, url
        contenu = liste.content.decode()
        assert "INTRUS" not in contenu, libelle
        nombre = int(re.search(r"\((\d+)\)", libelle)[1])
        # La liste montre autant de lignes que le lien l'annonce.
        if 'id="result_list"' not in contenu:
            assert nombre == 0, libelle
            continue
        lignes = contenu.split('id="result_list"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        assert lignes.count("<tr") == nombre, libelle


def test_les_messages_comptent_ceux_que_l_agent_voit(client, famille):
    from tests.factories import agent_ccas

    client.force_login(agent_ccas(is_superuser=True))
    page = _page(client, famille)
    assert "Messages (1)</a>" in page


def test_un_agent_sans_droit_sur_une_liste_n_en_voit_pas_le_lien(client, agent, famille):
    from django.contrib.auth.models import Permission

    groupe = agent.groups.get()
    groupe.permissions.remove(*Permission.objects.filter(codename__in=["view_facture", "change_facture"]))
    client.force_login(agent)
    page = _page(client, famille)
    assert "Factures (" not in page
    assert "Enfants (2)" in page
