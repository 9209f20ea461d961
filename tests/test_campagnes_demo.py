"""La démonstration : la campagne « Rentrée 2027 » ouverte le jour où la démo tourne, la famille
DUPONT a commencé son dossier."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from demandes import campagnes
from enfants.models import Campagne
from familles.demo import IDENTIFIANT_DUPONT
from familles.models import Utilisateur

pytestmark = pytest.mark.django_db


def test_la_demo_ouvre_la_rentree_2027_et_dupont_a_commence(client):
    call_command("demo", force=True, stdout=io.StringIO())
    call_command("demo", force=True, stdout=io.StringIO())  # rejouable
    campagne = Campagne.objects.get(nom="Rentrée 2027")
    assert campagne.est_ouverte(timezone.now())
    assert campagne.activites.exists() and campagne.pieces_requises.exists()
    assert campagne.consentements_requis.exists()
    parent = Utilisateur.objects.select_related("famille").get(username=IDENTIFIANT_DUPONT)
    [avancement] = campagnes.avancements_ouverts(
        famille=parent.famille, maintenant=timezone.now(), jour=timezone.localdate()
    )
    # Dossier certifié ; pièce refusée et règlement v2 à faire ; LÉA et TOM ont chacun une demande
    # d'inscription de la campagne (demo_inscriptions) ; dossier pas encore envoyé.
    assert avancement.faites == [True, False, False, True, False]
    client.force_login(parent)
    assert "Dossier 2027-2028 : 2 étapes sur 5" in client.get("/").content.decode()


def test_la_demo_ouvre_la_fenetre_de_reservation_d_une_campagne_de_vacances():
    import datetime

    from enfants.models import Activite
    from enfants.services.planning import fenetre_reservation_raison

    call_command("demo", force=True, stdout=io.StringIO())
    vacances = Campagne.objects.get(nom="Vacances de démonstration")
    assert not vacances.est_ouverte(timezone.now())  # inscriptions closes : pas de dossier à faire
    activite = Activite.objects.get(nom="ALSH Mercredi après-midi")
    jour = vacances.periode_debut + datetime.timedelta(days=1)
    assert jour > timezone.localdate() + datetime.timedelta(days=activite.horizon_reservation)
    assert fenetre_reservation_raison(activite=activite, jour=jour, maintenant=timezone.now()) is None
