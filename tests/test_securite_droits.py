"""Élévation de privilèges dans l'administration : un agent ne se donne jamais de droits.

Seul un superutilisateur change `is_superuser`, `is_staff`, les groupes et les permissions d'un
compte, ou les permissions d'un groupe ; un agent gère les comptes des familles seulement, jamais
un autre compte du personnel ni le sien. Le contrôle parcourt **chaque modèle enregistré** dans
l'administration (`admin.site._registry`) : un nouveau modèle y passe sans rien ajouter ici.
"""

import contextlib

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.forms.models import model_to_dict
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from commun.models import Audit
from enfants.models import DossierCampagne
from familles import services as familles_services
from familles.models import TypePiece, Utilisateur
from tests import factories
from tests.formulaires import donnees_admin

pytestmark = pytest.mark.django_db

NOM_GROUPE_SANTE = "CCAS — données sanitaires"


def etat_des_droits():
    """Les droits de chaque compte et de chaque groupe (ce qu'aucun agent ne doit changer)."""
    comptes = {
        u.pk: (
            u.is_superuser,
            u.is_staff,
            tuple(sorted(g.pk for g in u.groups.all())),
            tuple(sorted(p.pk for p in u.user_permissions.all())),
        )
        for u in Utilisateur.objects.prefetch_related("groups", "user_permissions")
    }
    groupes = {
        g.pk: (g.name, tuple(sorted(p.pk for p in g.permissions.all())))
        for g in Group.objects.prefetch_related("permissions")
    }
    return comptes, groupes


def droits_demandes():
    """Ce qu'un attaquant ajoute à un formulaire : tous les droits, tous les groupes."""
    groupes = [str(pk) for pk in Group.objects.values_list("pk", flat=True)]
    permissions = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": groupes,
        "user_permissions": permissions,
        "permissions": permissions,
    }


@pytest.fixture
def comptes():
    superutilisateur = factories.UtilisateurFactory(username="chef", is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=superutilisateur, name="téléphone du chef")
    return {
        "famille": factories.famille_avec_parent(),
        "collegue": factories.agent_ccas(username="collegue"),
        "superutilisateur": superutilisateur,
    }


@pytest.fixture(params=["agent_ccas", "agent_toutes_permissions"])
def attaquant(request, comptes):
    """Un agent du groupe CCAS ; et un agent à qui l'on aurait donné toutes les permissions
    (sauf le statut de superutilisateur) : lui non plus ne s'en donne pas davantage."""
    agent = factories.agent_ccas(username="attaquant")
    if request.param == "agent_toutes_permissions":
        agent.user_permissions.set(Permission.objects.all())
    return agent


@pytest.fixture
def objets(comptes):
    """Au moins un objet de chaque modèle courant, pour en ouvrir la page de modification."""
    famille = comptes["famille"].famille
    enfant = factories.EnfantFactory(famille=famille)
    activite = factories.ActiviteFactory()
    inscription = factories.InscriptionFactory(enfant=enfant, activite=activite)
    factories.ReservationFactory(inscription=inscription)
    factories.AbsenceFactory(inscription=inscription, date=inscription.date_debut)
    factories.PresenceFactory(inscription=inscription)
    factories.FermetureFactory()
    factories.ReglementFactory(famille=famille)
    factories.FactureFactory(famille=famille)
    factories.AgentStructureFactory(agent=comptes["collegue"])
    factories.fil_avec_messages(famille=famille)
    factories.InformationFactory()
    factories.demande_creer(comptes["famille"], "caf", {"quotient_familial": "640"})
    # Dossier annuel : types de pièces, dépôts (file de vérification), textes et réponses.
    factories.piece_deposee(famille=famille)
    version = factories.VersionTexteFactory()
    familles_services.consentement_donner(
        famille=famille, version=version, accepte=True, utilisateur=comptes["famille"]
    )
    # Campagnes d'inscription (issue 18) : la campagne et le dossier d'une famille.
    campagne = factories.CampagneFactory(activites=[activite])
    campagne.pieces_requises.set(TypePiece.objects.all())
    DossierCampagne.objects.create(famille=famille, campagne=campagne, certifie_le=timezone.now())


def urls_des_formulaires(model):
    """Les pages d'ajout et de modification d'un modèle (tous ses objets pour les comptes et les
    groupes, le premier pour les autres)."""
    prefixe = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = []
    with contextlib.suppress(NoReverseMatch):
        urls.append(reverse(f"{prefixe}_add"))
    objets = model._default_manager.all()
    if model not in (Utilisateur, Group):
        objets = objets[:1]
    for objet in objets:
        urls.append(reverse(f"{prefixe}_change", args=[objet.pk]))
    return urls


def envoyer_avec_des_droits(client, url, *, modifier=None):
    """Renvoie le formulaire tel que la page le montre, plus tous les droits ; ou, si la page
    est refusée, les droits seuls (l'attaquant n'a pas besoin du formulaire pour poster)."""
    page = client.get(url)
    donnees = {}
    if page.status_code == 200 and page.context and "adminform" in page.context:
        donnees = donnees_admin(page)
    donnees.update(droits_demandes())
    donnees.update(modifier or {})
    return client.post(url, donnees)


def test_chaque_formulaire_de_l_administration_refuse_les_droits(client, attaquant, comptes, objets):
    client.force_login(attaquant)
    avant = etat_des_droits()
    comptes_avant = {u.pk: model_to_dict(u) for u in Utilisateur.objects.all()}
    visites = 0
    for model in admin.site._registry:
        for url in urls_des_formulaires(model):
            reponse = envoyer_avec_des_droits(client, url, modifier={"last_name": "PIRATE"})
            assert reponse.status_code < 500, url
            assert etat_des_droits() == avant, f"droits changés par {url}"
            visites += 1
    # Un envoi qui porte des droits est refusé en entier : rien d'autre n'a changé non plus.
    assert {u.pk: model_to_dict(u) for u in Utilisateur.objects.all()} == comptes_avant
    assert visites >= len(admin.site._registry)


def test_un_agent_ne_modifie_ni_son_compte_ni_celui_d_un_collegue(client, attaquant, comptes):
    client.force_login(attaquant)
    for cible in (attaquant, comptes["collegue"], comptes["superutilisateur"]):
        url = reverse("admin:familles_utilisateur_change", args=[cible.pk])
        avant = model_to_dict(Utilisateur.objects.get(pk=cible.pk))
        assert client.get(url).status_code in (302, 403, 404)
        # Même sans toucher aux droits : un compte du personnel n'est pas géré par un agent.
        reponse = client.post(
            url,
            {
                "username": cible.username,
                "last_name": "PIRATE",
                "email": "pirate@example.fr",
                "is_active": "on",
            },
        )
        assert reponse.status_code in (302, 403, 404)
        assert model_to_dict(Utilisateur.objects.get(pk=cible.pk)) == avant
        mot_de_passe = reverse("admin:auth_user_password_change", args=[cible.pk])
        reponse = client.post(
            mot_de_passe,
            {"password1": "Nouveau2026Mot", "password2": "Nouveau2026Mot", "usable_password": "true"},
        )
        assert reponse.status_code in (302, 403, 404)
        assert Utilisateur.objects.get(pk=cible.pk).password == avant["password"]


def test_la_liste_des_comptes_ne_montre_a_l_agent_que_les_familles(client, attaquant, comptes):
    client.force_login(attaquant)
    page = client.get(reverse("admin:familles_utilisateur_changelist")).content.decode()
    assert comptes["famille"].username in page
    assert "collegue" not in page and "chef" not in page


def test_aucune_action_ni_edition_en_liste_ne_touche_aux_droits(client, attaquant, comptes):
    for model_admin in admin.site._registry.values():
        assert not set(model_admin.list_editable) & set(droits_demandes()), model_admin
    client.force_login(attaquant)
    avant = etat_des_droits()
    # Les comptes du personnel (et le sien) : ni supprimés ni modifiés par une action groupée.
    cibles = [str(comptes["collegue"].pk), str(comptes["superutilisateur"].pk), str(attaquant.pk)]
    for action in ("delete_selected",):
        client.post(
            reverse("admin:familles_utilisateur_changelist"),
            {"action": action, "_selected_action": cibles, "post": "yes"},
        )
        client.post(
            reverse("admin:familles_utilisateur_changelist"),
            {"action": action, "_selected_action": cibles, "post": "yes", "is_superuser": "on"},
        )
    assert etat_des_droits() == avant
    assert Utilisateur.objects.filter(pk__in=cibles).count() == len(cibles)


def test_un_agent_ne_touche_pas_aux_groupes(client, attaquant):
    client.force_login(attaquant)
    sante = Group.objects.get(name=NOM_GROUPE_SANTE)
    avant = etat_des_droits()
    url = reverse("admin:auth_group_change", args=[sante.pk])
    reponse = client.post(url, {"name": sante.name, "permissions": droits_demandes()["permissions"]})
    assert reponse.status_code in (302, 403, 404)
    reponse = client.post(
        reverse("admin:auth_group_add"), {"name": "Pirates", "permissions": droits_demandes()["permissions"]}
    )
    assert reponse.status_code == 403
    assert etat_des_droits() == avant
    assert not attaquant.groups.filter(pk=sante.pk).exists()


def test_un_superutilisateur_donne_des_droits_et_c_est_trace(client, comptes):
    chef, collegue = comptes["superutilisateur"], comptes["collegue"]
    client.force_login(chef)
    sante = Group.objects.get(name=NOM_GROUPE_SANTE)
    url = reverse("admin:familles_utilisateur_change", args=[collegue.pk])
    donnees = donnees_admin(client.get(url))
    donnees["groups"] = [str(pk) for pk in collegue.groups.values_list("pk", flat=True)] + [str(sante.pk)]
    donnees["is_superuser"] = "on"
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    collegue.refresh_from_db()
    assert collegue.is_superuser and collegue.groups.filter(pk=sante.pk).exists()
    trace = Audit.objects.get(objet="compte de connexion collegue")
    assert trace.auteur == chef
    assert trace.action == "Droits du compte modifiés"
    assert trace.apres["Statut super-utilisateur"] == "Oui"
    assert NOM_GROUPE_SANTE in trace.apres["Groupes"]
    # Et il modifie un groupe (ses permissions) : tracé aussi.
    url = reverse("admin:auth_group_change", args=[sante.pk])
    permission = Permission.objects.get(codename="view_audit")
    donnees = donnees_admin(client.get(url))
    donnees["permissions"] = [*donnees.get("permissions", []), permission.pk]
    assert client.post(url, donnees).status_code == 302
    assert sante.permissions.filter(pk=permission.pk).exists()
    assert Audit.objects.filter(auteur=chef, objet__startswith="groupe").exists()


def test_l_agent_gere_les_comptes_des_familles_et_chaque_changement_est_trace(client, agent, comptes):
    parent = comptes["famille"]
    client.force_login(agent)
    url = reverse("admin:familles_utilisateur_change", args=[parent.pk])
    donnees = donnees_admin(client.get(url))
    assert not set(donnees) & set(droits_demandes())
    donnees["email"] = "nouvelle@example.fr"
    donnees.pop("is_active")
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    parent.refresh_from_db()
    assert parent.email == "nouvelle@example.fr" and not parent.is_active
    trace = Audit.objects.get(auteur=agent, objet=f"compte de connexion {parent.username}")
    assert trace.action == "Compte désactivé"
    assert trace.famille == parent.famille
    assert trace.avant["Actif"] == "Oui" and trace.apres["Actif"] == "Non"

    # Mot de passe réinitialisé par l'agent : tracé (sans valeur), et temporaire.
    reponse = client.post(
        url.replace("/change/", "/password/"),
        {"password1": "Provisoire2026", "password2": "Provisoire2026", "usable_password": "true"},
    )
    assert reponse.status_code == 302
    parent.refresh_from_db()
    assert parent.check_password("Provisoire2026") and parent.doit_changer_mot_de_passe
    trace = Audit.objects.get(auteur=agent, action="Mot de passe réinitialisé par un agent")
    assert trace.sensible and trace.avant == {} and trace.apres == {}

    # Création d'un compte : tracée avec son auteur.
    famille = factories.ResponsableFactory().famille
    client.post(
        reverse("admin:familles_utilisateur_add"),
        {"username": "nouveau.compte", "famille": famille.pk, "email": "", "mode": "temporaire"},
    )
    trace = Audit.objects.get(action="Compte de connexion créé")
    assert trace.auteur == agent and trace.famille == famille
    assert trace.objet == "compte de connexion nouveau.compte"


def test_suppression_d_un_compte_tracee(client, comptes):
    parent = comptes["famille"]
    client.force_login(comptes["superutilisateur"])
    url = reverse("admin:familles_utilisateur_delete", args=[parent.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Utilisateur.objects.filter(pk=parent.pk).exists()
    trace = Audit.objects.get(action="Compte de connexion supprimé")
    assert trace.auteur == comptes["superutilisateur"] and trace.famille == parent.famille


@pytest.mark.parametrize("vue", ["config", "qrcode"])
def test_pages_totp_d_un_appareil_absent_ou_d_autrui_en_404(client, attaquant, comptes, vue):
    """`/admin/otp_totp/totpdevice/<id>/config/` et `/qrcode/` : 404 pour un identifiant qui
    n'existe pas (au lieu d'une erreur 500), et 404 aussi pour l'appareil d'un autre compte
    quand on n'a pas le droit de le voir (la réponse ne dit pas quels identifiants existent)."""
    appareil = TOTPDevice.objects.get()
    absent = appareil.pk + 1000
    client.force_login(comptes["superutilisateur"])
    assert client.get(f"/admin/otp_totp/totpdevice/{absent}/{vue}/").status_code == 404
    assert client.get(f"/admin/otp_totp/totpdevice/{appareil.pk}/{vue}/").status_code == 200
    client.force_login(attaquant)
    for pk in (absent, appareil.pk):
        assert client.get(f"/admin/otp_totp/totpdevice/{pk}/{vue}/").status_code == 404


def _vues_propres():
    """(nom d'URL, arguments) des pages propres de chaque administration (`vues_propres`)."""
    import re

    vues = []
    for modele_admin in admin.site._registry.values():
        for chemin, _methode, nom in getattr(modele_admin, "vues_propres", ()):
            vues.append((nom, [1] * len(re.findall(r"<int:\w+>", chemin))))
    return sorted(vues)


@pytest.mark.parametrize(("nom", "arguments"), _vues_propres())
def test_les_pages_propres_de_l_administration_demandent_un_agent_connecte(client, nom, arguments):
    """Les pages ajoutées aux administrations passent par `admin_view` : sans connexion, la page
    de connexion de l'administration, jamais la page elle-même ni une erreur."""
    reponse = client.get(reverse(f"admin:{nom}", args=arguments))
    assert reponse.status_code == 302
    assert reponse.url.startswith(reverse("admin:login"))


def test_les_pages_propres_sont_toutes_vues():
    """Le parcours trouve bien les pages propres (sinon le test ci-dessus ne vérifierait rien)."""
    noms = {nom for nom, _arguments in _vues_propres()}
    assert {
        "demandes_demande_accepter",
        "demandes_demande_refuser",
        "enfants_activite_pointage",
        "enfants_absence_certificat",
        "enfants_campagne_tableau_de_bord",
        "messagerie_fil_piece_jointe",
        "messagerie_document_telecharger",
    } <= noms
