"""Données de démonstration : les structures du guide et les enfants DUPONT."""

import datetime

from django.db import transaction

from enfants.models import Activite, Enfant, Structure
from familles.demo import NUMERO_DUPONT
from familles.models import Famille

STRUCTURES = {
    ("Crèche", Structure.Type.CRECHE): ["Crèche journée"],
    ("Accueil de Loisirs", Structure.Type.ALSH): [
        "ALSH Mercredi après-midi", "ALSH Vacances après-midi", "ALSH Vacances journée",
        "ALSH Vacances matin",
    ],
    ("Garderie périscolaire", Structure.Type.GARDERIE): ["Garderie matin", "Garderie soir"],
    ("Restauration scolaire", Structure.Type.RESTAURATION): ["Restauration midi"],
}


@transaction.atomic
def creer() -> list:
    for (nom, type_), activites in STRUCTURES.items():
        structure, _ = Structure.objects.update_or_create(nom=nom, defaults={"type": type_})
        for activite in activites:
            Activite.objects.get_or_create(structure=structure, nom=activite)
    dupont = Famille.objects.get(numero=NUMERO_DUPONT)
    lea, _ = Enfant.objects.update_or_create(
        famille=dupont, prenom="LÉA", defaults={"nom": "DUPONT",
                                               "date_naissance": datetime.date(2016, 3, 12)})
    Enfant.objects.update_or_create(
        famille=dupont, prenom="TOM", defaults={"nom": "DUPONT",
                                               "date_naissance": datetime.date(2019, 9, 30)})
    _fiche_lea(lea)
    return []


def _fiche_lea(lea) -> None:
    """La fiche de LÉA : école, personnes autorisées, autorisations, santé (fictives)."""
    from enfants.models import Autorisations, DonneesSanitaires, PersonneAutorisee, Vaccination

    Enfant.objects.filter(pk=lea.pk).update(ecole="École élémentaire du Bourg", classe="CM1",
                                            port_lunettes=True, lunettes_precisions="Pour lire")
    PersonneAutorisee.objects.update_or_create(
        enfant=lea, nom="DUPONT", prenom="MARIE",
        defaults={"lien": "Grand-mère", "telephone": "02 37 18 01 80"})
    Autorisations.objects.update_or_create(
        enfant=lea, defaults={"photo": True, "sorties": True, "soins_urgence": True})
    DonneesSanitaires.objects.update_or_create(
        enfant=lea, defaults={"medecin_traitant": "Dr ROBERT (Lèves)", "allergies": "Pollen",
                              "regime_alimentaire": DonneesSanitaires.Regime.STANDARD})
    Vaccination.objects.get_or_create(enfant=lea, vaccin="DTP", date=datetime.date(2016, 5, 12))
