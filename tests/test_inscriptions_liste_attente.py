"""Liste d'attente des inscriptions : une place libérée est proposée au premier en attente, qui
l'accepte ou la refuse dans le délai ; sinon elle passe au suivant."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from commun.models import Audit
from demandes import inscriptions, services
from demandes.models import Demande
from enfants.listes_attente import propositions_expirees_traiter
from enfants.models import Inscription
from messagerie.models import Message
from tests.aides import en_parallele
from tests.aides_inscriptions import campagne_ouverte, demander, enfant_de, garderie
from tests.factories import InscriptionFactory, UtilisateurFactory, famille_avec_parent

pytestmark = pytest.mark.django_db


def _agent_sans_groupe():
    # Un compte du personnel sans groupe : une base vidée par un test transactionnel n'a plus le
    # groupe CCAS, et les services de décision ne lisent que la permission sanitaire.
    return UtilisateurFactory(is_staff=True)


def _texte(reponse):
    return reponse.content.decode().replace("&#x27;", "'")


def _complet_avec_attente(places=1, en_attente=3):
    """Une activité complète (`places` inscriptions) et `en_attente` demandes en liste d'attente,
    de familles différentes, dans l'ordre d'arrivée."""
    activite = garderie(places_inscription=places)
    campagne = campagne_ouverte(activite)
    occupees = [
        InscriptionFactory(
            activite=activite, date_debut=campagne.periode_debut, date_fin=campagne.periode_fin
        )
        for _ in range(places)
    ]
    agent = _agent_sans_groupe()
    attente = []
    for _ in range(en_attente):
        parent = famille_avec_parent()
        demande = services.demande_accepter(
            demande=demander(parent, enfant_de(parent), activite, campagne), agent=agent
        )
        assert demande.statut == Demande.Statut.LISTE_ATTENTE
        attente.append(demande)
    return activite, campagne, occupees, attente, agent


def _statuts(demandes):
    statuts = dict(Demande.objects.values_list("pk", "statut"))
    return [statuts[d.pk] for d in demandes]


def test_inscription_supprimee_place_proposee_au_premier(settings, django_capture_on_commit_callbacks):
    settings.LISTE_ATTENTE_DELAI_HEURES = 24
    activite, _campagne, occupees, attente, _agent = _complet_avec_attente()
    mail.outbox.clear()
    avant = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].delete()
    assert _statuts(attente) == [
        Demande.Statut.PROPOSEE,
        Demande.Statut.LISTE_ATTENTE,
        Demande.Statut.LISTE_ATTENTE,
    ]
    premiere = Demande.objects.get(pk=attente[0].pk)
    assert (
        avant + datetime.timedelta(hours=24)
        <= premiere.proposition_limite
        <= timezone.now() + datetime.timedelta(hours=24)
    )
    lien = reverse("demandes:proposition", kwargs={"pk": premiere.pk})
    message = Message.objects.filter(fil__famille=premiere.famille).latest("pk")
    assert "Une place s'est libérée" in message.texte and lien in message.texte
    (courriel,) = mail.outbox
    assert lien in courriel.body and courriel.to == [premiere.famille.responsable_principal.email]
    assert (
        Audit.objects.filter(
            objet__startswith=f"Demande n° {premiere.pk}", action__startswith="Place libérée"
        ).count()
        == 1
    )


def test_places_augmentees_et_fin_avancee(django_capture_on_commit_callbacks):
    activite, campagne, occupees, attente, _agent = _complet_avec_attente(places=1, en_attente=3)
    with django_capture_on_commit_callbacks(execute=True):
        activite.places_inscription = 2
        activite.save()
    assert _statuts(attente) == [
        Demande.Statut.PROPOSEE,
        Demande.Statut.LISTE_ATTENTE,
        Demande.Statut.LISTE_ATTENTE,
    ]
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].date_fin = campagne.periode_debut - datetime.timedelta(days=1)
        occupees[0].date_debut = occupees[0].date_fin - datetime.timedelta(days=30)
        occupees[0].save()
    assert _statuts(attente) == [
        Demande.Statut.PROPOSEE,
        Demande.Statut.PROPOSEE,
        Demande.Statut.LISTE_ATTENTE,
    ]


def test_une_place_proposee_est_retenue(django_capture_on_commit_callbacks):
    activite, campagne, occupees, attente, agent = _complet_avec_attente(places=1, en_attente=1)
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].delete()
    parent = famille_avec_parent()
    nouvelle = services.demande_accepter(
        demande=demander(parent, enfant_de(parent), activite, campagne), agent=agent
    )
    assert nouvelle.statut == Demande.Statut.LISTE_ATTENTE  # la place attend la réponse de la première
    # Rejouer la proposition ne propose pas deux fois (idempotent).
    assert inscriptions.propositions_faire(activite_id=activite.pk) == []


def test_la_famille_accepte_la_place(client, django_capture_on_commit_callbacks):
    activite, _campagne, occupees, attente, _agent = _complet_avec_attente(en_attente=2)
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].delete()
    premiere = attente[0]
    client.force_login(premiere.famille.utilisateurs.get())
    url = reverse("demandes:proposition", kwargs={"pk": premiere.pk})
    page = _texte(client.get(url))
    assert "Accepter la place" in page and "Refuser la place" in page
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(url, {"decision": "accepter"})
    assert reponse.status_code == 302
    premiere.refresh_from_db()
    assert premiere.statut == Demande.Statut.ACCEPTEE
    assert Inscription.objects.filter(activite=activite, enfant=premiere.enfant).count() == 1
    assert Audit.objects.filter(action="Place proposée acceptée par la famille").count() == 1
    assert "Plus de place" not in _texte(client.get(url)) and "n'est plus proposée" in _texte(client.get(url))
    assert _statuts(attente[1:]) == [Demande.Statut.LISTE_ATTENTE]


def test_la_famille_refuse_la_place_qui_passe_au_suivant(client, django_capture_on_commit_callbacks):
    _activite, _campagne, occupees, attente, _agent = _complet_avec_attente(en_attente=2)
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].delete()
    client.force_login(attente[0].famille.utilisateurs.get())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("demandes:proposition", kwargs={"pk": attente[0].pk}), {"decision": "refuser"})
    assert _statuts(attente) == [Demande.Statut.REFUSEE, Demande.Statut.PROPOSEE]
    assert Demande.objects.get(pk=attente[0].pk).motif.startswith("Vous avez refusé la place proposée le ")


def test_proposition_expiree_passe_au_suivant(client, django_capture_on_commit_callbacks):
    _activite, _campagne, occupees, attente, _agent = _complet_avec_attente(en_attente=2)
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].delete()
    limite = Demande.objects.get(pk=attente[0].pk).proposition_limite
    assert (
        propositions_expirees_traiter(maintenant=limite - datetime.timedelta(seconds=1))["inscriptions"] == 0
    )
    client.force_login(attente[0].famille.utilisateurs.get())
    with django_capture_on_commit_callbacks(execute=True):
        assert propositions_expirees_traiter(maintenant=limite)["inscriptions"] == 1
    assert _statuts(attente) == [Demande.Statut.REFUSEE, Demande.Statut.PROPOSEE]
    assert "n'a pas été acceptée avant le" in Demande.objects.get(pk=attente[0].pk).motif
    # Trop tard pour accepter : la page le dit, rien n'est créé.
    reponse = client.post(
        reverse("demandes:proposition", kwargs={"pk": attente[0].pk}), {"decision": "accepter"}, follow=True
    )
    assert inscriptions.PROPOSITION_PLUS_VALABLE in _texte(reponse)
    assert not Inscription.objects.filter(enfant=attente[0].enfant).exists()


def test_accepter_apres_la_date_limite_refuse(django_capture_on_commit_callbacks):
    _activite, _campagne, occupees, attente, _agent = _complet_avec_attente(en_attente=1)
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].delete()
    demande = Demande.objects.get(pk=attente[0].pk)
    with pytest.raises(services.DemandeErreur) as erreur:
        inscriptions.proposition_accepter(
            demande=demande, famille=demande.famille, auteur=None, maintenant=demande.proposition_limite
        )
    assert "Le délai pour accepter cette place est passé" in erreur.value.message


def test_commande_listes_attente(django_capture_on_commit_callbacks):
    _activite, _campagne, occupees, attente, _agent = _complet_avec_attente(en_attente=1)
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].delete()
    Demande.objects.filter(pk=attente[0].pk).update(
        proposition_limite=timezone.now() - datetime.timedelta(minutes=1)
    )
    sortie = io.StringIO()
    call_command("listes_attente", stdout=sortie)
    assert "inscriptions : 1 proposition(s) expirée(s) traitée(s)" in sortie.getvalue()


def test_place_d_une_autre_famille_404(client, parent, django_capture_on_commit_callbacks):
    _activite, _campagne, occupees, attente, _agent = _complet_avec_attente(en_attente=1)
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].delete()
    client.force_login(parent)
    url = reverse("demandes:proposition", kwargs={"pk": attente[0].pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "accepter"}).status_code == 404
    assert Demande.objects.get(pk=attente[0].pk).statut == Demande.Statut.PROPOSEE


def test_la_liste_des_demandes_mene_a_la_place(client, django_capture_on_commit_callbacks):
    _activite, _campagne, occupees, attente, _agent = _complet_avec_attente(en_attente=1)
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].delete()
    client.force_login(attente[0].famille.utilisateurs.get())
    texte = _texte(client.get(reverse("demandes:liste"), {"cote": "enfants"}))
    assert reverse("demandes:proposition", kwargs={"pk": attente[0].pk}) in texte
    assert "Place proposée" in texte and "à accepter avant le" in texte


@pytest.mark.django_db(transaction=True)
def test_deux_liberations_simultanees_deux_familles_differentes():
    if connection.vendor != "postgresql":
        pytest.skip("verrous de ligne : PostgreSQL")
    _activite, _campagne, occupees, attente, _agent = _complet_avec_attente(places=2, en_attente=3)

    def liberer(inscription):
        def supprimer():
            with transaction.atomic():
                Inscription.objects.get(pk=inscription.pk).delete()
            return True

        return supprimer

    assert en_parallele([liberer(occupees[0]), liberer(occupees[1])]) == [True, True]
    assert _statuts(attente) == [
        Demande.Statut.PROPOSEE,
        Demande.Statut.PROPOSEE,
        Demande.Statut.LISTE_ATTENTE,
    ]
    for demande in attente[:2]:  # chacune proposée une seule fois
        assert (
            Audit.objects.filter(
                objet__startswith=f"Demande n° {demande.pk} ", action__startswith="Place libérée"
            ).count()
            == 1
        )


def test_demo_une_demande_en_attente_et_une_en_liste_d_attente(settings):
    settings.DEBUG = True
    call_command("demo", stdout=io.StringIO())
    call_command("demo", stdout=io.StringIO())  # rejouable
    statuts = sorted(
        Demande.objects.filter(type="inscription_activite", famille__numero="1001001818331").values_list(
            "enfant__prenom", "statut"
        )
    )
    assert statuts == [
        ("LÉA", Demande.Statut.EN_ATTENTE),
        ("LÉA", Demande.Statut.LISTE_ATTENTE),
        ("TOM", Demande.Statut.ACCEPTEE),
    ]


def test_page_de_la_place_apres_le_delai(client, django_capture_on_commit_callbacks):
    _activite, _campagne, occupees, attente, _agent = _complet_avec_attente(en_attente=1)
    with django_capture_on_commit_callbacks(execute=True):
        occupees[0].delete()
    Demande.objects.filter(pk=attente[0].pk).update(
        proposition_limite=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.force_login(attente[0].famille.utilisateurs.get())
    texte = _texte(client.get(reverse("demandes:proposition", kwargs={"pk": attente[0].pk})))
    assert "Le délai pour accepter cette place est passé" in texte
    assert "Accepter la place" not in texte


def test_la_commande_rattrape_une_place_liberee_sans_signal(django_capture_on_commit_callbacks):
    _activite, _campagne, occupees, attente, _agent = _complet_avec_attente(en_attente=2)
    Inscription.objects.filter(pk=occupees[0].pk).update(
        date_fin=occupees[0].date_debut - datetime.timedelta(days=1),
        date_debut=occupees[0].date_debut - datetime.timedelta(days=2),
    )
    assert _statuts(attente) == [Demande.Statut.LISTE_ATTENTE] * 2  # update() : aucun signal
    with django_capture_on_commit_callbacks(execute=True):
        assert propositions_expirees_traiter(maintenant=timezone.now())["inscriptions"] == 0
    assert _statuts(attente) == [Demande.Statut.PROPOSEE, Demande.Statut.LISTE_ATTENTE]
