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
    assert Message.objects.count() == 10 * 20
    assert Demande.objects.count() == 5 * 20
    assert (
        Inscription.objects.filter(enfant__famille__responsables__nom="LOURDE").distinct().count()
        == 5 * 4 * 2
    )
    lourde = Utilisateur.objects.get(username="famille.lourde")
    assert lourde.check_password("Volume2026Ok")
    assert "Volume généré" in capsys.readouterr().out
