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
    Enfant.objects.update_or_create(
        famille=dupont, prenom="LÉA", defaults={"nom": "DUPONT",
                                               "date_naissance": datetime.date(2016, 3, 12)})
    Enfant.objects.update_or_create(
        famille=dupont, prenom="TOM", defaults={"nom": "DUPONT",
                                               "date_naissance": datetime.date(2019, 9, 30)})
    return []
