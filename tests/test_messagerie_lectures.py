"""Une lecture par compte (issue 22) : chaque responsable a sa propre boîte de réception.

Deux parents séparés, deux comptes de la même famille : ce que l'un a lu reste non lu pour
l'autre (compteur de l'en-tête, liste de la Boîte de réception, fil) ; le CCAS voit qui a lu ;
les lectures d'avant la migration sont reprises pour chaque compte."""

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messagerie import selectors, services
from messagerie.models import LectureFil, Message
from tests.factories import AgentStructureFactory, MessageFactory, fil_avec_messages, second_parent

pytestmark = pytest.mark.django_db


@pytest.fixture
def conjoint(parent):
    return second_parent(parent)


@pytest.fixture
def client_conjoint(conjoint):
    client = Client()
    client.force_login(conjoint)
    return client


def _page(client, nom, *args) -> str:
    reponse = client.get(reverse(nom, args=args))
    assert reponse.status_code == 200
    return reponse.content.decode()


def test_ce_qu_un_parent_a_lu_reste_non_lu_pour_l_autre(client_parent, client_conjoint, parent, conjoint):
    fil = fil_avec_messages(famille=parent.famille, recus=2, envoyes=1, objet="Sortie au zoo")
    _page(client_parent, "messagerie:fil", fil.pk)  # le premier parent lit

    # Lui : plus rien de non lu, ni en tête ni dans la liste, ni dans le fil rouvert.
    boite = _page(client_parent, "messagerie:boite")
    assert "0 nouveau message" in boite and "fil-non-lu" not in boite and "non lu" not in boite
    assert "Nouveau</span>" not in _page(client_parent, "messagerie:fil", fil.pk)
    # L'autre : ses deux messages sont toujours nouveaux.
    boite = _page(client_conjoint, "messagerie:boite")
    assert "2 nouveaux messages" in boite
    assert "fil-non-lu" in boite and "2 non lus" in boite
    assert _page(client_conjoint, "messagerie:fil", fil.pk).count("Nouveau</span>") == 2
    # Puis lus pour lui aussi.
    assert "0 nouveau message" in _page(client_conjoint, "messagerie:boite")
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=conjoint) == 0


def test_une_reponse_apres_lecture_est_nouvelle_pour_chacun(client_parent, parent, conjoint, agent):
    fil = fil_avec_messages(famille=parent.famille, recus=1)
    _page(client_parent, "messagerie:fil", fil.pk)
    services.fil_lire(fil=fil, compte=conjoint)
    services.message_structure_repondre(fil=fil, agent=agent, texte="Et la date ?")
    for compte in (parent, conjoint):
        assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=compte) == 1
    page = _page(client_parent, "messagerie:fil", fil.pk)
    assert page.count("Nouveau</span>") == 1  # la réponse, pas le message déjà lu


def test_le_message_d_un_parent_est_vu_par_l_autre_avec_son_nom(
    client_parent, client_conjoint, parent, conjoint
):
    fil = fil_avec_messages(famille=parent.famille, recus=0, envoyes=0)
    services.message_famille_repondre(fil=fil, auteur=parent, texte="Je viendrai le chercher.")
    page = _page(client_conjoint, "messagerie:fil", fil.pk)
    assert parent.responsable.nom_complet in page and "Je viendrai le chercher." in page
    # Un message de la famille n'est jamais « non lu » pour l'un ou l'autre parent.
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=conjoint) == 0
    assert "Vous" in _page(client_parent, "messagerie:fil", fil.pk)


def test_rouvrir_un_fil_deja_lu_n_ecrit_rien(parent):
    fil = fil_avec_messages(famille=parent.famille, recus=2)
    assert services.fil_lire(fil=fil, compte=parent) is True
    lecture = LectureFil.objects.get(fil=fil, compte=parent)
    assert lecture.dernier_lu == fil.messages.filter(de_la_famille=False).last()
    assert services.fil_lire(fil=fil, compte=parent) is False
    assert LectureFil.objects.get(fil=fil, compte=parent).lu_le == lecture.lu_le


def test_la_premiere_lecture_par_la_famille_est_celle_que_voit_le_ccas(parent, conjoint):
    fil = fil_avec_messages(famille=parent.famille, recus=1)
    services.fil_lire(fil=fil, compte=parent)
    premiere = Message.objects.get(fil=fil, de_la_famille=False).lu_le
    assert premiere is not None
    services.fil_lire(fil=fil, compte=conjoint)
    assert Message.objects.get(fil=fil, de_la_famille=False).lu_le == premiere
    # La lecture par la famille ne touche pas ce que la structure a lu des messages du parent.
    assert Message.objects.get(fil=fil, de_la_famille=True).lu_le is None


def test_un_compte_d_une_autre_famille_ne_marque_rien(client, parent, autre_parent):
    fil = fil_avec_messages(famille=parent.famille, recus=1)
    client.force_login(autre_parent)
    assert client.get(reverse("messagerie:fil", args=[fil.pk])).status_code == 404
    with pytest.raises(services.LectureRefusee):
        services.fil_lire(fil=fil, compte=autre_parent)
    assert not LectureFil.objects.exists()
    assert not Message.objects.filter(lu_le__isnull=False).exists()
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=parent) == 1


def test_l_agent_voit_quel_parent_a_lu(client, agent, parent, conjoint):
    fil = fil_avec_messages(famille=parent.famille, recus=1, objet="Facture de novembre")
    AgentStructureFactory(agent=agent, structure=fil.structure)
    client.force_login(agent)
    url = reverse("admin:messagerie_fil_change", args=[fil.pk])
    lui, elle = conjoint.responsable.nom_complet, parent.responsable.nom_complet
    page = _page_admin(client, url)
    assert "(non lu)" in page and "Dernière lecture par la famille" not in page
    services.fil_lire(fil=fil, compte=conjoint)
    page = _page_admin(client, url)
    assert f"(lu par {lui})" in page and f"{lui} le " in page and f"{elle} le " not in page
    services.fil_lire(fil=fil, compte=parent)
    page = _page_admin(client, url)
    # Les comptes dans l'ordre de leur création : le parent, puis le conjoint.
    assert f"(lu par {elle}, {lui})" in page and f"{elle} le " in page


def _page_admin(client, url) -> str:
    reponse = client.get(url)
    assert reponse.status_code == 200
    return reponse.content.decode()


def test_la_lecture_d_un_parent_rend_caduc_le_cache_de_la_famille(parent, conjoint):
    from commun import versions

    fil = fil_avec_messages(famille=parent.famille, recus=1)
    avant = versions.versions(famille_id=parent.famille_id)
    services.fil_lire(fil=fil, compte=parent)
    apres = versions.versions(famille_id=parent.famille_id)
    assert apres[0] > avant[0]  # la famille, par le fil
    assert apres[1] == avant[1]  # pas les données communes


# --- Reprise des lectures existantes (migration messagerie.0007) -------------------------------

_MIGRATION = importlib.import_module("messagerie.migrations.0007_lectures_par_compte")


def test_la_migration_reprend_les_lectures_pour_chaque_compte_existant(parent, conjoint, autre_parent):
    lu = fil_avec_messages(famille=parent.famille, recus=2)
    Message.objects.filter(fil=lu).update(lu_le=timezone.now())
    MessageFactory(fil=lu, de_la_famille=False)  # arrivé ensuite, jamais ouvert
    jamais = fil_avec_messages(famille=parent.famille, recus=1)
    sans_compte = fil_avec_messages(famille=autre_parent.famille, recus=1)
    Message.objects.filter(fil=sans_compte).update(lu_le=timezone.now())
    autre_parent.delete()  # une famille sans compte : rien à reprendre
    avant = {
        c: selectors.messages_non_lus_nombre(famille=parent.famille, compte=c) for c in (parent, conjoint)
    }
    assert avant == {parent: 4, conjoint: 4}  # sans lecture par compte, tout paraît non lu

    _MIGRATION.lectures_reprendre(apps, None)

    dernier_lu = Message.objects.filter(fil=lu, de_la_famille=False).order_by("pk")[1]
    assert set(LectureFil.objects.values_list("fil", "compte", "dernier_lu")) == {
        (lu.pk, parent.pk, dernier_lu.pk),
        (lu.pk, conjoint.pk, dernier_lu.pk),
    }
    for compte in (parent, conjoint):
        # Ce qui était lu l'est pour chacun ; le reste (1 + 1) reste à lire.
        assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=compte) == 2
    assert not LectureFil.objects.filter(fil=jamais).exists()


def test_la_migration_s_arrete_au_premier_message_jamais_lu(parent):
    fil = fil_avec_messages(famille=parent.famille, recus=0, envoyes=0)
    lus_puis_trou = [MessageFactory(fil=fil, de_la_famille=False, lu_le=timezone.now()) for _ in range(2)]
    MessageFactory(fil=fil, de_la_famille=False)  # jamais ouvert
    MessageFactory(fil=fil, de_la_famille=False, lu_le=timezone.now())  # incohérent : reste non lu
    _MIGRATION.lectures_reprendre(apps, None)
    assert LectureFil.objects.get(fil=fil, compte=parent).dernier_lu == lus_puis_trou[1]
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=parent) == 2


def test_l_export_rgpd_et_la_purge_couvrent_les_lectures(parent, conjoint):
    from portail import export
    from portail.purge import COUVERTURE, modeles_de_famille

    fil = fil_avec_messages(famille=parent.famille, recus=1, objet="Sortie au zoo")
    for compte in (parent, conjoint):
        services.fil_lire(fil=fil, compte=compte)
    section = next(
        s for s in export.donnees_famille(famille=parent.famille) if s["modele"] == "messagerie.LectureFil"
    )
    assert len(section["objets"]) == 2
    assert LectureFil in modeles_de_famille() and LectureFil in COUVERTURE


# --- Le compte d'un second responsable, créé quand la famille reçoit déjà des messages -------


def _second_compte(parent):
    """Le compte du conjoint créé par l'agent (le service de l'administration)."""
    from familles import services as familles_services
    from familles.models import Responsable
    from tests.factories import ResponsableFactory

    ResponsableFactory(famille=parent.famille, role=Responsable.Role.CONJOINT, email="conjointe@example.org")
    compte, _ = familles_services.compte_famille_creer(
        famille=parent.famille, identifiant="conjointe.dupont", role=Responsable.Role.CONJOINT
    )
    return compte


def test_le_second_compte_ne_voit_pas_l_historique_comme_nouveau(parent, agent):
    """Les messages reçus avant la création de son compte ne lui sont pas annoncés comme
    nouveaux (il les lit dans « Reçus ») ; ceux d'après, si. Le premier parent garde les siens, et
    le CCAS ne voit pas « lu par » un parent qui n'a rien ouvert."""
    ancien = fil_avec_messages(famille=parent.famille, recus=3, envoyes=1, objet="Décision de 2024")
    compte = _second_compte(parent)
    assert compte.messages_anterieurs_jusqu_a == ancien.messages.filter(de_la_famille=False).last().pk
    assert not LectureFil.objects.filter(compte=compte).exists()
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=compte) == 0
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=parent) == 3

    compte.doit_changer_mot_de_passe = False  # son mot de passe temporaire déjà changé
    compte.save(update_fields=["doit_changer_mot_de_passe"])
    client = Client()
    client.force_login(compte)
    boite = _page(client, "messagerie:boite")
    assert "0 nouveau message" in boite and "Décision de 2024" in boite and "fil-non-lu" not in boite
    fil = _page(client, "messagerie:fil", ancien.pk)
    assert "Nouveau</span>" not in fil
    assert not services.fil_lire(fil=ancien, compte=compte)  # rien de nouveau : rien d'écrit

    # Une réponse d'après : nouvelle pour les deux.
    services.message_structure_repondre(fil=ancien, agent=agent, texte="Et pour 2027 ?")
    for lecteur, attendu in ((compte, 1), (parent, 4)):
        assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=lecteur) == attendu
    assert _page(client, "messagerie:fil", ancien.pk).count("Nouveau</span>") == 1


def test_le_premier_compte_voit_tous_les_messages(parent):
    """Sans autre compte dans la famille, rien n'est écarté (le titulaire reçoit tout)."""
    from familles import services as familles_services
    from tests.factories import FamilleFactory, ResponsableFactory

    famille = FamilleFactory()
    ResponsableFactory(famille=famille)
    fil_avec_messages(famille=famille, recus=2, envoyes=0)
    compte, _ = familles_services.compte_famille_creer(famille=famille, identifiant="titulaire.neuf")
    assert compte.messages_anterieurs_jusqu_a == 0
    assert selectors.messages_non_lus_nombre(famille=famille, compte=compte) == 2
