"""Accès : un visiteur anonyme est renvoyé vers la connexion depuis chaque URL du portail ;
l'administration est réservée au groupe CCAS."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from familles.models import Famille, Utilisateur
from tests.factories import ResponsableFactory, UtilisateurFactory
from tests.urls_portail import urls_portail

pytestmark = pytest.mark.django_db


def test_l_inventaire_des_urls_voit_l_accueil():
    assert "portail:accueil" in {u.nom for u in urls_portail()}


@pytest.mark.parametrize("url", urls_portail(), ids=lambda u: u.nom)
def test_anonyme_renvoye_vers_la_connexion(client, url):
    chemin = reverse(url.nom, kwargs=url.kwargs())
    for methode in (client.get, client.post):
        reponse = methode(chemin)
        assert reponse.status_code == 302, chemin
        assert reponse["Location"].startswith(reverse("connexion")), chemin


def test_agent_sans_groupe_ccas_n_atteint_aucun_modele(client):
    sans_groupe = UtilisateurFactory(is_staff=True)
    client.force_login(sans_groupe)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "Familles" not in index.content.decode()
    for nom in (
        "admin:familles_famille_changelist",
        "admin:familles_utilisateur_changelist",
        "admin:familles_famille_add",
    ):
        assert client.get(reverse(nom)).status_code == 403


def test_parent_n_entre_pas_dans_l_administration(client_parent):
    reponse = client_parent.get(reverse("admin:index"))
    assert reponse.status_code == 302
    assert "/admin/login/" in reponse["Location"]


def test_le_groupe_ccas_vient_d_une_migration():
    groupe = Group.objects.get(name="CCAS")
    codes = set(groupe.permissions.values_list("codename", flat=True))
    assert {"view_famille", "change_famille", "add_utilisateur"} <= codes
    assert not Utilisateur.objects.exists(), "aucune migration ne crée de compte"


def test_agent_trouve_une_famille_par_nom_et_numero(client, agent):
    responsable = ResponsableFactory(nom="ZORGLUB", prenom="ALICE")
    ResponsableFactory(nom="AUTRE")
    client.force_login(agent)
    url = reverse("admin:familles_famille_changelist")
    for terme in ("zorglub", responsable.famille.numero):
        page = client.get(url, {"q": terme}).content.decode()
        assert "ALICE ZORGLUB" in page
        assert "AUTRE" not in page
    detail = client.get(reverse("admin:familles_famille_change", args=[responsable.famille.pk]))
    assert "ZORGLUB" in detail.content.decode()


def test_agent_cree_un_compte_avec_mot_de_passe_temporaire(client, agent):
    famille = ResponsableFactory(nom="NOUVEAU", prenom="PAUL").famille
    client.force_login(agent)
    reponse = client.post(
        reverse("admin:familles_utilisateur_add"),
        {
            "username": "paul.nouveau",
            "famille": famille.pk,
            "email": "",
            "mode": "temporaire",
        },
        follow=True,
    )
    assert reponse.status_code == 200
    compte = Utilisateur.objects.get(username="paul.nouveau")
    assert compte.famille == famille
    assert compte.doit_changer_mot_de_passe
    message = next(str(m) for m in reponse.context["messages"] if "temporaire" in str(m))
    temporaire = message.split(" : ")[1].split(" ")[0]
    assert compte.check_password(temporaire)


def test_agent_cree_un_compte_avec_courriel_d_activation(client, agent, django_capture_on_commit_callbacks):
    famille = ResponsableFactory(nom="NOUVELLE", prenom="LUCIE").famille
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:familles_utilisateur_add"),
            {
                "username": "lucie.nouvelle",
                "famille": famille.pk,
                "email": "lucie@example.fr",
                "mode": "courriel",
            },
        )
    compte = Utilisateur.objects.get(username="lucie.nouvelle")
    assert not compte.has_usable_password()
    assert len(mail.outbox) == 1
    assert "lucie.nouvelle" in mail.outbox[0].body
    assert "/mot-de-passe/reinitialiser/" in mail.outbox[0].body


def test_courriel_d_activation_exige_une_adresse(client, agent):
    famille = ResponsableFactory().famille
    client.force_login(agent)
    reponse = client.post(
        reverse("admin:familles_utilisateur_add"),
        {"username": "sans.email", "famille": famille.pk, "email": "", "mode": "courriel"},
    )
    assert "Une adresse email est nécessaire" in reponse.content.decode()
    assert not Utilisateur.objects.filter(username="sans.email").exists()


def test_admin_en_francais(client, agent):
    client.force_login(agent)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Administration du CCAS" in page
    assert "Déconnexion" in page
    assert Famille._meta.verbose_name_plural == "familles"


def test_sonde_de_sante_sans_base(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        reponse = client.get(reverse("sante"))
    assert reponse.content == b"ok"
