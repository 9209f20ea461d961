"""La commande de volume (mesures) produit les proportions annoncées, sur un petit volume."""

import pytest
from django.core.management import call_command

from demandes.models import Demande
from enfants.models import Enfant, Inscription
from facturation.models import Facture, LigneFacture
from familles.models import Famille, Utilisateur
from messagerie.models import Message

pytestmark = pytest.mark.django_db


def test_generer_volume_reduit(capsys):
    call_command("generer_volume", "--familles", "20")
    assert Famille.objects.count() == 21  # 20 + la famille lourde
    assert Enfant.objects.count() == 20 * 2 + 5
    assert Facture.objects.count() == 20 * 24 + 48
    assert LigneFacture.objects.count() == 2 * Facture.objects.count()
    lourde = Utilisateur.objects.get(username="famille.lourde")
    # La famille lourde a ses propres messages (30 fils de 4) et demandes (25).
    assert Message.objects.count() == 10 * 20 + 120
    assert Message.objects.filter(fil__famille=lourde.famille).count() == 120
    assert Demande.objects.filter(famille=lourde.famille).count() == 25
    assert Demande.objects.count() == 5 * 20 + 25
    assert lourde.check_password("Volume2026Ok")
    assert "Volume généré" in capsys.readouterr().out


def test_la_famille_lourde_ressemble_a_une_vraie(capsys):
    """Chaque enfant : 3 à 6 activités, un jour réservé (contrat régulier ou réservation) chaque
    jour d'ouverture de l'activité, les jours passés pointés."""
    import datetime

    from django.utils import timezone

    from enfants.calendrier import feries, vacances
    from enfants.models import Presence, Reservation
    from enfants.planning import activite_ouverte

    call_command("generer_volume", "--familles", "2")
    lourde = Utilisateur.objects.get(username="famille.lourde").famille
    enfants = list(Enfant.objects.filter(famille=lourde))
    assert len(enfants) == 5
    aujourdhui = timezone.localdate()
    for enfant in enfants:
        inscriptions = list(Inscription.objects.filter(enfant=enfant).select_related("activite"))
        assert 3 <= len({i.activite_id for i in inscriptions}) <= 6
        for inscription in inscriptions:
            debut, fin = inscription.date_debut, inscription.date_fin
            jours_feries, jours_vacances = feries(debut, fin), vacances(debut, fin)
            ouverts = {
                debut + datetime.timedelta(n)
                for n in range((fin - debut).days + 1)
                if activite_ouverte(inscription.activite, debut + datetime.timedelta(n), jours_vacances)
                and debut + datetime.timedelta(n) not in jours_feries
            }
            reserves = set(Reservation.objects.filter(inscription=inscription).values_list("date", flat=True))
            reguliers = {j for j in ouverts if inscription.est_regulier(j)}
            assert ouverts and ouverts == reserves | reguliers, inscription
            pointes = set(Presence.objects.filter(inscription=inscription).values_list("date", flat=True))
            assert pointes == {j for j in ouverts if j < aujourdhui}
