"""Un compte par responsable légal (issue 22) : parents séparés, même dossier, chacun son mot de
passe ; qui a fait quoi (demandes, réservations, consentements, messages, audit, Mes données) ;
restrictions posées par un agent, refusées par le serveur."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from commun import restrictions
from commun.models import Audit
from demandes.models import Demande
from enfants import services as planning
from enfants.models import Reservation
from familles import services
from familles.models import Consentement, Responsable, Utilisateur
from messagerie import services as messagerie_services
from messagerie.models import Message
from tests import factories as f
from tests.factories import MOT_DE_PASSE, demande_creer

pytestmark = pytest.mark.django_db


@pytest.fixture
def conjoint(parent):
    return f.second_parent(parent)


def _jour_reservable(activite) -> datetime.date:
    jour = timezone.localdate() + datetime.timedelta(days=14)
    while jour.weekday() != 2 or planning.jour_ferme_raison(activite=activite, jour=jour) is not None:
        jour += datetime.timedelta(days=1)
    return jour


@pytest.fixture
def inscription(parent):
    return f.inscription_de_lea(parent.famille, nom="ALSH Mercredi", jours_ouverture="2")


# --- Le compte et son responsable -----------------------------------------------------------


def test_un_compte_ne_se_rattache_qu_a_un_responsable_de_sa_famille(parent, autre_parent):
    compte = Utilisateur(username="intrus", famille=parent.famille, responsable=autre_parent.responsable)
    with pytest.raises(ValidationError) as erreur:
        compte.full_clean()
    assert "Le responsable doit appartenir à la famille du compte." in erreur.value.messages


def test_un_seul_compte_par_responsable(parent):
    with pytest.raises(IntegrityError), transaction.atomic():
        Utilisateur.objects.create(username="double", famille=parent.famille, responsable=parent.responsable)


def test_l_agent_cree_le_second_compte_depuis_la_fiche_de_la_famille(client, parent):
    conjoint = f.ResponsableFactory(
        famille=parent.famille, role=Responsable.Role.CONJOINT, email="c@example.fr"
    )
    agent = f.agent_ccas()
    client.force_login(agent)
    fiche = client.get(reverse("admin:familles_famille_change", args=[parent.famille.pk])).content.decode()
    assert parent.username in fiche  # le compte du titulaire
    lien = f"Créer le compte de {conjoint.nom_complet}"
    assert lien in fiche
    ajout = reverse("admin:familles_utilisateur_add")
    assert f"{ajout}?famille={parent.famille.pk}&amp;role=conjoint" in fiche

    reponse = client.post(
        ajout,
        {
            "username": "second.parent",
            "famille": parent.famille.pk,
            "role": "conjoint",
            "email": "",
            "mode": "temporaire",
        },
    )
    assert reponse.status_code == 302
    compte = Utilisateur.objects.get(username="second.parent")
    assert compte.responsable == conjoint and compte.famille == parent.famille
    assert compte.doit_changer_mot_de_passe and compte.has_usable_password()
    assert compte.first_name == conjoint.prenom
    trace = Audit.objects.get(action="Compte de connexion créé", objet="compte de connexion second.parent")
    assert trace.auteur == agent and trace.apres["Responsable"] == conjoint.nom_complet

    # Une seconde fois pour le même responsable : refusé, avec le compte existant nommé.
    reponse = client.post(
        ajout,
        {
            "username": "troisieme",
            "famille": parent.famille.pk,
            "role": "conjoint",
            "email": "",
            "mode": "temporaire",
        },
    )
    assert reponse.status_code == 200
    assert "a déjà un compte de connexion (second.parent)" in reponse.content.decode()
    assert not Utilisateur.objects.filter(username="troisieme").exists()


def test_pas_de_compte_pour_un_conjoint_absent(parent):
    with pytest.raises(services.CompteErreur) as erreur:
        services.compte_famille_creer(famille=parent.famille, identifiant="x", role=Responsable.Role.CONJOINT)
    assert "pas de responsable « Conjoint »" in erreur.value.message


# --- Même dossier, chacun le sien -------------------------------------------------------------


def test_les_deux_parents_voient_le_meme_dossier(client, parent, conjoint, inscription):
    f.FactureFactory(famille=parent.famille, numero="AL-4242")
    for compte in (parent, conjoint):
        client.force_login(compte)
        for nom in ("portail:accueil", "familles:compte", "enfants:liste", "facturation:releve"):
            reponse = client.get(reverse(nom))
            assert reponse.status_code == 200, nom
        assert parent.famille.numero in client.get(reverse("familles:compte")).content.decode()
        assert "LÉA" in client.get(reverse("enfants:liste")).content.decode()


def test_le_second_parent_ne_change_que_son_propre_mot_de_passe(client, parent, conjoint):
    client.force_login(conjoint)
    reponse = client.post(
        reverse("mot_de_passe_changer"),
        {
            "ancien_mot_de_passe": MOT_DE_PASSE,
            "nouveau_mot_de_passe": "Nouveau2026Ok",
            "confirmation": "Nouveau2026Ok",
        },
    )
    assert reponse.status_code == 302
    parent.refresh_from_db()
    conjoint.refresh_from_db()
    assert conjoint.check_password("Nouveau2026Ok")
    assert parent.check_password(MOT_DE_PASSE)  # celui du premier n'a pas bougé
    # Aucune page n'ouvre le compte d'un autre : celle de l'administration demande un agent.
    url = reverse("admin:auth_user_password_change", args=[parent.pk])
    reponse = client.post(url, {"password1": "Pirate2026Ok", "password2": "Pirate2026Ok"})
    assert reponse.status_code == 302 and reponse.url.startswith(reverse("admin:login"))
    parent.refresh_from_db()
    assert parent.check_password(MOT_DE_PASSE)


def test_le_message_de_l_un_est_vu_par_l_autre_avec_son_auteur(client, parent, conjoint):
    structure = f.StructureFactory(nom="Accueil de loisirs")
    fil = messagerie_services.fil_creer_par_famille(
        famille=parent.famille, structure=structure, objet="Sortie", texte="Bonjour", auteur=parent
    )
    client.force_login(conjoint)
    html = client.get(reverse("messagerie:fil", args=[fil.pk])).content.decode()
    assert "Bonjour" in html
    assert parent.responsable.nom_complet in html  # écrit par l'autre parent, nommé
    client.force_login(parent)
    html = client.get(reverse("messagerie:fil", args=[fil.pk])).content.decode()
    assert "Vous" in html
    assert Message.objects.get().auteur == parent


def test_la_liste_des_demandes_dit_qui_a_fait_chaque_demande(client, parent, conjoint):
    demande_creer(parent, "caf", {"quotient_familial": "640"})
    demande_creer(conjoint, "fiscales", {"nombre_parts": "2"})
    client.force_login(parent)
    html = client.get(reverse("demandes:liste")).content.decode()
    assert f"Par {parent.responsable.nom_complet}" in html
    assert f"Par {conjoint.responsable.nom_complet}" in html
    # La file de modération le dit aussi à l'agent.
    client.force_login(f.agent_ccas())
    demande = Demande.objects.get(type="fiscales")
    fiche = client.get(reverse("admin:demandes_demande_change", args=[demande.pk])).content.decode()
    assert f"{conjoint.username} ({conjoint.responsable.nom_complet})" in fiche


def test_la_reservation_et_le_consentement_nomment_le_responsable(parent, conjoint, inscription):
    jour = _jour_reservable(inscription.activite)
    reservation = planning.reservation_demander(inscription=inscription, date=jour, par=conjoint)
    assert reservation.demandee_par == conjoint
    demande = Demande.objects.get(type="reservation")
    assert demande.cree_par == conjoint

    version = f.VersionTexteFactory()
    services.consentement_donner(famille=parent.famille, version=version, accepte=True, utilisateur=conjoint)
    consentement = Consentement.objects.get()
    assert consentement.signataire.startswith(conjoint.responsable.nom_complet)
    assert consentement.utilisateur == conjoint


def test_le_journal_d_audit_nomme_le_responsable(client, parent, conjoint):
    Audit.objects.create(auteur=conjoint, famille=parent.famille, objet="x", action="Essai")
    superagent = f.UtilisateurFactory(is_staff=True, is_superuser=True)
    client.force_login(superagent)
    html = client.get(reverse("admin:commun_audit_changelist")).content.decode()
    assert f"{conjoint.username} (Conjoint {conjoint.responsable.nom_complet})" in html


def test_mes_donnees_nomment_le_responsable_de_chaque_compte(client, parent, conjoint):
    demande_creer(conjoint, "caf", {"quotient_familial": "640"})
    client.force_login(parent)
    donnees = json.loads(client.get(reverse("portail:mes_donnees_json")).content)
    comptes = next(s for s in donnees["sections"] if s["modele"] == "familles.Utilisateur")
    assert {o["responsable"] for o in comptes["objets"]} == {
        parent.responsable.nom_complet,
        conjoint.responsable.nom_complet,
    }
    html = client.get(reverse("portail:mes_donnees")).content.decode()
    assert f"{conjoint.username} ({conjoint.responsable.nom_complet})" in html


# --- Restrictions posées par un agent ---------------------------------------------------------


def test_reservation_refusee_au_parent_restreint(client, parent, conjoint, inscription):
    conjoint.reservations_interdites = True
    conjoint.save()
    client.force_login(conjoint)
    jour = _jour_reservable(inscription.activite)
    for nom in ("reservation_demander", "absence_declarer", "periode_reserver"):
        reponse = client.post(
            reverse(f"enfants:{nom}", args=[inscription.pk]), {"date": jour.isoformat(), "motif": "Malade"}
        )
        assert reponse.status_code == 403
        assert escape(restrictions.MESSAGE_RESERVATIONS) in reponse.content.decode()
    assert not Reservation.objects.exists() and not Demande.objects.exists()
    # Le planning se consulte, sans les actions.
    url = reverse("enfants:planning", args=[inscription.enfant_id, jour.year, jour.month])
    html = client.get(url).content.decode()
    assert "Réserver une période" not in html and 'id="menu-planning"' not in html
    assert "pas de réserver ni de déclarer une absence" in html
    # Le service refuse aussi (une autre vue ne le contournerait pas).
    with pytest.raises(restrictions.RestrictionRefusee):
        planning.reservation_demander(inscription=inscription, date=jour, par=conjoint)
    # L'autre parent, lui, réserve.
    client.force_login(parent)
    assert "Réserver une période" in client.get(url).content.decode()
    reponse = client.post(
        reverse("enfants:reservation_demander", args=[inscription.pk]), {"date": jour.isoformat()}
    )
    assert reponse.status_code == 302 and Reservation.objects.get().demandee_par == parent


def test_paiement_refuse_au_parent_aux_factures_en_lecture_seule(client, conjoint, settings):
    settings.PAIEMENT_SIMULE = True
    facture = f.FactureFactory(famille=conjoint.famille)
    conjoint.paiement_interdit = True
    conjoint.save()
    client.force_login(conjoint)
    reponse = client.post(reverse("facturation:paiement", args=[facture.pk]), {"email": "a@example.fr"})
    assert reponse.status_code == 403
    assert escape(restrictions.MESSAGE_PAIEMENT) in reponse.content.decode()
    reponse = client.post(reverse("facturation:paiement_plusieurs"), {"factures": [facture.pk]})
    assert reponse.status_code == 403
    # La facture se consulte (PDF), sans bouton « payer ».
    assert client.get(reverse("facturation:facture_pdf", args=[facture.pk])).status_code == 200
    for nom in ("portail:accueil", "facturation:releve"):
        html = client.get(reverse(nom)).content.decode()
        assert reverse("facturation:paiement", args=[facture.pk]) not in html
        assert 'id="panier"' not in html


def test_demande_refusee_au_parent_restreint(client, conjoint):
    conjoint.demandes_interdites = True
    conjoint.save()
    client.force_login(conjoint)
    reponse = client.post(reverse("demandes:compte_caf"), {"regime": "caf", "quotient_familial": "640"})
    assert reponse.status_code == 403
    assert escape(restrictions.MESSAGE_DEMANDES) in reponse.content.decode()
    assert not Demande.objects.exists()
    html = client.get(reverse("familles:compte")).content.decode()
    assert reverse("demandes:compte_caf") not in html
    assert reverse("familles:pieces") in html  # les documents restent à déposer
    with pytest.raises(restrictions.RestrictionRefusee):
        demande_creer(conjoint, "caf", {"quotient_familial": "700"})


def test_l_agent_pose_les_restrictions_depuis_le_compte(client, conjoint):
    from tests.formulaires import donnees_admin

    client.force_login(f.agent_ccas())
    url = reverse("admin:familles_utilisateur_change", args=[conjoint.pk])
    donnees = donnees_admin(client.get(url))
    donnees["reservations_interdites"] = "on"
    donnees["paiement_interdit"] = "on"
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    conjoint.refresh_from_db()
    assert (
        conjoint.reservations_interdites and conjoint.paiement_interdit and not conjoint.demandes_interdites
    )
    trace = Audit.objects.filter(objet=f"compte de connexion {conjoint.username}").latest("pk")
    assert trace.apres  # tracé, avec les valeurs


def test_annuler_une_reservation_est_refuse_au_parent_prive_de_reservations(
    client, parent, conjoint, inscription
):
    jour = _jour_reservable(inscription.activite)
    planning.reservation_demander(inscription=inscription, date=jour, par=parent)
    demande_caf = demande_creer(parent, "caf", {"quotient_familial": "640"})
    demande = Demande.objects.get(type="reservation")
    conjoint.reservations_interdites = True
    conjoint.save()
    client.force_login(conjoint)
    html = client.get(reverse("demandes:liste"), {"cote": "enfants"}).content.decode()
    assert reverse("demandes:annuler", args=[demande.pk]) not in html
    reponse = client.post(reverse("demandes:annuler", args=[demande.pk]))
    assert reponse.status_code == 403
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.EN_ATTENTE
    # Une demande de Mon compte, elle, s'annule (pas de restriction « demandes »).
    assert (
        reverse("demandes:annuler", args=[demande_caf.pk])
        in client.get(reverse("demandes:liste")).content.decode()
    )
    assert client.post(reverse("demandes:annuler", args=[demande_caf.pk])).status_code == 302


def test_un_compte_ne_change_pas_de_famille_sans_son_responsable(client, parent, autre_parent):
    from tests.formulaires import donnees_admin

    client.force_login(f.agent_ccas())
    url = reverse("admin:familles_utilisateur_change", args=[parent.pk])
    donnees = donnees_admin(client.get(url))
    donnees["famille"] = autre_parent.famille.pk
    reponse = client.post(url, donnees)
    assert reponse.status_code == 200
    assert "Le responsable doit appartenir à la famille du compte." in reponse.content.decode()
    parent.refresh_from_db()
    assert parent.famille_id != autre_parent.famille_id


def test_l_accueil_ne_propose_pas_au_parent_restreint_ce_qui_lui_est_refuse(client, conjoint):
    from commun.restrictions import lien_permis

    reserver = reverse("enfants:reservation_demander", args=[1]) + "?date=2026-01-07"
    compte_caf = reverse("demandes:compte_caf")
    pieces = reverse("familles:pieces")
    assert lien_permis(conjoint, reserver) and lien_permis(conjoint, compte_caf)
    conjoint.reservations_interdites = True
    assert not lien_permis(conjoint, reserver) and lien_permis(conjoint, compte_caf)
    conjoint.demandes_interdites = True
    assert not lien_permis(conjoint, compte_caf)
    assert lien_permis(conjoint, pieces) and lien_permis(conjoint, "https://exemple.fr/ailleurs/")


def test_la_demonstration_donne_son_compte_au_second_parent_de_la_famille_separee(client):
    from familles import demo

    demo.creer()
    jeanne = Utilisateur.objects.get(username=demo.IDENTIFIANT_DUPONT_CONJOINT)
    jean = Utilisateur.objects.get(username=demo.IDENTIFIANT_DUPONT)
    assert jeanne.famille == jean.famille and jeanne.responsable.role == Responsable.Role.CONJOINT
    assert jean.responsable.role == Responsable.Role.PRINCIPAL
    assert jeanne.check_password(demo.MOT_DE_PASSE_DUPONT_CONJOINT)
    assert Utilisateur.objects.get(username=demo.IDENTIFIANT_AGENT).has_perm("familles.agir_pour_famille")
    demo.creer()  # rejouable
    assert Utilisateur.objects.filter(famille=jean.famille).count() == 2
