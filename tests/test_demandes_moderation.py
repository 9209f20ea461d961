import functools

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from commun.models import Audit
from demandes import admin as demandes_admin
from demandes import services
from demandes.models import Demande
from familles.models import Famille, Responsable
from tests.aides import en_meme_temps
from tests.factories import agent_ccas, demande_creer, famille_avec_parent

pytestmark = pytest.mark.django_db

LISTE = reverse("admin:demandes_demande_changelist")


def _texte(reponse):
    return reponse.content.decode().replace("&#x27;", "'")


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def test_file_de_moderation_en_attente_d_abord(client_agent, parent, agent):
    ancienne = demande_creer(parent, "caf", {"quotient_familial": "640"})
    services.demande_accepter(demande=ancienne, agent=agent)
    attente = demande_creer(parent, "fiscales", {"annee_fiscale": "2024"})
    reponse = client_agent.get(LISTE)
    assert reponse.status_code == 200
    liste = list(reponse.context["cl"].result_list)
    assert liste[0] == attente


def test_recherche_par_famille_et_filtres(client_agent, parent, autre_parent):
    demande_creer(parent, "caf", {"quotient_familial": "640"})
    demande_creer(autre_parent, "fiscales", {"annee_fiscale": "2024"})
    reponse = client_agent.get(LISTE, {"q": parent.famille.numero})
    assert [d.famille for d in reponse.context["cl"].result_list] == [parent.famille]
    reponse = client_agent.get(LISTE, {"type": "fiscales", "statut__exact": "en_attente"})
    assert [d.type for d in reponse.context["cl"].result_list] == ["fiscales"]


def test_detail_avant_apres_et_avertissement_fiche_modifiee(client_agent, parent):
    demande = demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    url = reverse("admin:demandes_demande_change", args=[demande.pk])
    contenu = _texte(client_agent.get(url))
    assert "LÈVES" in contenu and "CHARTRES" in contenu
    assert demandes_admin.MESSAGE_FICHE_MODIFIEE not in contenu
    assert "Accepter" in contenu
    Responsable.objects.filter(famille=parent.famille, role="principal").update(ville="DREUX")
    contenu = _texte(client_agent.get(url))
    assert demandes_admin.MESSAGE_FICHE_MODIFIEE in contenu
    assert "DREUX" in contenu and "modifiée depuis la demande" in contenu


def test_accepter_depuis_le_detail(client_agent, parent, agent):
    demande = demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    reponse = client_agent.post(reverse("admin:demandes_demande_accepter", args=[demande.pk]))
    assert reponse.status_code == 302
    assert Responsable.objects.get(famille=parent.famille, role="principal").ville == "CHARTRES"
    demande.refresh_from_db()
    assert demande.statut == "acceptee" and demande.decide_par == agent
    # Une seconde acceptation est refusée avec le message « déjà traitée ».
    reponse = client_agent.post(reverse("admin:demandes_demande_accepter", args=[demande.pk]), follow=True)
    assert services.MESSAGE_DEJA_TRAITEE in _texte(reponse)


def test_accepter_exige_post(client_agent, parent):
    demande = demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    assert client_agent.get(reverse("admin:demandes_demande_accepter", args=[demande.pk])).status_code == 405


def test_refuser_depuis_le_detail_exige_un_motif(client_agent, parent):
    demande = demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    url = reverse("admin:demandes_demande_refuser", args=[demande.pk])
    assert client_agent.get(url).status_code == 200
    reponse = client_agent.post(url, {"motif": ""})
    assert services.MESSAGE_MOTIF_REQUIS in _texte(reponse)
    demande.refresh_from_db()
    assert demande.statut == "en_attente"
    client_agent.post(url, {"motif": "Adresse hors commune"})
    demande.refresh_from_db()
    assert demande.statut == "refusee" and demande.motif == "Adresse hors commune"


def test_acceptation_en_masse(client_agent, parent, autre_parent):
    d1 = demande_creer(parent, "caf", {"quotient_familial": "640"})
    d2 = demande_creer(autre_parent, "caf", {"quotient_familial": "720"})
    reponse = client_agent.post(LISTE, {"action": "accepter_selection", ACTION_CHECKBOX_NAME: [d1.pk, d2.pk]})
    assert reponse.status_code == 302
    assert Famille.objects.get(pk=parent.famille.pk).quotient_familial == 640
    assert Famille.objects.get(pk=autre_parent.famille.pk).quotient_familial == 720
    assert set(Demande.objects.values_list("statut", flat=True)) == {"acceptee"}


def test_refus_en_masse_passe_par_une_page_de_motif(client_agent, parent, autre_parent):
    d1 = demande_creer(parent, "caf", {"quotient_familial": "640"})
    d2 = demande_creer(autre_parent, "caf", {"quotient_familial": "720"})
    donnees = {"action": "refuser_selection", ACTION_CHECKBOX_NAME: [d1.pk, d2.pk]}
    reponse = client_agent.post(LISTE, donnees)
    assert reponse.status_code == 200 and "Motif du refus" in _texte(reponse)
    assert set(Demande.objects.values_list("statut", flat=True)) == {"en_attente"}
    reponse = client_agent.post(LISTE, {**donnees, "motif_confirme": "1", "motif": ""})
    assert services.MESSAGE_MOTIF_REQUIS in _texte(reponse)
    reponse = client_agent.post(LISTE, {**donnees, "motif_confirme": "1", "motif": "Pièces manquantes"})
    assert reponse.status_code == 302
    assert set(Demande.objects.values_list("motif", flat=True)) == {"Pièces manquantes"}
    assert Famille.objects.get(pk=parent.famille.pk).quotient_familial is None


def test_journal_d_audit_en_lecture_seule(client_agent, parent, agent):
    demande = demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    services.demande_accepter(demande=demande, agent=agent)
    reponse = client_agent.get(reverse("admin:commun_audit_changelist"))
    assert reponse.status_code == 200
    trace = Audit.objects.filter(famille=parent.famille).first()
    detail = _texte(client_agent.get(reverse("admin:commun_audit_change", args=[trace.pk])))
    assert "CHARTRES" in detail
    assert client_agent.post(reverse("admin:commun_audit_change", args=[trace.pk]), {}).status_code == 403
    assert client_agent.get(reverse("admin:commun_audit_add")).status_code == 403


def test_agent_sans_groupe_ne_decide_pas(client, parent):
    from tests.factories import UtilisateurFactory

    intrus = UtilisateurFactory(is_staff=True)
    client.force_login(intrus)
    demande = demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    assert client.post(reverse("admin:demandes_demande_accepter", args=[demande.pk])).status_code == 403
    demande.refresh_from_db()
    assert demande.statut == "en_attente"


@pytest.mark.parametrize("n", [1, 40])
def test_budget_de_requetes_de_la_file(client_agent, n, django_assert_max_num_queries):
    for _ in range(n):
        demande_creer(famille_avec_parent(), "caf", {"quotient_familial": "640"})
    with django_assert_max_num_queries(14):
        assert client_agent.get(LISTE).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_deux_agents_acceptent_en_meme_temps():
    """Deux agents acceptent la même demande : une seule application, l'autre « déjà traitée ».

    Sur PostgreSQL (CI), deux fils concurrents : le verrou de ligne fait attendre le second. SQLite
    n'a pas de verrou de ligne et refuse les écritures concurrentes : les deux acceptations s'y
    suivent, ce qui vérifie au moins la garde « déjà traitée ».
    """
    from commun.permissions import donnees_de_reference_rejouer

    donnees_de_reference_rejouer()
    parent = famille_avec_parent()
    agents = [agent_ccas(), agent_ccas()]
    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})

    def accepter(agent):
        try:
            services.demande_accepter(demande=Demande.objects.get(pk=demande.pk), agent=agent)
            return "acceptee"
        except services.DemandeDejaTraitee:
            return "deja"

    resultats = en_meme_temps(*(functools.partial(accepter, agent) for agent in agents))
    assert sorted(resultats) == ["acceptee", "deja"]
    assert Audit.objects.filter(action="Demande acceptée").count() == 1
    assert Audit.objects.filter(action__startswith=f"Demande n° {demande.pk}").count() == 1
