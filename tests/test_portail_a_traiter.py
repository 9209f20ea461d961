"""« À traiter » : l'accueil de l'administration compte ce qui attend l'agent (issue 22).

Chaque compte est vérifié contre la liste filtrée où mène son lien (la liste montre exactement ce
nombre de lignes), pour un superutilisateur et pour un agent du CCAS ; un agent qui ne peut pas
voir une liste ne voit pas sa file ; le nombre de requêtes est fixe (déclaré ici)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from demandes.models import Demande
from demandes.selectors import CODE_INSCRIPTION
from enfants.models import Reservation
from facturation.models import EvenementPaiement
from messagerie.models import Notification
from portail import a_traiter
from tests import factories as f

pytestmark = pytest.mark.django_db

# Requêtes de l'accueil : session et compte (2), droits de l'agent (groupes et permissions : 2,
# aucune pour un superutilisateur), une par file visible, une pour les plus anciennes demandes,
# les dernières actions de l'agent (1). Les files visibles ne dépendent que des droits.
REQUETES_SUPERUTILISATEUR = 2 + len(a_traiter.FILES) + 1 + 1
REQUETES_AGENT_CCAS = REQUETES_SUPERUTILISATEUR + 2  # + ses droits (ses structures : une sous-requête)
REQUETES_AGENT_DEMANDES = 2 + 2 + 3 + 1 + 1  # trois files de demandes seulement


def _superutilisateur():
    return f.UtilisateurFactory(is_staff=True, is_superuser=True)


def _peupler(n: int = 1):
    """n lignes de chaque file (et ce qui ne doit pas compter : décidé, lu, envoyé, fermé)."""
    structure = f.StructureFactory(nom="Accueil de Loisirs")
    autre_structure = f.StructureFactory(nom="Crèche")
    maintenant = timezone.now()
    for rang in range(n):
        parent = f.famille_avec_parent()
        famille = parent.famille
        demande = Demande.objects.create(type="responsable", famille=famille, apres={"nom": "X"})
        Demande.objects.filter(pk=demande.pk).update(cree_le=maintenant - datetime.timedelta(days=3 + rang))
        Demande.objects.create(type="responsable", famille=famille, statut=Demande.Statut.ACCEPTEE)
        Demande.objects.create(type=CODE_INSCRIPTION, famille=famille, donnees={"activite": 1})
        Demande.objects.create(type=CODE_INSCRIPTION, famille=famille, statut=Demande.Statut.LISTE_ATTENTE)
        inscription = f.InscriptionFactory(enfant=f.EnfantFactory(famille=famille, a_contacter=True))
        f.EnfantFactory(famille=famille)  # pas à contacter
        f.ReservationFactory(inscription=inscription, etat=Reservation.Etat.EN_ATTENTE)
        f.ReservationFactory(inscription=inscription, date=datetime.date(2015, 4, 9))  # acceptée
        f.MessageFactory(fil=f.FilFactory(famille=famille, structure=structure))
        f.MessageFactory(fil=f.FilFactory(famille=famille, structure=structure), lu_le=maintenant)
        f.MessageFactory(fil=f.FilFactory(famille=famille, structure=autre_structure))
        f.piece_deposee(famille=famille)
        f.piece_deposee(famille=famille, type_piece=f.TypePieceFactory(sanitaire=True))
        f.piece_deposee(famille=famille, statut="validee")
        EvenementPaiement.objects.create(evenement_id=f"evt_{n}_{rang}", type="checkout", signale=True)
        EvenementPaiement.objects.create(evenement_id=f"evt_ok_{n}_{rang}", type="checkout")
        EvenementPaiement.objects.create(  # déjà vérifié par un agent : plus à traiter
            evenement_id=f"evt_verifie_{n}_{rang}", type="checkout", signale=True, verifie_le=maintenant
        )
        Notification.objects.create(famille=famille, tentatives=2, derniere_erreur="SMTP")
        Notification.objects.create(famille=famille, tentatives=1, envoyee_le=maintenant)
        f.CampagneFactory()
        f.CampagneFactory(ouverture=maintenant - datetime.timedelta(days=60), fermeture=maintenant)
    return structure


def _files(client) -> dict[str, a_traiter.File]:
    reponse = client.get(reverse("admin:index"))
    assert reponse.status_code == 200
    return {file.cle: file for file in reponse.context["files_a_traiter"]}


def _lignes_de_la_liste(client, url) -> int:
    reponse = client.get(url)
    assert reponse.status_code == 200, url
    changelist = reponse.context["cl"]
    assert not changelist.has_filters or changelist.has_active_filters, url
    return changelist.result_count


def test_superutilisateur_chaque_compte_est_celui_de_la_liste_filtree(client):
    _peupler(2)
    client.force_login(_superutilisateur())
    files = _files(client)
    assert set(files) == {d.cle for d in a_traiter.FILES}
    attendus = {
        "demandes": 4,  # 2 changements + 2 inscriptions, en attente
        "inscriptions": 2,
        "inscriptions_attente": 2,
        "jours_attente": 2,
        "messages": 4,  # toutes les structures pour un superutilisateur
        "pieces": 4,  # y compris les pièces sanitaires
        "paiements": 2,
        "notifications": 2,
        "a_contacter": 2,
        "campagnes": 2,
    }
    assert {cle: file.nombre for cle, file in files.items()} == attendus
    for file in files.values():
        assert _lignes_de_la_liste(client, file.url) == file.nombre, file.cle


def test_agent_ccas_ne_compte_que_ses_structures_et_sans_les_pieces_sanitaires(client):
    structure = _peupler(1)
    agent = f.agent_ccas()
    f.AgentStructureFactory(agent=agent, structure=structure)
    client.force_login(agent)
    files = _files(client)
    assert files["messages"].nombre == 1  # pas le fil de la crèche, pas le fil lu
    assert files["pieces"].nombre == 1  # la pièce sanitaire n'est pas dans sa liste
    for file in files.values():
        assert _lignes_de_la_liste(client, file.url) == file.nombre, file.cle


def test_les_demandes_les_plus_anciennes_d_abord_avec_leur_age(client):
    _peupler(3)
    client.force_login(_superutilisateur())
    file = _files(client)["demandes"]
    assert file.depuis == "depuis 5 jours"
    assert [ligne["depuis"] for ligne in file.lignes[:3]] == [
        "depuis 5 jours",
        "depuis 4 jours",
        "depuis 3 jours",
    ]
    reponse = client.get(file.url)
    premieres = [d.pk for d in reponse.context["cl"].result_list[:3]]
    assert premieres == [int(ligne["url"].rstrip("/").split("/")[-2]) for ligne in file.lignes[:3]]
    page = client.get(reverse("admin:index")).content.decode()
    assert "depuis 5 jours" in page
    assert '<h2 id="a-traiter-titre">À traiter</h2>' in page


def test_un_agent_ne_voit_que_les_files_de_ses_droits(client):
    _peupler(1)
    agent = f.UtilisateurFactory(is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="view_demande"))
    client.force_login(agent)
    files = _files(client)
    assert set(files) == {"demandes", "inscriptions", "inscriptions_attente"}
    page = client.get(reverse("admin:index")).content.decode()
    assert "Pièces justificatives à vérifier" not in page
    assert "Statistiques du portail" not in page


def test_un_agent_sans_aucun_droit_n_a_pas_de_file(client):
    client.force_login(f.UtilisateurFactory(is_staff=True))
    assert _files(client) == {}
    assert (
        "Aucune file de travail ne vous est ouverte." in client.get(reverse("admin:index")).content.decode()
    )


def _requetes(client) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(reverse("admin:index")).status_code == 200
    return len(requetes)


@pytest.mark.parametrize("lignes", [1, 6])
def test_requetes_constantes_superutilisateur(client, lignes):
    _peupler(lignes)
    client.force_login(_superutilisateur())
    assert _requetes(client) == REQUETES_SUPERUTILISATEUR


@pytest.mark.parametrize("lignes", [1, 6])
def test_requetes_constantes_agent_ccas(client, lignes):
    structure = _peupler(lignes)
    agent = f.agent_ccas()
    f.AgentStructureFactory(agent=agent, structure=structure)
    client.force_login(agent)
    assert _requetes(client) == REQUETES_AGENT_CCAS


@pytest.mark.parametrize("lignes", [1, 6])
def test_requetes_constantes_agent_restreint(client, lignes):
    _peupler(lignes)
    agent = f.UtilisateurFactory(is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="view_demande"))
    client.force_login(agent)
    assert _requetes(client) == REQUETES_AGENT_DEMANDES
