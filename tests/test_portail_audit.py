"""Le journal d'audit : modifications faites par les agents dans l'administration."""

import pytest
from django.urls import reverse

from enfants.models import DonneesSanitaires
from familles.models import Famille
from portail.models import Audit
from tests.factories import DonneesSanitairesFactory, EnfantFactory, agent_sante
from tests.formulaires import donnees_admin

pytestmark = pytest.mark.django_db


def test_modification_d_une_famille_dans_l_admin_tracee(client, agent, parent):
    famille = parent.famille
    famille.iban = "FR7630006000011234567890189"
    famille.save()
    client.force_login(agent)
    url = reverse("admin:familles_famille_change", args=[famille.pk])
    donnees = donnees_admin(client.get(url))
    donnees["quotient_familial"] = "512"
    donnees["iban"] = "FR7630001007941234567890185"
    donnees["responsables-0-ville"] = "CHARTRES"
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    assert Famille.objects.get(pk=famille.pk).quotient_familial == 512
    traces = Audit.objects.filter(famille=famille, auteur=agent)
    fiche = traces.get(objet__startswith="famille")
    assert fiche.apres["Quotient familial"] == "512"
    assert fiche.avant["IBAN"] == "FR76 •••• 0189" and fiche.apres["IBAN"] == "FR76 •••• 0185"
    responsable = traces.get(objet__startswith="responsable")
    assert responsable.avant == {"Ville": "LÈVES"} and responsable.apres == {"Ville": "CHARTRES"}


def test_modification_sanitaire_dans_l_admin_tracee_sans_valeurs(client, parent):
    sante = agent_sante()
    enfant = EnfantFactory(famille=parent.famille)
    DonneesSanitairesFactory(enfant=enfant, allergies="Pollen")
    client.force_login(sante)
    url = reverse("admin:enfants_enfant_change", args=[enfant.pk])
    donnees = donnees_admin(client.get(url))
    cle = next(k for k in donnees if k.endswith("-allergies"))
    donnees[cle] = "Gluten"
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302
    assert DonneesSanitaires.objects.get(enfant=enfant).allergies == "Gluten"
    trace = Audit.objects.get(sensible=True)
    assert trace.auteur == sante and trace.champs == ["Allergies"]
    assert trace.avant == {} and trace.apres == {}
    assert not any("Gluten" in str(t.apres) or "Pollen" in str(t.avant) for t in Audit.objects.all())
