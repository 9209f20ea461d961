"""Démonstration des demandes d'inscription (famille DUPONT) : la campagne « Rentrée 2027 »
ouverte, TOM inscrit à la restauration scolaire (une place, demande acceptée), LÉA en liste
d'attente de la même activité (1re position) et sa demande de garderie du soir en attente d'un
agent. (Jamais une seconde inscription à une activité que `enfants.demo` met à jour.)"""

import datetime

from django.utils import timezone

from demandes import services
from enfants.models import Activite, Campagne, Enfant, Inscription
from enfants.services import inscriptions

NOM_CAMPAGNE = "Rentrée 2027"


def _campagne() -> Campagne:
    """La campagne de la rentrée, ouverte aujourd'hui (la reprend si elle existe déjà)."""
    maintenant = timezone.now()
    campagne, _ = Campagne.objects.get_or_create(
        nom=NOM_CAMPAGNE,
        defaults={
            "type": Campagne.Type.RENTREE,
            "periode_debut": datetime.date(2027, 9, 1),
            "periode_fin": datetime.date(2028, 7, 6),
            "ouverture": maintenant - datetime.timedelta(days=7),
            "fermeture": maintenant + datetime.timedelta(days=60),
        },
    )
    return campagne


def creer(*, famille, parent, agent) -> None:
    campagne = _campagne()
    garderie = Activite.objects.get(nom="Garderie soir")
    cantine = Activite.objects.get(nom="Restauration midi")
    Activite.objects.filter(pk=cantine.pk).update(places_inscription=1)
    # Les critères d'accès, pour l'exemple : l'accueil du mercredi dès 3 ans.
    Activite.objects.filter(nom="ALSH Mercredi après-midi").update(age_minimum_mois=36)
    campagne.activites.add(garderie, cantine, *Activite.objects.filter(nom="ALSH Mercredi après-midi"))
    # Rejouée, la démonstration repart des inscriptions d'avant la campagne.
    Inscription.objects.filter(
        enfant__famille=famille, activite__in=[garderie, cantine], date_debut__gte=campagne.periode_debut
    ).delete()
    lea = Enfant.objects.get(famille=famille, prenom="LÉA")
    tom = Enfant.objects.get(famille=famille, prenom="TOM")

    def demander(enfant, activite, jours):
        return inscriptions.inscription_demander(
            enfant=enfant,
            activite=activite,
            campagne=campagne,
            date_debut=campagne.periode_debut,
            date_fin=campagne.periode_fin,
            jours_reguliers=jours,
            auteur=parent,
        )

    services.demande_accepter(demande=demander(tom, cantine, "03"), agent=agent)
    services.demande_accepter(demande=demander(lea, cantine, "0134"), agent=agent)  # complet
    demander(lea, garderie, "0134")
