"""Critères d'accès d'une activité (âge, niveau scolaire, commune) et activités proposées."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enfants import criteres, niveaux, selectors
from familles.models import Responsable
from tests.aides_inscriptions import alsh, campagne_ouverte, enfant_de, garderie
from tests.factories import InscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("classe", "code"),
    [
        ("CP", "CP"),
        ("cp", "CP"),
        (" ce1 ", "CE1"),
        ("CE 1", "CE1"),
        ("Grande section", "GS"),
        ("grande   SECTION", "GS"),
        ("Cours préparatoire", "CP"),
        ("cours preparatoire", "CP"),
        ("6ème", "6E"),
        ("TPS", "TPS"),
    ],
)
def test_niveau_lu_exactement(classe, code):
    assert niveaux.niveau_lire(classe) == code


@pytest.mark.parametrize("classe", ["", "CP/CE1", "CE1 bilingue", "grande", "CE", "C P", "maternelle", "CM3"])
def test_niveau_jamais_devine(classe):
    assert niveaux.niveau_lire(classe) is None


def test_age_en_mois_revolus():
    naissance = datetime.date(2024, 3, 15)
    assert criteres.age_en_mois(naissance, datetime.date(2027, 3, 14)) == 35
    assert criteres.age_en_mois(naissance, datetime.date(2027, 3, 15)) == 36
    assert criteres.age_mois_texte(36) == "3 ans"
    assert criteres.age_mois_texte(12) == "1 an"
    assert criteres.age_mois_texte(30) == "30 mois"


def test_validation_de_l_activite_en_francais():
    activite = garderie(age_minimum_mois=40, age_maximum_mois=30, niveaux="CP,XX")
    with pytest.raises(ValidationError) as erreur:
        activite.full_clean()
    attendu = "L'âge maximum doit être supérieur ou égal à l'âge minimum."
    assert attendu in erreur.value.message_dict["age_maximum_mois"]
    assert "niveaux" in erreur.value.message_dict


def test_admin_des_niveaux_en_cases_a_cocher(client, agent):
    from django.urls import reverse

    client.force_login(agent)
    activite = garderie(niveaux="CP,CE1")
    reponse = client.get(reverse("admin:enfants_activite_change", args=[activite.pk]))
    contenu = reponse.content.decode()
    assert 'type="checkbox" name="niveaux" value="CP"' in contenu
    assert "Niveaux scolaires admis" in contenu
    assert "En mois révolus" in contenu


def _par_activite(proposees):
    return {p.activite.nom: p for p in proposees}


def test_activites_proposees_avec_raisons(parent):
    aujourdhui = timezone.localdate()
    enfant = enfant_de(parent, ans=6, classe="CP")
    ouverte = garderie(nom="Garderie du matin")
    trop_jeune = garderie(nom="Étude", age_minimum_mois=96)
    trop_age = garderie(nom="Crèche", age_maximum_mois=35)
    niveau = garderie(nom="Club CM", niveaux="CM1,CM2")
    campagne = campagne_ouverte(ouverte, trop_jeune, trop_age, niveau)
    alsh(nom="Mercredis", inscription_toute_annee=True)
    garderie(nom="Hors campagne")  # ni campagne ni toute l'année : pas proposée
    proposees = _par_activite(selectors.activites_proposees(enfant=enfant, famille=parent.famille))
    assert set(proposees) == {"Garderie du matin", "Étude", "Crèche", "Club CM", "Mercredis"}
    assert proposees["Garderie du matin"].accessible
    assert proposees["Garderie du matin"].campagne == campagne
    assert proposees["Garderie du matin"].debut == campagne.periode_debut
    debut = campagne.periode_debut.strftime("%d/%m/%Y")
    assert proposees["Étude"].raison == f"Réservée aux enfants d'au moins 8 ans au {debut}."
    assert proposees["Crèche"].raison == f"Réservée aux enfants de 35 mois au plus au {debut}."
    assert proposees["Club CM"].raison == "Réservée aux classes CM1, CM2 (classe de l'enfant : CP)."
    assert proposees["Mercredis"].campagne is None and proposees["Mercredis"].accessible
    assert proposees["Mercredis"].debut == aujourdhui
    assert proposees["Mercredis"].fin == criteres.fin_annee_scolaire(aujourdhui)


def test_classe_illisible_a_preciser(parent):
    enfant = enfant_de(parent, classe="CP/CE1")
    campagne_ouverte(garderie(niveaux="CP,CE1"))
    (proposee,) = selectors.activites_proposees(enfant=enfant, famille=parent.famille)
    assert not proposee.accessible
    assert proposee.refus.classe_a_preciser
    assert proposee.raison.startswith("Précisez la classe de l'enfant dans sa fiche")


def test_reservee_aux_habitants(parent):
    enfant = enfant_de(parent)
    campagne_ouverte(garderie(reservee_habitants=True))
    (proposee,) = selectors.activites_proposees(enfant=enfant, famille=parent.famille)
    assert proposee.accessible
    Responsable.objects.filter(famille=parent.famille).update(code_postal="28000", ville="CHARTRES")
    famille = type(parent.famille).objects.get(pk=parent.famille.pk)
    (proposee,) = selectors.activites_proposees(enfant=enfant, famille=famille)
    assert proposee.raison == "Réservée aux habitants de Lèves."


def test_deja_inscrit_et_campagne_close(parent):
    enfant = enfant_de(parent)
    activite = garderie()
    campagne = campagne_ouverte(activite)
    InscriptionFactory(
        enfant=enfant, activite=activite, date_debut=campagne.periode_debut, date_fin=campagne.periode_fin
    )
    (proposee,) = selectors.activites_proposees(enfant=enfant, famille=parent.famille)
    assert not proposee.accessible and "est déjà inscrit(e) à cette activité" in proposee.raison
    fermee = selectors.activites_proposees(
        enfant=enfant, famille=parent.famille, maintenant=campagne.fermeture
    )
    assert fermee == []


def test_activites_proposees_nombre_de_requetes_constant(parent):
    enfant = enfant_de(parent)

    def compter():
        famille = type(parent.famille).objects.get(pk=parent.famille.pk)
        famille._principal = famille.responsables.get(role="principal")
        with CaptureQueriesContext(connection) as requetes:
            selectors.activites_proposees(enfant=enfant, famille=famille)
        return len(requetes)

    campagne_ouverte(garderie(nom="A"), nom="C1")
    alsh(nom="T1", inscription_toute_annee=True)
    une = compter()
    campagne_ouverte(*[garderie(nom=f"G{i}") for i in range(5)], nom="C2")
    for i in range(4):
        alsh(nom=f"T{i + 2}", inscription_toute_annee=True)
    assert compter() == une == 4
