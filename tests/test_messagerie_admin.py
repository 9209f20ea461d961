import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from commun.permissions import NOM_GROUPE_CCAS
from messagerie import selectors, services
from messagerie.models import Diffusion, Fil, Message
from tests.factories import (
    ActiviteFactory,
    AgentStructureFactory,
    EnfantFactory,
    FamilleFactory,
    PieceJointeFactory,
    ResponsableFactory,
    StructureFactory,
    agent_ccas,
    fil_avec_messages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alsh():
    return StructureFactory(nom="Accueil de Loisirs")


@pytest.fixture
def client_agent(client, agent, alsh):
    AgentStructureFactory(agent=agent, structure=alsh)
    client.force_login(agent)
    return client


def test_le_groupe_ccas_a_les_droits_de_la_messagerie():
    codenames = set(
        Group.objects.get(name=NOM_GROUPE_CCAS)
        .permissions.filter(content_type__app_label="messagerie")
        .values_list("codename", flat=True)
    )
    assert {
        "view_fil",
        "change_fil",
        "add_fil",
        "add_diffusion",
        "add_document",
        "change_information",
    } <= codenames


def test_l_agent_voit_les_fils_de_ses_structures_non_lus_d_abord(client_agent, agent, alsh, parent):
    creche = StructureFactory(nom="Crèche")
    lu = fil_avec_messages(famille=parent.famille, structure=alsh, objet="Déjà lu", recus=1)
    Message.objects.filter(fil=lu).update(lu_le="2026-01-01T10:00Z")
    non_lu = fil_avec_messages(famille=parent.famille, structure=alsh, objet="Pas encore lu", recus=0)
    # Le fil lu est plus récent, mais le non lu passe devant.
    services.message_structure_repondre(fil=lu, agent=agent, texte="Relance")
    fil_avec_messages(famille=parent.famille, structure=creche, objet="Autre structure")
    assert list(selectors.fils_agent(agent=agent)) == [non_lu, lu]
    page = client_agent.get(reverse("admin:messagerie_fil_changelist")).content.decode()
    assert page.index("Pas encore lu") < page.index("Déjà lu")
    assert "Autre structure" not in page
    autre = client_agent.get(
        reverse("admin:messagerie_fil_change", args=[Fil.objects.get(objet="Autre structure").pk])
    )
    assert autre.status_code == 302  # objet introuvable pour cet agent : retour à la liste


def test_l_agent_repond_dans_le_fil(client_agent, agent, alsh, parent):
    fil = fil_avec_messages(famille=parent.famille, structure=alsh, recus=0)
    url = reverse("admin:messagerie_fil_change", args=[fil.pk])
    Message.objects.filter(fil=fil).update(texte="<script>alert(1)</script> Léa sera absente")
    page = client_agent.get(url)
    assert page.status_code == 200
    contenu = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Léa sera absente" in contenu
    assert "<script>alert(1)" not in contenu
    # Ouvrir le fil marque lus les messages de la famille.
    assert not fil.messages.filter(de_la_famille=True, lu_le__isnull=True).exists()
    reponse = client_agent.post(url, {"reponse": "C'est noté, à mercredi."})
    assert reponse.status_code == 302
    dernier = fil.messages.last()
    assert dernier.texte == "C'est noté, à mercredi." and not dernier.de_la_famille
    assert dernier.auteur == agent and dernier.lu_le is None
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=parent) == 1


def test_l_agent_joint_un_pdf_a_sa_reponse_mais_pas_un_executable(client_agent, alsh, parent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from messagerie.models import PieceJointe
    from tests.factories import CONTENU_PDF

    fil = fil_avec_messages(famille=parent.famille, structure=alsh, recus=0)
    url = reverse("admin:messagerie_fil_change", args=[fil.pk])
    refuse = client_agent.post(
        url,
        {
            "reponse": "Voici",
            "pieces_jointes": SimpleUploadedFile(
                "programme.pdf", b"MZ\x90\x00" + b"\x00" * 60, "application/pdf"
            ),
        },
    )
    assert refuse.status_code == 200 and not PieceJointe.objects.exists()
    assert fil.messages.count() == 1
    client_agent.post(
        url,
        {
            "reponse": "Voici le menu",
            "pieces_jointes": SimpleUploadedFile("menu.pdf", CONTENU_PDF, "application/pdf"),
        },
    )
    piece = PieceJointe.objects.get()
    assert piece.message.texte == "Voici le menu" and not piece.message.de_la_famille
    # La famille la télécharge depuis son fil.
    client_agent.force_login(parent)
    assert client_agent.get(reverse("messagerie:piece_jointe", args=[piece.pk])).status_code == 200


def test_liste_des_fils_de_l_agent_en_nombre_constant_de_requetes(
    client_agent, alsh, django_assert_max_num_queries
):
    from tests.factories import famille_avec_parent

    fil_avec_messages(famille=famille_avec_parent().famille, structure=alsh)
    url = reverse("admin:messagerie_fil_changelist")
    with django_assert_max_num_queries(30) as un:
        assert client_agent.get(url).status_code == 200
    for _ in range(30):
        fil_avec_messages(famille=famille_avec_parent().famille, structure=alsh)
    with django_assert_max_num_queries(len(un.captured_queries)):
        assert client_agent.get(url).status_code == 200


def test_l_agent_telecharge_une_piece_jointe_de_sa_structure_seulement(client_agent, alsh, parent):
    fil = fil_avec_messages(famille=parent.famille, structure=alsh)
    piece = PieceJointeFactory(message=fil.messages.first())
    url = reverse("admin:messagerie_fil_piece_jointe", args=[fil.pk, piece.pk])
    reponse = client_agent.get(url)
    assert reponse.status_code == 200 and reponse["X-Content-Type-Options"] == "nosniff"
    autre = fil_avec_messages(famille=parent.famille, structure=StructureFactory(nom="Crèche"))
    piece_autre = PieceJointeFactory(message=autre.messages.first())
    assert (
        client_agent.get(
            reverse("admin:messagerie_fil_piece_jointe", args=[autre.pk, piece_autre.pk])
        ).status_code
        == 404
    )
    assert (
        client_agent.get(
            reverse("admin:messagerie_fil_piece_jointe", args=[fil.pk, piece_autre.pk])
        ).status_code
        == 404
    )


def test_l_agent_ecrit_a_une_famille(client_agent, agent, alsh, parent):
    reponse = client_agent.post(
        reverse("admin:messagerie_fil_add"),
        {
            "famille": parent.famille.pk,
            "structure": alsh.pk,
            "objet": "Sortie piscine",
            "texte": "Pensez au maillot de bain.",
        },
    )
    assert reponse.status_code == 302
    fil = Fil.objects.get(famille=parent.famille)
    assert not fil.initie_par_famille and fil.structure == alsh
    assert fil.messages.get().auteur == agent
    assert selectors.messages_non_lus_nombre(famille=parent.famille, compte=parent) == 1


def test_diffusion_a_une_activite_creee_dans_la_requete_envoyee_en_tache(
    client_agent, agent, alsh, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    import datetime

    from django.tasks import default_task_backend

    from tests.factories import InscriptionFactory

    activite = ActiviteFactory(structure=alsh, nom="ALSH Mercredi après-midi")
    autre_activite = ActiviteFactory(structure=alsh, nom="ALSH Vacances matin")
    familles = []
    for _ in range(3):
        enfant = EnfantFactory(famille=ResponsableFactory().famille)
        InscriptionFactory(enfant=enfant, activite=activite)
        familles.append(enfant.famille)
    sans_enfant = FamilleFactory()
    # Un enfant inscrit ailleurs, un autre dont l'inscription est finie : pas destinataires.
    InscriptionFactory(enfant=EnfantFactory(), activite=autre_activite)
    InscriptionFactory(
        enfant=EnfantFactory(),
        activite=activite,
        date_debut=datetime.date(2020, 9, 1),
        date_fin=datetime.date(2021, 7, 5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client_agent.post(
            reverse("admin:messagerie_diffusion_add"),
            {
                "activite": activite.pk,
                "objet": "Sortie au parc",
                "texte": "Prévoir une casquette.",
            },
        )
    assert reponse.status_code == 302
    diffusion = Diffusion.objects.get()
    # Rien n'est créé dans la requête : la tâche attend le worker.
    assert diffusion.statut == Diffusion.Statut.EN_ATTENTE and not Fil.objects.exists()
    (resultat,) = default_task_backend.results
    with django_capture_on_commit_callbacks(execute=True):
        assert resultat.task.call(**resultat.kwargs) == 3
    diffusion.refresh_from_db()
    assert diffusion.statut == Diffusion.Statut.ENVOYEE and diffusion.nombre_familles == 3
    assert sorted(Fil.objects.values_list("famille", flat=True)) == sorted(f.pk for f in familles)
    assert not Fil.objects.filter(famille=sans_enfant).exists()
    assert all(f.structure == alsh and f.messages.count() == 1 for f in Fil.objects.all())
    # Rejouer la tâche ne double pas les messages.
    services.diffusion_executer(diffusion_id=diffusion.pk)
    assert Fil.objects.count() == 3


def test_diffusion_refusee_sans_cible(client_agent):
    reponse = client_agent.post(reverse("admin:messagerie_diffusion_add"), {"objet": "Rien", "texte": "Rien"})
    assert reponse.status_code == 200
    assert "Choisissez une structure ou une activité" in reponse.content.decode()
    assert not Diffusion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_le_worker_en_base_execute_la_diffusion_et_les_courriels(alsh, settings):
    """Le vrai backend (file en base de données) et la commande `db_worker`, transactions réelles."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    from tests.factories import InscriptionFactory

    enfant = EnfantFactory(famille=ResponsableFactory(autorisation_courriel=True).famille)
    InscriptionFactory(enfant=enfant, activite=ActiviteFactory(structure=alsh))
    famille = enfant.famille
    diffusion = services.diffusion_creer(
        agent=None, structure=alsh, objet="Fermeture", texte="L'accueil sera fermé vendredi."
    )
    # Après validation : la tâche attend en base, rien n'est encore créé.
    assert DBTaskResult.objects.count() == 1 and not Fil.objects.exists()
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    diffusion.refresh_from_db()
    assert diffusion.statut == Diffusion.Statut.ENVOYEE and diffusion.nombre_familles == 1
    assert Fil.objects.get().famille == famille
    # La diffusion a mis en file le courriel de notification ; le même worker l'a envoyé.
    assert len(mail.outbox) == 1 and "L'accueil sera fermé" not in mail.outbox[0].body


def test_un_agent_sans_structure_ne_voit_que_les_messages_du_ccas(client, parent):
    agent = agent_ccas()
    fil_avec_messages(famille=parent.famille, objet="Question à l'ALSH")
    services.message_systeme_envoyer(famille=parent.famille, objet="Décision", texte="Acceptée")
    assert [f.objet for f in selectors.fils_agent(agent=agent)] == ["Décision"]
    client.force_login(agent)
    assert client.get(reverse("admin:messagerie_fil_changelist")).status_code == 200
    assert mail.outbox == []  # la notification attend le worker (après validation)


def test_repondre_est_un_bouton_repondre(client_agent, alsh, parent):
    fil = fil_avec_messages(famille=parent.famille, structure=alsh, recus=0)
    url = reverse("admin:messagerie_fil_change", args=[fil.pk])
    page = client_agent.get(url).content.decode()
    boutons = re.findall(r'<input type="submit"[^>]*value="([^"]+)"', page)
    assert boutons == ["Répondre"]
    assert "Enregistrer" not in page
    envoi = client_agent.post(url, {"reponse": "C'est noté."}, follow=True)
    assert envoi.redirect_chain == [(url, 302)]
    messages_affiches = [str(m) for m in envoi.context["messages"]]
    assert messages_affiches == ["Votre réponse a été envoyée à la famille."]
    # Sans texte, rien n'est envoyé et l'agent le voit.
    vide = client_agent.post(url, {"reponse": ""})
    assert vide.status_code == 200 and "Écrivez votre réponse." in vide.content.decode()
    assert fil.messages.count() == 2


def test_ecrire_a_une_famille_est_un_bouton_envoyer(client_agent, alsh, parent):
    page = client_agent.get(reverse("admin:messagerie_fil_add")).content.decode()
    assert re.findall(r'<input type="submit"[^>]*value="([^"]+)"', page) == ["Envoyer"]
    envoi = client_agent.post(
        reverse("admin:messagerie_fil_add"),
        {
            "famille": parent.famille.pk,
            "structure": alsh.pk,
            "objet": "Sortie piscine",
            "texte": "Pensez au maillot de bain.",
        },
        follow=True,
    )
    assert [str(m) for m in envoi.context["messages"]] == ["Votre message a été envoyé à la famille."]


def test_l_ajout_par_service_journalise_l_objet_cree(client_agent, agent, alsh, parent):
    """L'administration journalise l'objet que le service a créé (et non une copie)."""
    from django.contrib.admin.models import ADDITION, LogEntry

    client_agent.post(
        reverse("admin:messagerie_fil_add"),
        {"famille": parent.famille.pk, "structure": alsh.pk, "objet": "Sortie piscine", "texte": "Maillot."},
    )
    fil = Fil.objects.get(famille=parent.famille)
    entree = LogEntry.objects.get(action_flag=ADDITION, user=agent)
    assert entree.object_id == str(fil.pk) and entree.object_repr == str(fil)
