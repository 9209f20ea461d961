"""Le dossier de campagne dans le bloc « À faire » de l'accueil : avancement, lien, requêtes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from demandes import campagnes
from demandes.models import Demande
from enfants import calendrier
from familles.a_faire import ORDRE_CAMPAGNES, elements_a_faire
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def campagne(db):
    maintenant = timezone.now()
    return factories.CampagneFactory(
        nom="Rentrée 2027",
        ouverture=maintenant - datetime.timedelta(days=2),
        fermeture=maintenant + datetime.timedelta(days=20),
    )


def _campagne_de(elements):
    return [e for e in elements if e.ordre == ORDRE_CAMPAGNES]


def test_l_accueil_dit_l_avancement_et_mene_a_l_etape_suivante(client_parent, parent, campagne):
    piece = factories.TypePieceFactory(nom="Attestation d'assurance")
    campagne.pieces_requises.set([piece])
    factories.EnfantFactory(famille=parent.famille)
    campagnes.dossier_certifier(famille=parent.famille, campagne=campagne, utilisateur=parent)
    [element] = _campagne_de(elements_a_faire(famille=parent.famille))
    # Certifié, et aucun texte demandé : 2 étapes ; la suivante : les pièces.
    assert element.libelle == "Dossier 2027-2028 : 2 étapes sur 5"
    assert element.detail == f"À envoyer avant le {calendrier.date_heure_longue(campagne.fermeture)}."
    assert element.url == reverse("demandes:campagne", kwargs={"pk": campagne.pk}) + "#etape-pieces"
    factories.piece_deposee(famille=parent.famille, type_piece=piece)
    [element] = _campagne_de(elements_a_faire(famille=parent.famille))
    assert element.libelle == "Dossier 2027-2028 : 3 étapes sur 5"
    assert element.url.endswith("#etape-activites")
    html = client_parent.get("/").content.decode()
    assert "Dossier 2027-2028 : 3 étapes sur 5" in html and f'href="{element.url}"' in html


def test_un_dossier_envoye_ou_une_campagne_fermee_ne_s_affiche_plus(parent, campagne):
    famille = parent.famille
    campagnes.dossier_certifier(famille=famille, campagne=campagne, utilisateur=parent)
    campagnes.dossier_envoyer(famille=famille, campagne=campagne, utilisateur=parent)
    assert _campagne_de(elements_a_faire(famille=famille)) == []
    passee = timezone.now() - datetime.timedelta(seconds=1)
    factories.CampagneFactory(ouverture=passee - datetime.timedelta(days=30), fermeture=passee)
    assert _campagne_de(elements_a_faire(famille=famille)) == []


def test_le_non_habitant_ne_voit_la_campagne_qu_a_l_ouverture_a_tous(parent, campagne):
    principal = parent.famille.responsable_principal
    principal.ville = "CHARTRES"
    principal.save()
    campagne.ouverture_tous = timezone.now() + datetime.timedelta(days=1)
    campagne.save()
    assert _campagne_de(elements_a_faire(famille=parent.famille)) == []
    campagne.ouverture_tous = timezone.now() - datetime.timedelta(minutes=1)
    campagne.save()
    assert len(_campagne_de(elements_a_faire(famille=parent.famille))) == 1


def _remplir(parent, campagne, n):
    """n enfants (chacun une demande d'inscription), n pièces et n textes demandés."""
    for i in range(n):
        enfant = factories.EnfantFactory(famille=parent.famille)
        Demande.objects.create(
            famille=parent.famille,
            enfant=enfant,
            type="inscription_activite",
            donnees={"activite": campagne.activites.get().pk, "campagne": campagne.pk},
        )
        type_piece = factories.TypePieceFactory(nom=f"Pièce {i}", concerne="enfant")
        campagne.pieces_requises.add(type_piece)
        factories.piece_deposee(
            famille=parent.famille, type_piece=type_piece, enfant=enfant, statut="refusee"
        )
        campagne.consentements_requis.add(factories.VersionTexteFactory().texte)


def test_le_bloc_a_faire_a_un_nombre_de_requetes_constant_avec_une_campagne(parent, campagne):
    famille = parent.famille
    assert famille.responsable_principal is not None  # lu à la connexion, comme dans une page
    # Sans campagne ouverte, une requête (les campagnes ouvertes : aucune) ; la requête annotée de
    # l'avancement, chère à composer, n'est faite que s'il y en a (docs/performance.md).
    campagne.fermeture = timezone.now() - datetime.timedelta(seconds=1)
    campagne.save()
    _remplir(parent, campagne, 1)
    with CaptureQueriesContext(connection) as sans:
        elements_a_faire(famille=famille)
    campagne.fermeture = timezone.now() + datetime.timedelta(days=20)
    campagne.save()
    with CaptureQueriesContext(connection) as un:
        elements_a_faire(famille=famille)
    _remplir(parent, campagne, 10)
    with CaptureQueriesContext(connection) as beaucoup:
        elements = elements_a_faire(famille=famille)
    assert _campagne_de(elements)[0].libelle == "Dossier 2027-2028 : 1 étape sur 5"  # activités faites
    # Campagne ouverte : une requête de plus, l'avancement (l'état des pièces est partagé avec la
    # liste des pièces manquantes) ; et autant avec 11 enfants, pièces et textes qu'avec un.
    assert len(sans) + 1 == len(un) == len(beaucoup), [q["sql"][:80] for q in beaucoup.captured_queries]
    assert len([q for q in sans.captured_queries if "enfants_campagne" in q["sql"]]) == 1
    assert len([q for q in beaucoup.captured_queries if "enfants_campagne" in q["sql"]]) == 2
