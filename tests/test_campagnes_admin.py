"""Campagnes d'inscription, côté agents : liste, formulaire qui valide, droits, journal d'audit."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commun.models import Audit
from enfants.admin import MESSAGES_CAMPAGNE
from enfants.models import Campagne
from tests import factories

pytestmark = pytest.mark.django_db

PARIS = datetime.timezone(datetime.timedelta(hours=2))  # heure d'été de Paris, en mai-juillet


def _donnees(activite, **changements):
    donnees = {
        "nom": "Rentrée 2027",
        "type": "rentree",
        "periode_debut": "02/09/2027",
        "periode_fin": "06/07/2028",
        "ouverture_0": "03/05/2027",
        "ouverture_1": "08:00",
        "ouverture_tous_0": "17/05/2027",
        "ouverture_tous_1": "08:00",
        "fermeture_0": "06/07/2027",
        "fermeture_1": "18:00",
        "activites": [str(activite.pk)],
        "reservation_ouverture_0": "",
        "reservation_ouverture_1": "",
        "reservation_fermeture_0": "",
        "reservation_fermeture_1": "",
    }
    donnees.update(changements)
    return donnees


def test_l_agent_ouvre_une_campagne_et_c_est_au_journal(client, agent):
    activite = factories.ActiviteFactory(nom="Accueil périscolaire")
    client.force_login(agent)
    reponse = client.post(reverse("admin:enfants_campagne_add"), _donnees(activite))
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    campagne = Campagne.objects.get()
    assert campagne.ouverture == datetime.datetime(2027, 5, 3, 8, tzinfo=PARIS)
    assert list(campagne.activites.all()) == [activite]
    trace = Audit.objects.get(auteur=agent, action="Création dans l'administration")
    assert trace.objet == "campagne d'inscription Rentrée 2027"
    assert trace.apres["Activités proposées"] == "Accueil périscolaire"
    # Modifier : tracé avec l'avant et l'après.
    url = reverse("admin:enfants_campagne_change", args=[campagne.pk])
    reponse = client.post(url, _donnees(activite, fermeture_1="17:00"))
    assert reponse.status_code == 302
    trace = Audit.objects.get(auteur=agent, action="Modification dans l'administration")
    assert trace.avant["Fermeture"] == "06/07/2027 18:00" and trace.apres["Fermeture"] == "06/07/2027 17:00"


def test_la_liste_dit_la_fenetre_en_francais_et_l_etat(client, agent):
    maintenant = timezone.now()
    factories.CampagneFactory(
        nom="Rentrée 2027",
        ouverture=datetime.datetime(2027, 5, 3, 8, tzinfo=PARIS),
        fermeture=datetime.datetime(2027, 7, 6, 18, tzinfo=PARIS),
    )
    factories.CampagneFactory(nom="Toussaint", ouverture=maintenant - datetime.timedelta(days=1))
    factories.CampagneFactory(
        nom="Printemps passé",
        ouverture=maintenant - datetime.timedelta(days=60),
        fermeture=maintenant - datetime.timedelta(days=30),
    )
    client.force_login(agent)
    page = client.get(reverse("admin:enfants_campagne_changelist")).content.decode()
    assert "du lundi 3 mai 2027 à 8 h 00 au mardi 6 juillet 2027 à 18 h 00" in page
    assert page.count("à venir") == 1 and page.count(">ouverte<") == 1 and page.count(">close<") == 1


@pytest.mark.parametrize(
    ("changements", "champ", "message"),
    [
        ({"fermeture_0": "01/05/2027"}, "fermeture", "fenetre"),
        ({"periode_fin": "01/09/2027"}, "periode_fin", "periode"),
        ({"ouverture_tous_0": "07/07/2027"}, "ouverture_tous", "ouverture_tous"),
        ({"ouverture_tous_0": "02/05/2027"}, "ouverture_tous", "ouverture_tous"),
        (
            {"reservation_ouverture_0": "01/06/2027", "reservation_ouverture_1": "08:00"},
            "reservation_ouverture",
            "reservation_type",
        ),
        (
            {"type": "vacances", "reservation_ouverture_0": "01/06/2027", "reservation_ouverture_1": "08:00"},
            "reservation_fermeture",
            "reservation_deux",
        ),
        (
            {
                "type": "vacances",
                "reservation_ouverture_0": "01/06/2027",
                "reservation_ouverture_1": "08:00",
                "reservation_fermeture_0": "01/06/2027",
                "reservation_fermeture_1": "07:00",
            },
            "reservation_fermeture",
            "reservation_ordre",
        ),
        ({"activites": []}, "activites", "activites"),
    ],
)
def test_une_campagne_incoherente_est_refusee_en_francais(client, agent, changements, champ, message):
    activite = factories.ActiviteFactory()
    client.force_login(agent)
    reponse = client.post(reverse("admin:enfants_campagne_add"), _donnees(activite, **changements))
    assert reponse.status_code == 200
    assert reponse.context["adminform"].form.errors[champ] == [MESSAGES_CAMPAGNE[message]]
    assert not Campagne.objects.exists() and not Audit.objects.exists()


def test_une_campagne_de_vacances_ouvre_une_fenetre_de_reservation(client, agent):
    activite = factories.ActiviteFactory()
    client.force_login(agent)
    donnees = _donnees(
        activite,
        type="vacances",
        reservation_ouverture_0="01/06/2027",
        reservation_ouverture_1="08:00",
        reservation_fermeture_0="20/06/2027",
        reservation_fermeture_1="18:00",
    )
    assert client.post(reverse("admin:enfants_campagne_add"), donnees).status_code == 302
    assert Campagne.objects.get().reservation_fermeture == datetime.datetime(2027, 6, 20, 18, tzinfo=PARIS)


def test_le_groupe_ccas_regle_les_campagnes_sans_les_supprimer_et_lit_les_dossiers(client, agent):
    campagne = factories.CampagneFactory()
    client.force_login(agent)
    assert client.get(reverse("admin:enfants_campagne_add")).status_code == 200
    assert client.get(reverse("admin:enfants_campagne_change", args=[campagne.pk])).status_code == 200
    supprimer = reverse("admin:enfants_campagne_delete", args=[campagne.pk])
    assert client.post(supprimer, {"post": "yes"}).status_code == 403
    assert Campagne.objects.filter(pk=campagne.pk).exists()
    assert client.get(reverse("admin:enfants_dossiercampagne_changelist")).status_code == 200
    assert client.get(reverse("admin:enfants_dossiercampagne_add")).status_code == 403


def test_un_agent_sans_droit_ne_voit_pas_les_campagnes(client):
    sans_droit = factories.UtilisateurFactory(is_staff=True)
    campagne = factories.CampagneFactory()
    client.force_login(sans_droit)
    assert client.get(reverse("admin:enfants_campagne_changelist")).status_code == 403
    assert client.get(reverse("admin:enfants_campagne_change", args=[campagne.pk])).status_code in (302, 403)
