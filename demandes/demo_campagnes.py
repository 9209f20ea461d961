"""Données de démonstration des campagnes d'inscription (après le dossier annuel) : la campagne
« Rentrée 2027 », ouverte le jour de la démonstration (dates relatives à aujourd'hui), avec ses
activités, pièces et textes ; la famille DUPONT a confirmé son dossier (sa pièce refusée et le
règlement en version 2 à accepter restent à faire) et demandé des inscriptions (demo_inscriptions)."""

import datetime

from django.db import transaction
from django.utils import timezone

from demandes import campagnes, demo_inscriptions
from enfants.models import Activite, Campagne, DossierCampagne
from familles.demo import IDENTIFIANT_AGENT, IDENTIFIANT_DUPONT
from familles.models import TexteConsentement, TypePiece, Utilisateur

NOM = "Rentrée 2027"
NOM_VACANCES = "Vacances de démonstration"
ACTIVITES = (
    "ALSH Mercredi après-midi",
    "Garderie matin",
    "Garderie soir",
    "Restauration midi",
)
PIECES = (
    "Justificatif de ressources",
    "Attestation d'assurance responsabilité civile",
    "Carnet de vaccinations",
)
TEXTES = ("Règlement intérieur des accueils", "Droit à l'image")


def _a_heure(jour: datetime.date, heure: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(heure)))


@transaction.atomic
def creer() -> list:
    aujourdhui = timezone.localdate()
    ouverture = _a_heure(aujourdhui - datetime.timedelta(days=14), 8)
    campagne, _ = Campagne.objects.update_or_create(
        nom=NOM,
        defaults={
            "type": Campagne.Type.RENTREE,
            "periode_debut": datetime.date(2027, 9, 2),
            "periode_fin": datetime.date(2028, 7, 6),
            "ouverture": ouverture,
            # Les habitants de la commune une semaine d'abord, puis tout le monde (les DUPONT
            # habitent Saint-Jean : leur dossier s'est ouvert il y a une semaine).
            "ouverture_tous": _a_heure(aujourdhui - datetime.timedelta(days=7), 8),
            "fermeture": _a_heure(aujourdhui + datetime.timedelta(days=45), 18),
            "reservation_ouverture": None,
            "reservation_fermeture": None,
        },
    )
    campagne.activites.set(Activite.objects.filter(nom__in=ACTIVITES))
    campagne.pieces_requises.set(TypePiece.objects.filter(nom__in=PIECES))
    campagne.consentements_requis.set(TexteConsentement.objects.filter(titre__in=TEXTES))
    parent = Utilisateur.objects.select_related("famille").get(username=IDENTIFIANT_DUPONT)
    DossierCampagne.objects.filter(famille=parent.famille, campagne=campagne).delete()
    campagnes.dossier_certifier(famille=parent.famille, campagne=campagne, utilisateur=parent)
    # Les demandes d'inscription : une acceptée, une en liste d'attente, une en attente.
    agent = Utilisateur.objects.get(username=IDENTIFIANT_AGENT)
    demo_inscriptions.creer(campagne=campagne, famille=parent.famille, parent=parent, agent=agent)
    _vacances(aujourdhui)
    return []


def _vacances(aujourdhui: datetime.date) -> Campagne:
    """Une campagne de vacances dont les inscriptions sont closes et la fenêtre de réservation
    ouverte : ses jours, au-delà de l'horizon de 90 jours, sont « Réservables » dans le planning
    de LÉA (ALSH Mercredi après-midi)."""
    debut = aujourdhui + datetime.timedelta(days=100)
    campagne, _ = Campagne.objects.update_or_create(
        nom=NOM_VACANCES,
        defaults={
            "type": Campagne.Type.VACANCES,
            "periode_debut": debut,
            "periode_fin": debut + datetime.timedelta(days=20),
            "ouverture": _a_heure(aujourdhui - datetime.timedelta(days=30), 8),
            "ouverture_tous": None,
            "fermeture": _a_heure(aujourdhui - datetime.timedelta(days=2), 18),
            "reservation_ouverture": _a_heure(aujourdhui - datetime.timedelta(days=1), 8),
            "reservation_fermeture": _a_heure(aujourdhui + datetime.timedelta(days=20), 18),
        },
    )
    campagne.activites.set(Activite.objects.filter(nom="ALSH Mercredi après-midi"))
    return campagne
