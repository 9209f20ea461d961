import pytest
from django.urls import reverse
from django.utils import timezone

from messagerie import selectors, services
from messagerie.models import Fil, Message
from messagerie.views import MESSAGE_ENVOYE
from tests.factories import FilFactory, MessageFactory, StructureFactory, fil_avec_messages

pytestmark = pytest.mark.django_db


def test_le_parent_ecrit_a_une_structure(client_parent, parent):
    creche = StructureFactory(nom="Crèche")
    reponse = client_parent.post(
        reverse("messagerie:nouveau"),
        {
            "structure": creche.pk,
            "objet": "Absence de Léa",
            "texte": "Léa sera absente lundi.",
        },
        follow=True,
    )
    fil = Fil.objects.get(famille=parent.famille)
    assert fil.structure == creche and fil.initie_par_famille
    assert fil.messages.get().texte == "Léa sera absente lundi."
    assert MESSAGE_ENVOYE in reponse.content.decode()
    envoyes = client_parent.get(reverse("messagerie:envoyes")).content.decode()
    assert "Absence de Léa" in envoyes and "0 réponse" in envoyes


def test_formulaire_incomplet_reaffiche_les_erreurs_sans_rien_perdre(client_parent, parent):
    StructureFactory(nom="Crèche")
    reponse = client_parent.post(reverse("messagerie:nouveau"), {"objet": "Mon objet", "texte": ""})
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert "Choisissez la structure à qui écrire." in page
    assert "Écrivez votre message." in page
    assert 'value="Mon objet"' in page
    assert not Fil.objects.exists()


def test_compteur_non_lus_en_tete_et_ouverture_du_fil(client_parent, parent):
    fil = fil_avec_messages(famille=parent.famille, recus=2, envoyes=1)
    fil_avec_messages(famille=parent.famille, recus=1, envoyes=0)
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=parent) == 3
    accueil = client_parent.get(reverse("portail:accueil")).content.decode()
    assert "3 nouveaux messages" in accueil
    assert f'href="{reverse("messagerie:boite")}"' in accueil

    page = client_parent.get(reverse("messagerie:fil", args=[fil.pk])).content.decode()
    # Le compteur affiché sur la page du fil tient déjà compte de la lecture.
    assert "1 nouveau message" in page
    assert "Bonjour, c&#x27;est bien noté." in page
    assert not Message.objects.filter(fil=fil, lu_le__isnull=True, de_la_famille=False).exists()
    # Les messages du parent restent « non lus » pour la structure.
    assert Message.objects.filter(fil=fil, lu_le__isnull=True, de_la_famille=True).count() == 1


def test_recus_envoyes_et_non_lus_d_abord_signales(client_parent, parent):
    recu = FilFactory(famille=parent.famille, initie_par_famille=False, objet="Sortie au zoo")
    MessageFactory(fil=recu, de_la_famille=False)
    sans_reponse = fil_avec_messages(famille=parent.famille, recus=0, objet="Sans réponse")
    repondu = fil_avec_messages(famille=parent.famille, recus=1, objet="Avec réponse")
    recus = list(selectors.fils_recus(famille=parent.famille, compte=parent))
    assert set(recus) == {recu, repondu}
    assert all(f.non_lus == 1 for f in recus)
    envoyes = {f.pk: f for f in selectors.fils_envoyes(famille=parent.famille, compte=parent)}
    assert set(envoyes) == {sans_reponse.pk, repondu.pk}
    assert envoyes[repondu.pk].nombre_reponses == 1
    assert envoyes[repondu.pk].nombre_messages == 2
    page = client_parent.get(reverse("messagerie:boite")).content.decode()
    assert "Sortie au zoo" in page and "1 non lu" in page and "Sans réponse" not in page


def test_supprimer_puis_restaurer(client_parent, parent):
    fil = fil_avec_messages(famille=parent.famille, recus=1)
    reponse = client_parent.post(reverse("messagerie:fil_supprimer", args=[fil.pk]))
    assert reponse.status_code == 302
    fil.refresh_from_db()
    assert fil.supprime_le is not None
    assert fil.messages.count() == 2  # rien n'est effacé
    assert fil not in selectors.fils_recus(famille=parent.famille, compte=parent)
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=parent) == 0
    assert fil.objet in client_parent.get(reverse("messagerie:supprimes")).content.decode()

    client_parent.post(reverse("messagerie:fil_restaurer", args=[fil.pk]))
    fil.refresh_from_db()
    assert fil.supprime_le is None
    assert fil in selectors.fils_recus(famille=parent.famille, compte=parent)
    assert fil.objet not in client_parent.get(reverse("messagerie:supprimes")).content.decode()


def test_une_nouvelle_reponse_ramene_un_fil_supprime(parent, agent):
    fil = fil_avec_messages(famille=parent.famille, recus=0, supprime_le=timezone.now())
    services.message_structure_repondre(fil=fil, agent=agent, texte="Réponse")
    fil.refresh_from_db()
    assert fil.supprime_le is None


def test_le_parent_repond_dans_le_fil(client_parent, parent):
    fil = fil_avec_messages(famille=parent.famille, recus=1)
    reponse = client_parent.post(reverse("messagerie:fil", args=[fil.pk]), {"texte": "Merci !"})
    assert reponse.status_code == 302
    dernier = fil.messages.last()
    assert dernier.texte == "Merci !" and dernier.de_la_famille and dernier.auteur == parent
    vide = client_parent.post(reverse("messagerie:fil", args=[fil.pk]), {"texte": ""})
    assert vide.status_code == 200 and "Écrivez votre réponse." in vide.content.decode()


@pytest.mark.parametrize("nom", ["messagerie:fil", "messagerie:fil_supprimer", "messagerie:fil_restaurer"])
def test_une_autre_famille_obtient_404(client, autre_parent, parent, nom):
    fil = fil_avec_messages(famille=parent.famille)
    client.force_login(autre_parent)
    methode = client.get if nom == "messagerie:fil" else client.post
    assert methode(reverse(nom, args=[fil.pk])).status_code == 404
    assert fil.messages.filter(lu_le__isnull=False).count() == 0


def test_la_boite_n_affiche_que_les_fils_de_la_famille(client_parent, parent, autre_parent):
    fil_avec_messages(famille=autre_parent.famille, objet="Chez les voisins")
    for nom in ("messagerie:boite", "messagerie:envoyes", "messagerie:supprimes"):
        assert "Chez les voisins" not in client_parent.get(reverse(nom)).content.decode()
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=parent) == 0


def _requetes(client, url, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as contexte:
        assert client.get(url).status_code == 200
    return len(contexte.captured_queries)


@pytest.mark.parametrize("nom", ["messagerie:boite", "messagerie:envoyes", "messagerie:supprimes"])
def test_budget_de_requetes_avec_200_fils(client_parent, parent, django_assert_max_num_queries, nom):
    fil_avec_messages(famille=parent.famille, supprime_le=timezone.now())
    fil_avec_messages(famille=parent.famille)
    un = _requetes(client_parent, reverse(nom), django_assert_max_num_queries, 15)
    for i in range(200):
        fil_avec_messages(famille=parent.famille, supprime_le=timezone.now() if i % 2 else None)
    assert _requetes(client_parent, reverse(nom), django_assert_max_num_queries, un) == un
    assert _requetes(client_parent, reverse(nom) + "?page=4", django_assert_max_num_queries, un) == un


def test_budget_de_requetes_d_un_fil(client_parent, parent, django_assert_max_num_queries):
    from tests.factories import PieceJointeFactory

    fil = fil_avec_messages(famille=parent.famille)
    url = reverse("messagerie:fil", args=[fil.pk])
    un = _requetes(client_parent, url, django_assert_max_num_queries, 20)
    for _ in range(30):
        PieceJointeFactory(message__fil=fil, message__de_la_famille=False)
    assert _requetes(client_parent, url, django_assert_max_num_queries, un) == un


def test_pluriels_a_la_francaise(client_parent, parent):
    """« 0 réponse » et « 1 réponse » au singulier, comme on l'écrit en français."""
    fil_avec_messages(famille=parent.famille, recus=0, objet="Sans réponse")
    fil_avec_messages(famille=parent.famille, recus=2, objet="Deux réponses")
    page = " ".join(client_parent.get(reverse("messagerie:envoyes")).content.decode().split())
    assert "1 message, 0 réponse —" in page
    assert "3 messages, 2 réponses —" in page
    assert "0 réponses" not in page


def test_taille_des_pieces_jointes_en_francais(client_parent, parent):
    from tests.factories import PieceJointeFactory

    fil = fil_avec_messages(famille=parent.famille)
    PieceJointeFactory(message=fil.messages.first(), nom="menu.pdf", taille=5427)
    page = client_parent.get(reverse("messagerie:fil", args=[fil.pk])).content.decode()
    assert "menu.pdf</a> (5,3\u00a0Ko)" in page
    assert "Kio" not in page
