"""Accepter une demande d'inscription : l'inscription selon les places, sinon la liste d'attente ;
en masse dans l'ordre d'arrivée."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from commun.models import Audit
from demandes import inscriptions, selectors, services
from demandes.models import Demande
from enfants.models import Inscription
from enfants.services import inscriptions as enfants_inscriptions
from messagerie.models import Message
from tests.aides import en_parallele
from tests.aides_inscriptions import campagne_ouverte, demander, enfant_de, garderie
from tests.factories import InscriptionFactory, UtilisateurFactory, famille_avec_parent

pytestmark = pytest.mark.django_db


def _agent_sans_groupe():
    # Un compte du personnel sans groupe : une base vidée par un test transactionnel n'a plus le
    # groupe CCAS, et les services de décision ne lisent que la permission sanitaire.
    return UtilisateurFactory(is_staff=True)


LISTE = reverse("admin:demandes_demande_changelist")


def _texte(reponse):
    return reponse.content.decode().replace("&#x27;", "'")


@pytest.fixture
def activite():
    return garderie(places_inscription=2)


@pytest.fixture
def campagne(activite):
    return campagne_ouverte(activite)


def _occuper(activite, campagne, n=1):
    for _ in range(n):
        InscriptionFactory(
            activite=activite, date_debut=campagne.periode_debut, date_fin=campagne.periode_fin
        )


def _demandes(activite, campagne, n):
    """n demandes de n familles (une par famille : la limite par heure est par famille)."""
    resultat = []
    for _ in range(n):
        parent = famille_avec_parent()
        resultat.append(demander(parent, enfant_de(parent), activite, campagne))
    return resultat


def test_accepter_cree_l_inscription(parent, agent, activite, campagne, django_capture_on_commit_callbacks):
    enfant = enfant_de(parent)
    demande = demander(parent, enfant, activite, campagne, jours="03")
    with django_capture_on_commit_callbacks(execute=True):
        demande = services.demande_accepter(demande=demande, agent=agent)
    assert demande.statut == Demande.Statut.ACCEPTEE
    inscription = Inscription.objects.get(enfant=enfant)
    assert inscription.activite == activite
    assert (inscription.date_debut, inscription.date_fin) == (campagne.periode_debut, campagne.periode_fin)
    assert inscription.jours_reguliers == "03"
    assert Audit.objects.filter(objet__startswith=f"Inscription de {enfant}").exists()
    assert Audit.objects.filter(
        objet__startswith=f"Demande n° {demande.pk}", action="Demande acceptée"
    ).exists()
    message = Message.objects.get(fil__famille=parent.famille)
    assert "« Inscription à une activité »" in message.texte and "a été acceptée" in message.texte
    assert len(mail.outbox) == 1 and "a été acceptée" in mail.outbox[0].body


def test_complet_liste_d_attente_avec_position(
    parent, agent, activite, campagne, client, django_capture_on_commit_callbacks
):
    _occuper(activite, campagne, 2)
    premiere, seconde = (
        _demandes(activite, campagne, 1)[0],
        demander(parent, enfant_de(parent), activite, campagne),
    )
    with django_capture_on_commit_callbacks(execute=True):
        premiere = services.demande_accepter(demande=premiere, agent=agent)
        seconde = services.demande_accepter(demande=seconde, agent=agent)
    assert premiere.statut == seconde.statut == Demande.Statut.LISTE_ATTENTE
    assert Inscription.objects.filter(activite=activite).count() == 2
    assert selectors.position_en_liste_attente(demande=premiere) == 1
    assert selectors.position_en_liste_attente(demande=seconde) == 2
    assert Audit.objects.filter(action="Demande mise en liste d'attente (complet)").count() == 2
    message = Message.objects.get(fil__famille=parent.famille)
    assert "a été mise en liste d'attente" in message.texte
    assert "votre demande est en liste d'attente, à la 2e position." in message.texte
    assert "mise en liste d'attente" in mail.outbox[-1].body
    # La famille voit sa position dans la Liste des demandes.
    client.force_login(parent)
    texte = _texte(client.get(reverse("demandes:liste"), {"cote": "enfants"}))
    assert "En liste d'attente : 2e position" in texte


def test_seules_les_inscriptions_qui_chevauchent_comptent(parent, agent, activite, campagne):
    avant = campagne.periode_debut - datetime.timedelta(days=1)
    for _ in range(2):
        InscriptionFactory(activite=activite, date_debut=avant - datetime.timedelta(days=30), date_fin=avant)
    demande = services.demande_accepter(
        demande=demander(parent, enfant_de(parent), activite, campagne), agent=agent
    )
    assert demande.statut == Demande.Statut.ACCEPTEE


def test_service_refuse_au_dela_des_places_et_compte_les_retenues(parent, activite, campagne):
    _occuper(activite, campagne)
    enfant = enfant_de(parent)
    debut, fin = campagne.periode_debut, campagne.periode_fin
    with pytest.raises(enfants_inscriptions.InscriptionComplete):
        enfants_inscriptions.inscription_creer(
            enfant=enfant, activite=activite, date_debut=debut, date_fin=fin, places_retenues=1
        )
    assert not Inscription.objects.filter(enfant=enfant).exists()
    enfants_inscriptions.inscription_creer(enfant=enfant, activite=activite, date_debut=debut, date_fin=fin)
    with pytest.raises(ValidationError) as erreur:
        enfants_inscriptions.inscription_creer(
            enfant=enfant, activite=activite, date_debut=debut, date_fin=fin
        )
    assert "est déjà inscrit(e)" in erreur.value.messages[0]


def test_revalidee_a_l_acceptation_deja_inscrit(parent, agent, activite, campagne):
    enfant = enfant_de(parent)
    demande = demander(parent, enfant, activite, campagne)
    InscriptionFactory(
        enfant=enfant, activite=activite, date_debut=campagne.periode_debut, date_fin=campagne.periode_fin
    )
    with pytest.raises(services.DemandeInvalide) as erreur:
        services.demande_accepter(demande=demande, agent=agent)
    assert "est déjà inscrit(e)" in erreur.value.message
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.EN_ATTENTE


def test_acceptee_apres_la_fermeture_de_la_campagne(parent, agent, activite, campagne):
    demande = demander(parent, enfant_de(parent), activite, campagne)
    campagne.fermeture = timezone.now() - datetime.timedelta(hours=1)
    campagne.save()
    assert services.demande_accepter(demande=demande, agent=agent).statut == Demande.Statut.ACCEPTEE


def test_la_famille_retire_sa_demande_en_liste_d_attente(parent, agent, activite, campagne):
    _occuper(activite, campagne, 2)
    premiere = _demandes(activite, campagne, 1)[0]
    seconde = demander(parent, enfant_de(parent), activite, campagne)
    for demande in (premiere, seconde):
        services.demande_accepter(demande=demande, agent=agent)
    services.demande_annuler(demande=premiere, famille=premiere.famille)
    seconde.refresh_from_db()
    assert selectors.position_en_liste_attente(demande=seconde) == 1


def test_admin_accepter_dit_liste_d_attente(client, agent, parent, activite, campagne):
    _occuper(activite, campagne, 2)
    demande = demander(parent, enfant_de(parent), activite, campagne)
    client.force_login(agent)
    detail = _texte(client.get(reverse("admin:demandes_demande_change", args=[demande.pk])))
    assert "Inscriptions sur la période" in detail and "2 sur 2" in detail
    reponse = client.post(reverse("admin:demandes_demande_accepter", args=[demande.pk]), follow=True)
    texte = _texte(reponse)
    assert f"Demande n° {demande.pk} : l'activité est complète, la demande est en liste d'attente" in texte
    assert "En liste d'attente : 1re position" in texte


def test_acceptation_en_masse_selon_les_places(client, agent):
    activite = garderie(places_inscription=10)
    campagne = campagne_ouverte(activite)
    demandes = _demandes(activite, campagne, 15)
    # L'ordre d'arrivée est la date de la demande, pas le numéro : on les mélange.
    base = timezone.now() - datetime.timedelta(hours=1)
    ordre = demandes[::2] + demandes[1::2]
    for rang, demande in enumerate(ordre):
        Demande.objects.filter(pk=demande.pk).update(cree_le=base + datetime.timedelta(seconds=rang))
    client.force_login(agent)
    reponse = client.post(
        LISTE, {"action": "accepter_selection", ACTION_CHECKBOX_NAME: [d.pk for d in demandes]}, follow=True
    )
    assert "10 demandes acceptées, 5 en liste d'attente." in _texte(reponse)
    assert Inscription.objects.filter(activite=activite).count() == 10
    statuts = dict(Demande.objects.values_list("pk", "statut"))
    assert [statuts[d.pk] for d in ordre] == [Demande.Statut.ACCEPTEE] * 10 + [
        Demande.Statut.LISTE_ATTENTE
    ] * 5
    for position, demande in enumerate(ordre[10:], start=1):
        demande.refresh_from_db()
        assert selectors.position_en_liste_attente(demande=demande) == position
    assert list(selectors.liste_attente(activite_id=activite.pk)) == [
        Demande.objects.get(pk=d.pk) for d in ordre[10:]
    ]


def test_bilan_en_masse_texte():
    assert (
        inscriptions.Bilan(acceptees=12, en_liste_attente=5).texte
        == "12 demandes acceptées, 5 en liste d'attente."
    )
    assert (
        inscriptions.Bilan(acceptees=1, en_liste_attente=0).texte
        == "1 demande acceptée, 0 en liste d'attente."
    )


@pytest.mark.django_db(transaction=True)
def test_deux_agents_la_derniere_place_une_seule_inscription():
    if connection.vendor != "postgresql":
        pytest.skip("verrous de ligne : PostgreSQL")
    activite = garderie(places_inscription=1)
    campagne = campagne_ouverte(activite)
    demandes = _demandes(activite, campagne, 2)
    agents = [_agent_sans_groupe(), _agent_sans_groupe()]
    resultats = en_parallele(
        [
            lambda d=d, a=a: services.demande_accepter(demande=d, agent=a).statut
            for d, a in zip(demandes, agents)
        ]
    )
    assert sorted(resultats) == [Demande.Statut.ACCEPTEE, Demande.Statut.LISTE_ATTENTE]
    assert Inscription.objects.filter(activite=activite).count() == 1


def test_liste_des_demandes_positions_en_nombre_de_requetes_constant(client, parent, agent):
    from django.test.utils import CaptureQueriesContext

    activite = garderie(places_inscription=1)
    campagne = campagne_ouverte(activite)
    _occuper(activite, campagne)
    client.force_login(parent)

    def compter():
        with CaptureQueriesContext(connection) as requetes:
            reponse = client.get(reverse("demandes:liste"), {"cote": "enfants"})
        return len(requetes), _texte(reponse)

    _demandes(activite, campagne, 2)  # d'autres familles, arrivées avant
    services.demande_accepter(demande=demander(parent, enfant_de(parent), activite, campagne), agent=agent)
    for demande in Demande.objects.filter(statut=Demande.Statut.EN_ATTENTE):
        services.demande_accepter(demande=demande, agent=agent)
    une, texte = compter()
    # Les deux autres familles sont arrivées avant : l'ordre d'arrivée, pas celui des décisions.
    assert "En liste d'attente : 3e position" in texte
    autres = [garderie(nom=f"Garderie {i}", places_inscription=0) for i in range(5)]
    campagne.activites.add(*autres)
    for autre in autres:
        services.demande_accepter(demande=demander(parent, enfant_de(parent), autre, campagne), agent=agent)
    six, texte = compter()
    assert texte.count("En liste d'attente : 1re position") == 5
    assert une == six


def test_admin_filtre_par_activite_liste_d_attente_dans_l_ordre(client, agent):
    activite = garderie(places_inscription=0)
    autre = garderie(nom="Garderie du soir")
    campagne = campagne_ouverte(activite, autre)
    attente = _demandes(activite, campagne, 3)
    _demandes(autre, campagne, 1)
    for demande in attente:
        services.demande_accepter(demande=demande, agent=agent)
    client.force_login(agent)
    reponse = client.get(LISTE, {"activite": str(activite.pk), "statut__exact": "liste_attente"})
    assert list(reponse.context["cl"].result_list) == attente
    assert "Garderie périscolaire — Garderie du soir" in _texte(reponse)  # choix du filtre
