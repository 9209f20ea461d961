import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from commun.models import Audit
from demandes import services
from demandes.models import Demande
from enfants.models import Autorisations, DonneesSanitaires, Enfant, PersonneAutorisee, Vaccination
from tests.factories import (
    DonneesSanitairesFactory,
    EnfantFactory,
    PersonneAutoriseeFactory,
    StructureFactory,
    agent_sante,
    demande_creer,
)

pytestmark = pytest.mark.django_db

ALLERGIE = "Allergie sévère aux arachides"


def _texte(reponse):
    return reponse.content.decode().replace("&#x27;", "'")


@pytest.fixture
def enfant(parent):
    return EnfantFactory(
        famille=parent.famille, prenom="LÉA", nom="DUPONT", date_naissance=datetime.date(2016, 3, 12)
    )


@pytest.fixture
def sante(db):
    return agent_sante()


def _liste_enfants(client):
    return _texte(client.get(reverse("demandes:liste") + "?cote=enfants"))


CAS = [
    (
        "enfant_informations",
        {"ecole": "École du Bourg", "classe": "CM1"},
        lambda e: Enfant.objects.get(pk=e.pk).classe,
        "CM1",
    ),
    (
        "enfant_lunettes",
        {"port_lunettes": True, "lunettes_precisions": "Pour lire"},
        lambda e: Enfant.objects.get(pk=e.pk).port_lunettes,
        True,
    ),
    (
        "enfant_autorisations",
        {"photo": True, "sorties": True},
        lambda e: Autorisations.objects.get(enfant=e).sorties,
        True,
    ),
    (
        "enfant_personne_ajout",
        {"nom": "MARTIN", "prenom": "Paul", "lien": "Voisin", "telephone": "0237180180"},
        lambda e: list(PersonneAutorisee.objects.filter(enfant=e).values_list("telephone", flat=True)),
        ["02 37 18 01 80"],
    ),
    (
        "enfant_sanitaire",
        {
            "allergies": ALLERGIE,
            "pai": True,
            "pai_protocole": "Trousse d'urgence",
            "regime_alimentaire": "sans_viande",
        },
        lambda e: DonneesSanitaires.objects.get(enfant=e).allergies,
        ALLERGIE,
    ),
    (
        "enfant_vaccination",
        {"vaccin": "ROR", "date": "2017-04-01"},
        lambda e: list(Vaccination.objects.filter(enfant=e).values_list("vaccin", flat=True)),
        ["ROR"],
    ),
]


@pytest.mark.parametrize(("code", "donnees", "lire", "attendu"), CAS)
def test_bout_en_bout_acceptee(client_parent, parent, enfant, sante, code, donnees, lire, attendu):
    demande = demande_creer(parent, code, donnees, enfant=enfant)
    services.demande_accepter(demande=demande, agent=sante)
    assert lire(enfant) == attendu
    contenu = _liste_enfants(client_parent)
    section = contenu.split('id="titre-acceptees"')[1]
    assert demande.type_demande.categorie in section and "LÉA" in section


@pytest.mark.parametrize(("code", "donnees", "lire", "attendu"), CAS)
def test_bout_en_bout_refusee(client_parent, parent, enfant, sante, code, donnees, lire, attendu):
    demande = demande_creer(parent, code, donnees, enfant=enfant)
    services.demande_refuser(demande=demande, agent=sante, motif="Merci d'appeler le CCAS")
    try:
        valeur = lire(enfant)
    except (Autorisations.DoesNotExist, DonneesSanitaires.DoesNotExist):
        valeur = None
    assert valeur != attendu
    section = _liste_enfants(client_parent).split('id="titre-refusees"')[1].split('id="titre-acceptees"')[0]
    assert "Merci d'appeler le CCAS" in section


def test_retrait_d_une_personne_autorisee(client_parent, parent, enfant, agent):
    personne = PersonneAutoriseeFactory(enfant=enfant, nom="MARTIN")
    url = reverse("demandes:enfant_personne_retrait", args=[enfant.pk])
    assert f'value="{personne.pk}" selected' in _texte(client_parent.get(url + f"?personne={personne.pk}"))
    assert client_parent.post(url, {"personne": personne.pk}).status_code == 302
    demande = Demande.objects.get()
    services.demande_accepter(demande=demande, agent=agent)
    assert not PersonneAutorisee.objects.filter(pk=personne.pk).exists()


def test_retrait_d_une_personne_d_un_autre_enfant_refuse(client_parent, parent, enfant):
    autre = PersonneAutoriseeFactory()
    url = reverse("demandes:enfant_personne_retrait", args=[enfant.pk])
    reponse = client_parent.post(url, {"personne": autre.pk})
    assert "n'est plus dans la liste" in _texte(reponse)
    assert not Demande.objects.exists()


def test_ajouter_un_enfant_accepte_cree_l_enfant(client_parent, parent, agent, client):
    structure = StructureFactory(nom="Crèche")
    naissance = datetime.date.today() + datetime.timedelta(days=60)
    reponse = client_parent.post(
        reverse("demandes:nouvel_enfant"),
        {
            "nom": "Dupont",
            "prenom": "Zoé",
            "date_naissance": naissance.isoformat(),
            "naissance_prevue": "on",
            "structure": structure.pk,
            "date_debut": "2027-09-01",
            "jours": ["lundi", "mardi"],
            "remarques": "Temps partiel",
        },
    )
    assert reponse.status_code == 302
    demande = Demande.objects.get(type="nouvel_enfant")
    assert demande.apres["structure"] == "Crèche" and demande.apres["jours"] == "Lundi, Mardi"
    assert "Inscription" in _liste_enfants(client_parent)
    services.demande_accepter(demande=demande, agent=agent)
    nouvel = Enfant.objects.get(famille=parent.famille, prenom="ZOÉ")
    assert nouvel.a_contacter and "Crèche" in nouvel.souhaits_inscription
    assert "Lundi, Mardi" in nouvel.souhaits_inscription
    demande.refresh_from_db()
    assert demande.enfant == nouvel
    client.force_login(agent)
    page = _texte(client.get(reverse("admin:enfants_enfant_change", args=[nouvel.pk])))
    assert "contactez-la pour remplir les fiches d'inscription" in page
    liste = client.get(reverse("admin:enfants_enfant_changelist"), {"dossier": "a_contacter"})
    assert list(liste.context["cl"].result_list) == [nouvel]


def test_ajouter_un_enfant_dates_incoherentes(client_parent):
    structure = StructureFactory()
    futur = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    reponse = client_parent.post(
        reverse("demandes:nouvel_enfant"),
        {
            "nom": "Dupont",
            "prenom": "Zoé",
            "date_naissance": futur,
            "structure": structure.pk,
            "date_debut": "2027-09-01",
        },
    )
    assert "cochez « naissance prévue »" in _texte(reponse)
    assert not Demande.objects.exists()


# Données sanitaires : seuls la famille et les agents habilités les voient -------------------


@pytest.fixture
def demande_sanitaire(parent, enfant):
    DonneesSanitairesFactory(enfant=enfant, allergies="Pollen")
    return demande_creer(parent, "enfant_sanitaire", {"allergies": ALLERGIE}, enfant=enfant)


def test_la_famille_voit_ses_donnees_sanitaires(client_parent, enfant, demande_sanitaire):
    assert "Pollen" in _texte(client_parent.get(reverse("enfants:fiche", args=[enfant.pk])))
    assert ALLERGIE in _liste_enfants(client_parent)


def test_agent_sans_permission_ne_voit_aucune_donnee_sanitaire(
    client, agent, enfant, demande_sanitaire, sante
):
    client.force_login(agent)
    fiche = _texte(client.get(reverse("admin:enfants_enfant_change", args=[enfant.pk])))
    assert "Pollen" not in fiche and "Données sanitaires" not in fiche
    detail = _texte(client.get(reverse("admin:demandes_demande_change", args=[demande_sanitaire.pk])))
    assert ALLERGIE not in detail and "Pollen" not in detail
    assert "permission « voir les données sanitaires » requise" in detail
    liste = _texte(client.get(reverse("admin:demandes_demande_changelist")))
    assert ALLERGIE not in liste
    # Il ne peut pas non plus la décider.
    with pytest.raises(PermissionDenied):
        services.demande_accepter(demande=demande_sanitaire, agent=agent)
    # Accepté par un agent habilité : l'audit ne garde aucune valeur.
    services.demande_accepter(demande=demande_sanitaire, agent=sante)
    for trace in Audit.objects.all():
        assert ALLERGIE not in str(trace.avant) + str(trace.apres) + trace.action + trace.objet
        assert "Pollen" not in str(trace.avant) + str(trace.apres)
    trace = Audit.objects.get(action__startswith=f"Demande n° {demande_sanitaire.pk}")
    assert trace.sensible and trace.champs == ["allergies"] and trace.auteur == sante
    audit = _texte(client.get(reverse("admin:commun_audit_change", args=[trace.pk])))
    assert ALLERGIE not in audit and "valeurs ne sont pas conservées" in audit


def test_agent_habilite_voit_les_donnees_sanitaires(client, sante, enfant, demande_sanitaire):
    client.force_login(sante)
    fiche = _texte(client.get(reverse("admin:enfants_enfant_change", args=[enfant.pk])))
    assert "Pollen" in fiche
    detail = _texte(client.get(reverse("admin:demandes_demande_change", args=[demande_sanitaire.pk])))
    assert ALLERGIE in detail and "Pollen" in detail


def test_courriel_sans_donnee_sanitaire(
    parent, enfant, demande_sanitaire, sante, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.demande_accepter(demande=demande_sanitaire, agent=sante)
    assert len(mail.outbox) == 1
    assert ALLERGIE not in mail.outbox[0].body and "LÉA" not in mail.outbox[0].body


def test_dossiers_a_mettre_a_jour(client, agent, parent):
    from django.utils import timezone

    complet = EnfantFactory(famille=parent.famille)
    DonneesSanitairesFactory(enfant=complet)
    Autorisations.objects.create(enfant=complet)
    PersonneAutoriseeFactory(enfant=complet)
    incomplet = EnfantFactory(famille=parent.famille)
    vieux = EnfantFactory(famille=parent.famille)
    DonneesSanitairesFactory(enfant=vieux)
    Autorisations.objects.create(enfant=vieux)
    PersonneAutoriseeFactory(enfant=vieux)
    DonneesSanitaires.objects.filter(enfant=vieux).update(
        date_mise_a_jour=timezone.now() - datetime.timedelta(days=400)
    )
    client.force_login(agent)
    liste = client.get(reverse("admin:enfants_enfant_changelist"), {"dossier": "a_mettre_a_jour"})
    assert set(liste.context["cl"].result_list) == {incomplet, vieux}


def test_enfant_ne_entre_la_demande_et_l_acceptation(client_parent, parent, agent):
    structure = StructureFactory()
    naissance = datetime.date.today() + datetime.timedelta(days=10)
    client_parent.post(
        reverse("demandes:nouvel_enfant"),
        {
            "nom": "Dupont",
            "prenom": "Noé",
            "date_naissance": naissance.isoformat(),
            "naissance_prevue": "on",
            "structure": structure.pk,
            "date_debut": "2027-09-01",
        },
    )
    demande = Demande.objects.get()
    # Trois semaines plus tard, la date prévue est passée : l'agent peut toujours accepter.
    demande.donnees["date_naissance"] = (datetime.date.today() - datetime.timedelta(days=11)).isoformat()
    demande.save()
    services.demande_accepter(demande=demande, agent=agent)
    assert Enfant.objects.filter(famille=parent.famille, prenom="NOÉ").exists()


def test_demande_en_attente_pre_remplit_la_fiche_de_l_enfant(client_parent, parent, enfant):
    url = reverse("demandes:enfant_informations", args=[enfant.pk])
    demande_creer(parent, "enfant_informations", {"ecole": "École du Bourg", "classe": "CM1"}, enfant=enfant)
    contenu = _texte(client_parent.get(url))
    assert 'value="École du Bourg"' in contenu and 'value="CM1"' in contenu
    assert 'value="2016-03-12"' in contenu  # date de naissance : la fiche actuelle
    assert "cliquez sur « Remplacer ma demande en attente »" in contenu
