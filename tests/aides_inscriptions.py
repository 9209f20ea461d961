"""Aides des tests des demandes d'inscription à une activité (tests/test_inscriptions_*.py)."""

import datetime

from django.utils import timezone

from tests.factories import ActiviteFactory, EnfantFactory, StructureFactory


def campagne_ouverte(*activites, nom="Rentrée 2027", **champs):
    """Une campagne ouverte depuis hier, fermée dans dix jours, pour l'année scolaire suivante."""
    from enfants.models import Campagne

    maintenant = timezone.now()
    aujourdhui = timezone.localdate()
    valeurs = {
        "nom": nom,
        "periode_debut": aujourdhui + datetime.timedelta(days=30),
        "periode_fin": aujourdhui + datetime.timedelta(days=330),
        "ouverture": maintenant - datetime.timedelta(days=1),
        "fermeture": maintenant + datetime.timedelta(days=10),
    }
    valeurs.update(champs)
    campagne = Campagne.objects.create(**valeurs)
    campagne.activites.set(activites)
    return campagne


def garderie(**champs):
    structure = StructureFactory(nom="Garderie périscolaire", type="garderie")
    return ActiviteFactory(structure=structure, nom=champs.pop("nom", "Garderie du matin"), **champs)


def alsh(**champs):
    structure = StructureFactory(nom="Accueil de loisirs", type="alsh")
    return ActiviteFactory(structure=structure, nom=champs.pop("nom", "ALSH vacances"), **champs)


def enfant_de(parent, *, ans=6, classe="CP", **champs):
    naissance = timezone.localdate() - datetime.timedelta(days=int(ans * 365.25))
    return EnfantFactory(famille=parent.famille, date_naissance=naissance, classe=classe, **champs)


def demander(parent, enfant, activite, campagne=None, *, debut=None, fin=None, jours=""):
    """Une demande d'inscription comme la page l'enverrait (service des enfants → file)."""
    from enfants.services import inscriptions

    debut = debut or (campagne.periode_debut if campagne else timezone.localdate())
    fin = fin or (campagne.periode_fin if campagne else debut + datetime.timedelta(days=60))
    return inscriptions.inscription_demander(
        enfant=enfant,
        activite=activite,
        campagne=campagne,
        date_debut=debut,
        date_fin=fin,
        jours_reguliers=jours,
        auteur=parent,
    )
