"""Démonstration des demandes d'inscription (famille DUPONT) dans la campagne « Rentrée 2027 »
(ouverte par `demandes.demo_campagnes`) : TOM inscrit à la restauration scolaire (une place,
demande acceptée), LÉA en liste d'attente de la même activité (1re position) et sa demande de
garderie du soir en attente d'un agent. (Jamais une seconde inscription à une activité que
`enfants.demo` met à jour.)"""

from demandes import services
from enfants.models import Activite, Campagne, Enfant, Inscription
from enfants.services import inscriptions


def creer(*, campagne: Campagne, famille, parent, agent) -> None:
    """Appelée par `demandes.demo_campagnes`, qui ouvre la campagne."""
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
