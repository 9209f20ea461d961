"""Limites d'envoi par famille : messages (MESSAGERIE_LIMITE_PAR_HEURE, 20 par défaut) et
demandes de modification (DEMANDES_LIMITE_PAR_HEURE, 30 par défaut) sur l'heure écoulée.

Au-delà, le formulaire est réaffiché avec un message en français qui dit quand réessayer, et ce
que le parent a écrit n'est pas perdu ; une autre famille n'est pas concernée ; une heure après,
l'envoi repasse. Les réservations et absences du planning n'entrent pas dans le compte (elles
ont leurs propres règles de délai et de capacité, et un mois se réserve d'un coup).
"""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from demandes import services as demandes_services
from demandes.models import Demande
from messagerie import services as messagerie_services
from messagerie.models import Message
from tests.factories import StructureFactory, demande_creer, famille_avec_parent, fil_avec_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def limites(settings):
    settings.MESSAGERIE_LIMITE_PAR_HEURE = 3
    settings.DEMANDES_LIMITE_PAR_HEURE = 2


def ecrire(client, structure, objet="Question", texte="Bonjour, une question sur mercredi."):
    return client.post(
        reverse("messagerie:nouveau"), {"structure": structure.pk, "objet": objet, "texte": texte}
    )


def test_defauts():
    from django.conf import settings

    assert settings.MESSAGERIE_LIMITE_PAR_HEURE == 20
    assert settings.DEMANDES_LIMITE_PAR_HEURE == 30


def test_messages_limites_par_famille_et_par_heure(client, parent, limites):
    structure = StructureFactory(nom="Accueil de Loisirs")
    client.force_login(parent)
    for n in range(3):
        assert ecrire(client, structure, objet=f"Question {n}").status_code == 302
    reponse = ecrire(client, structure, objet="Quatrième", texte="Un texte que je ne veux pas perdre.")
    assert reponse.status_code == 200
    page = html.unescape(reponse.content.decode())
    assert "Vous avez envoyé 3 messages dans l'heure : c'est le maximum." in page
    assert "Vous pourrez écrire de nouveau à partir de" in page
    assert "Un texte que je ne veux pas perdre." in page and 'value="Quatrième"' in page
    assert Message.objects.filter(fil__famille=parent.famille).count() == 3

    # Une réponse dans un fil existant compte aussi.
    fil = fil_avec_messages(famille=parent.famille, envoyes=0)
    reponse = client.post(reverse("messagerie:fil", args=[fil.pk]), {"texte": "Ma réponse gardée."})
    assert reponse.status_code == 200
    assert "c'est le maximum" in html.unescape(reponse.content.decode())
    assert "Ma réponse gardée." in reponse.content.decode()

    # Une autre famille écrit sans être gênée.
    client.force_login(famille_avec_parent())
    assert ecrire(client, structure).status_code == 302

    # Une heure plus tard, la famille peut écrire de nouveau.
    Message.objects.filter(fil__famille=parent.famille).update(
        date_envoi=timezone.now() - datetime.timedelta(minutes=61)
    )
    client.force_login(parent)
    assert ecrire(client, structure).status_code == 302


def test_la_limite_tient_au_service(parent, limites):
    structure = StructureFactory()
    for _ in range(3):
        messagerie_services.fil_creer_par_famille(
            famille=parent.famille, auteur=parent, structure=structure, objet="x", texte="y"
        )
    with pytest.raises(messagerie_services.LimiteAtteinte):
        messagerie_services.fil_creer_par_famille(
            famille=parent.famille, auteur=parent, structure=structure, objet="x", texte="y"
        )
    assert Message.objects.count() == 3


def test_les_reponses_des_agents_ne_comptent_pas(parent, limites):
    fil = fil_avec_messages(famille=parent.famille, envoyes=0, recus=0)
    for _ in range(5):
        messagerie_services.message_structure_repondre(fil=fil, agent=None, texte="Réponse")
    messagerie_services.message_famille_repondre(fil=fil, auteur=parent, texte="Merci")


def test_demandes_limitees_par_famille_et_par_heure(client, parent, limites):
    demande_creer(parent, "caf", {"quotient_familial": "640"})
    demande_creer(parent, "fiscales", {"annee_fiscale": "2024"})
    client.force_login(parent)
    url = reverse("demandes:compte_responsable")
    reponse = client.get(url)
    donnees = {k: v for k, v in reponse.context["form"].initial.items() if v not in (None, False)}
    donnees.update({"ville": "CHARTRES", "adresse": "3 rue Neuve"})
    reponse = client.post(url, donnees)
    assert reponse.status_code == 200
    page = html.unescape(reponse.content.decode())
    assert "Vous avez envoyé 2 demandes dans l'heure : c'est le maximum." in page
    assert 'value="3 rue Neuve"' in page
    assert Demande.objects.filter(famille=parent.famille).count() == 2
    with pytest.raises(demandes_services.LimiteAtteinte):
        demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    # Une autre famille n'est pas concernée.
    demande_creer(famille_avec_parent(), "caf", {"quotient_familial": "640"})
    # Une heure plus tard, de nouveau possible.
    Demande.objects.filter(famille=parent.famille).update(
        cree_le=timezone.now() - datetime.timedelta(minutes=61)
    )
    demande_creer(parent, "responsable", {"ville": "CHARTRES"})


def test_les_demandes_du_planning_ne_comptent_pas(parent, limites):
    """Une réservation à valider par le CCAS devient une demande de la file : jamais bloquée par
    la limite, et elle n'entre pas dans le compte des demandes de modification."""
    from demandes import registre
    from tests.factories import InscriptionFactory, ReservationFactory

    inscription = InscriptionFactory(enfant__famille=parent.famille)
    type_ = registre.type_demande("reservation")
    for jour in range(1, 5):
        reservation = ReservationFactory(
            inscription=inscription, etat="en_attente", date=datetime.date(2015, 4, jour)
        )
        formulaire = type_.construire(
            famille=parent.famille, enfant=inscription.enfant, data={"reservation": reservation.pk}
        )
        demandes_services.demande_creer(
            famille=parent.famille,
            type_code="reservation",
            formulaire=formulaire,
            enfant=inscription.enfant,
            auteur=parent,
        )
    demande_creer(parent, "caf", {"quotient_familial": "640"})
    demande_creer(parent, "fiscales", {"annee_fiscale": "2024"})
    assert Demande.objects.filter(famille=parent.famille).count() == 6


def test_une_limite_de_un_au_singulier(client, parent, settings):
    settings.MESSAGERIE_LIMITE_PAR_HEURE = 1
    structure = StructureFactory()
    client.force_login(parent)
    assert ecrire(client, structure).status_code == 302
    page = html.unescape(ecrire(client, structure).content.decode())
    assert "Vous avez envoyé 1 message dans l'heure" in page
