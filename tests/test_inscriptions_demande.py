"""La page « Inscrire à une activité » : la demande d'inscription envoyée dans la file."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from demandes.models import Demande
from demandes.types_inscriptions import DEJA_DEMANDEE
from enfants import forms_inscriptions as formulaires
from tests.aides_inscriptions import alsh, campagne_ouverte, demander, enfant_de, garderie
from tests.factories import InscriptionFactory

pytestmark = pytest.mark.django_db


def _texte(reponse):
    return reponse.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def _url(enfant):
    return reverse("enfants:inscrire", kwargs={"pk": enfant.pk})


@pytest.fixture
def enfant(parent):
    return enfant_de(parent, classe="CE1")


@pytest.fixture
def activite():
    return garderie()


@pytest.fixture
def campagne(activite):
    return campagne_ouverte(activite)


def _valeur(activite, campagne):
    return f"{activite.pk}-{campagne.pk if campagne else 0}"


def test_page_montre_les_activites_et_pourquoi_pas(client_parent, enfant, activite, campagne):
    cm = garderie(nom="Club CM", niveaux="CM1,CM2")
    campagne.activites.add(cm)
    reponse = client_parent.get(_url(enfant))
    assert reponse.status_code == 200
    texte = _texte(reponse)
    assert f"Inscrire {enfant.prenom} {enfant.nom} à une activité" in texte
    assert "Indisponible : Réservée aux classes CM1, CM2 (classe de l'enfant : CE1)." in texte
    assert "Préciser la classe" not in texte
    enfant.classe = "CE1 bilingue"  # ne se lit pas : la famille est invitée à la préciser
    enfant.save()
    texte = _texte(client_parent.get(_url(enfant)))
    assert "Précisez la classe de l'enfant dans sa fiche (classes admises : CM1, CM2)." in texte
    lien = reverse("demandes:enfant_informations", args=[enfant.pk])
    assert f'<a href="{lien}">Préciser la classe' in texte
    # Seule l'activité ouverte est dans la liste de choix.
    options = reponse.context["form"].fields["offre"].widget.choices
    assert [valeur for valeur, _ in options] == ["", _valeur(activite, campagne)]
    assert "Valider" in texte


def test_lien_depuis_la_fiche_de_l_enfant(client_parent, enfant):
    texte = _texte(client_parent.get(reverse("enfants:fiche", args=[enfant.pk])))
    assert _url(enfant) in texte and "Inscrire à une activité" in texte


def test_demande_envoyee_dans_la_file(client_parent, parent, enfant, activite, campagne):
    reponse = client_parent.post(
        _url(enfant),
        {"offre": _valeur(activite, campagne), "date_debut": "", "date_fin": "", "jours": ["0", "3"]},
    )
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("demandes:liste") + "?cote=enfants"
    demande = Demande.objects.get()
    assert demande.type == "inscription_activite"
    assert demande.enfant == enfant and demande.famille == parent.famille
    assert demande.statut == Demande.Statut.EN_ATTENTE
    assert demande.donnees == {
        "activite": activite.pk,
        "campagne": campagne.pk,
        "date_debut": campagne.periode_debut.isoformat(),
        "date_fin": campagne.periode_fin.isoformat(),
        "jours_reguliers": "03",
    }
    liste = _texte(client_parent.get(reverse("demandes:liste"), {"cote": "enfants"}))
    assert "Garderie périscolaire — Garderie du matin" in liste
    assert "lundi, jeudi" in liste and campagne.nom in liste


def test_periode_bornee_par_la_campagne_rien_de_perdu(client_parent, enfant, activite, campagne):
    trop_tard = campagne.periode_fin + datetime.timedelta(days=1)
    reponse = client_parent.post(
        _url(enfant),
        {
            "offre": _valeur(activite, campagne),
            "date_debut": campagne.periode_debut.isoformat(),
            "date_fin": trop_tard.isoformat(),
            "jours": ["1"],
        },
    )
    assert reponse.status_code == 200
    texte = _texte(reponse)
    attendu = formulaires.HORS_PERIODE.format(
        debut=f"{campagne.periode_debut:%d/%m/%Y}", fin=f"{campagne.periode_fin:%d/%m/%Y}"
    )
    assert attendu in texte
    assert 'id="resume-erreurs"' in texte
    assert f'value="{trop_tard.isoformat()}"' in texte  # la saisie est gardée
    assert 'value="1" checked' in texte or 'checked value="1"' in texte or "checked" in texte
    assert not Demande.objects.exists()


def test_pas_de_jours_reguliers_pour_l_alsh(client_parent, enfant, campagne):
    vacances = alsh()
    campagne.activites.add(vacances)
    reponse = client_parent.post(_url(enfant), {"offre": _valeur(vacances, campagne), "jours": ["2"]})
    assert formulaires.JOURS_NON.format(activite=vacances.nom) in _texte(reponse)
    assert not Demande.objects.exists()


def test_jour_sans_activite_refuse(client_parent, enfant, campagne):
    mercredi = garderie(nom="Garderie du mercredi", jours_ouverture="2")
    campagne.activites.add(mercredi)
    reponse = client_parent.post(_url(enfant), {"offre": _valeur(mercredi, campagne), "jours": ["0"]})
    assert formulaires.JOUR_FERME.format(activite=mercredi.nom, jour="lundi") in _texte(reponse)


def test_campagne_close_au_moment_du_post(client_parent, enfant, activite, campagne):
    client_parent.get(_url(enfant))
    campagne.fermeture = timezone.now() - datetime.timedelta(seconds=1)
    campagne.save()
    reponse = client_parent.post(_url(enfant), {"offre": _valeur(activite, campagne)})
    assert reponse.status_code == 200
    fermeture = timezone.localtime(campagne.fermeture)
    attendu = formulaires.CAMPAGNE_CLOSE.format(
        nom=campagne.nom, date=f"{fermeture:%d/%m/%Y}", heure=f"{fermeture:%H:%M}"
    )
    assert attendu in _texte(reponse)
    assert not Demande.objects.exists()


def test_activite_non_ouverte_a_l_enfant(client_parent, enfant, campagne):
    hors = garderie(nom="Hors campagne")
    trop_jeune = garderie(nom="Étude", age_minimum_mois=200)
    campagne.activites.add(trop_jeune)
    reponse = client_parent.post(_url(enfant), {"offre": _valeur(hors, campagne)})
    assert formulaires.NON_OUVERTE.format(prenom=enfant.prenom) in _texte(reponse)
    reponse = client_parent.post(_url(enfant), {"offre": _valeur(trop_jeune, campagne)})
    assert "Réservée aux enfants d'au moins" in _texte(reponse)
    assert not Demande.objects.exists()


def test_deja_inscrit_sur_la_periode(client_parent, enfant, activite, campagne):
    InscriptionFactory(
        enfant=enfant,
        activite=activite,
        date_debut=campagne.periode_fin - datetime.timedelta(days=5),
        date_fin=campagne.periode_fin + datetime.timedelta(days=30),
    )
    # Même pour une période plus courte : l'inscription existante touche la période proposée.
    fin = campagne.periode_fin - datetime.timedelta(days=10)
    reponse = client_parent.post(
        _url(enfant), {"offre": _valeur(activite, campagne), "date_fin": fin.isoformat()}
    )
    assert reponse.status_code == 200
    assert "est déjà inscrit(e) à cette activité" in _texte(reponse)
    assert not Demande.objects.exists()


def test_demande_deja_en_attente(client_parent, parent, enfant, activite, campagne):
    demander(parent, enfant, activite, campagne)
    reponse = client_parent.post(_url(enfant), {"offre": _valeur(activite, campagne)})
    assert reponse.status_code == 200
    attendu = DEJA_DEMANDEE.format(prenom=enfant.prenom, activite=activite.nom, statut="en attente")
    assert attendu in _texte(reponse)
    assert Demande.objects.count() == 1


def test_enfant_d_une_autre_famille_404(client_parent, autre_parent, activite, campagne):
    autre = enfant_de(autre_parent)
    assert client_parent.get(_url(autre)).status_code == 404
    assert client_parent.post(_url(autre), {"offre": _valeur(activite, campagne)}).status_code == 404
    assert not Demande.objects.exists()


def test_sans_activite_proposee(client_parent, enfant):
    texte = _texte(client_parent.get(_url(enfant)))
    assert "Aucune activité n'est ouverte aux inscriptions" in texte


def test_une_seule_activite_preremplie(client_parent, enfant, activite, campagne):
    formulaire = client_parent.get(_url(enfant)).context["form"]
    assert formulaire.initial["offre"] == _valeur(activite, campagne)
    assert formulaire.initial["date_debut"] == campagne.periode_debut
    assert "jours" in formulaire.fields


def test_pas_de_cases_de_jours_pour_les_seuls_accueils_de_loisirs(client_parent, enfant):
    vacances = alsh()
    campagne = campagne_ouverte(vacances, nom="Vacances d'hiver")
    reponse = client_parent.get(_url(enfant))
    assert "jours" not in reponse.context["form"].fields
    reponse = client_parent.post(_url(enfant), {"offre": _valeur(vacances, campagne)})
    assert reponse.status_code == 302
    assert Demande.objects.get().donnees["jours_reguliers"] == ""


def test_campagne_reservee_aux_habitants_avant_l_ouverture_a_tous(client_parent, parent, enfant, activite):
    from familles.models import Responsable

    tous = timezone.now() + datetime.timedelta(days=2)
    campagne = campagne_ouverte(activite, ouverture_tous=tous)
    Responsable.objects.filter(famille=parent.famille).update(code_postal="28000", ville="CHARTRES")
    reponse = client_parent.post(_url(enfant), {"offre": _valeur(activite, campagne)})
    tous = timezone.localtime(tous)
    attendu = formulaires.CAMPAGNE_HABITANTS.format(
        nom=campagne.nom, date=f"{tous:%d/%m/%Y}", heure=f"{tous:%H:%M}"
    )
    assert attendu in _texte(reponse)
    assert not Demande.objects.exists()
