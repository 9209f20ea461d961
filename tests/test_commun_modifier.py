"""La modification auditée commune (`commun.modifier.modele_modifier`)."""

import datetime

import pytest

from commun.modifier import modele_modifier
from familles.validators import iban_masquer
from tests.factories import EnfantFactory, famille_avec_parent

pytestmark = pytest.mark.django_db


def test_renvoie_avant_apres_par_libelle_et_enregistre():
    enfant = EnfantFactory(ecole="Jaurès", port_lunettes=False, date_naissance=datetime.date(2015, 4, 8))
    modification = modele_modifier(
        instance=enfant,
        donnees={"ecole": "Curie", "port_lunettes": True, "date_naissance": datetime.date(2015, 4, 9)},
        champs={"ecole", "port_lunettes", "date_naissance"},
    )
    enfant.refresh_from_db()
    assert enfant.ecole == "Curie" and enfant.port_lunettes
    libelle = str(enfant._meta.get_field("date_naissance").verbose_name)
    assert modification.avant[libelle] == "08/04/2015" and modification.apres[libelle] == "09/04/2015"
    libelle = str(enfant._meta.get_field("port_lunettes").verbose_name)
    assert (modification.avant[libelle], modification.apres[libelle]) == ("Non", "Oui")


def test_refuse_un_champ_non_autorise_sans_rien_ecrire():
    enfant = EnfantFactory(ecole="Jaurès")
    with pytest.raises(ValueError, match="famille"):
        modele_modifier(instance=enfant, donnees={"ecole": "Curie", "famille": None}, champs={"ecole"})
    enfant.refresh_from_db()
    assert enfant.ecole == "Jaurès"


def test_masque_les_valeurs_demandees():
    famille = famille_avec_parent().famille
    modification = modele_modifier(
        instance=famille, donnees={"iban": "FR7630006000011234567890189"}, masques={"iban": iban_masquer}
    )
    assert list(modification.apres.values()) == ["FR76 •••• 0189"]


def test_l_audit_nomme_l_objet_apres_la_modification():
    """Un enfant renommé est tracé sous son nouveau nom, un responsable aussi."""
    from commun.models import Audit
    from enfants import services as enfants_services
    from familles import services as familles_services

    enfant = EnfantFactory(nom="MARTIN", prenom="LÉA")
    enfants_services.enfant_modifier(enfant=enfant, valeurs={"nom": "DURAND"})
    assert Audit.objects.filter(famille=enfant.famille).latest("pk").objet == "Enfant LÉA DURAND"
    famille = famille_avec_parent().famille
    principal = famille.responsable_principal
    familles_services.responsable_modifier(famille=famille, role=principal.role, valeurs={"nom": "NOUVEAU"})
    principal.refresh_from_db()
    objet = Audit.objects.filter(famille=famille).latest("pk").objet
    assert "NOUVEAU" in objet and objet.endswith(principal.nom_complet)
