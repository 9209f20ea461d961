"""Les rappels automatiques (issue 21), lancés par `manage.py rappels_envoyer` (cron ou tâche
périodique) : factures disponibles, à échéance dans 5 jours ou en retard, réservations qui
ouvrent ou ferment dans 48 h, documents qui expirent dans 30 jours.

Idempotent : chaque rappel porte une clé (la facture, la date d'échéance, la campagne, la pièce)
et une famille n'est notifiée qu'une fois par clé et par canal (`Notification.cle`, contrainte
d'unicité) ; lancer la commande deux fois dans l'heure n'envoie rien deux fois. Chaque rappel
est une ligne `Notification` : ce qui est parti, quand, par quel canal, avec quel résultat.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from enfants.models import Campagne, Inscription
from facturation.models import Facture, deja_paye
from familles.models import PieceJustificative
from messagerie import notifications

Type = notifications.Type

# Une facture importée depuis moins de ce nombre de jours est annoncée (« facture disponible ») :
# la première exécution n'annonce pas tout l'historique.
FACTURE_DISPONIBLE_JOURS = 7
ECHEANCE_JOURS = 5
RETARD_JOURS_MAX = 30
RESERVATIONS_HEURES = 48
PIECE_JOURS = 30


@dataclass
class RapportRappels:
    """Le nombre de notifications prévues, par sorte de rappel."""

    prevues: dict[str, int] = field(default_factory=dict)
    relancees: int = 0

    @property
    def total(self) -> int:
        return sum(self.prevues.values())


def _familles_par_cle(lignes) -> dict[str, set[int]]:
    par_cle: dict[str, set[int]] = defaultdict(set)
    for cle, famille_id in lignes:
        par_cle[cle].add(famille_id)
    return par_cle


def _factures_impayees():
    # Le même « déjà payé » que le relevé et les conditions de réservation (facturation.models).
    return Facture.objects.annotate(deja_paye=deja_paye()).filter(montant__gt=F("deja_paye"))


# Un rappel : (sorte, clé, familles, lien).
Rappel = tuple[str, str, set[int], str]


def _factures(aujourdhui: datetime.date, maintenant: datetime.datetime) -> list[Rappel]:
    lien = reverse("facturation:releve")
    rappels: list[Rappel] = []
    disponibles = Facture.objects.filter(
        date_import__gte=maintenant - datetime.timedelta(days=FACTURE_DISPONIBLE_JOURS)
    ).values_list("pk", "famille_id")
    for cle, familles in _familles_par_cle((f"facture:{pk}", f) for pk, f in disponibles).items():
        rappels.append((Type.FACTURE, cle, familles, lien))
    bientot = _factures_impayees().filter(date_echeance=aujourdhui + datetime.timedelta(days=ECHEANCE_JOURS))
    for cle, familles in _familles_par_cle(
        (f"echeance:{d:%Y%m%d}", f) for d, f in bientot.values_list("date_echeance", "famille_id")
    ).items():
        rappels.append((Type.ECHEANCE, cle, familles, lien))
    retard = _factures_impayees().filter(
        date_echeance__lt=aujourdhui,
        date_echeance__gte=aujourdhui - datetime.timedelta(days=RETARD_JOURS_MAX),
    )
    for cle, familles in _familles_par_cle(
        (f"retard:{d:%Y%m%d}", f) for d, f in retard.values_list("date_echeance", "famille_id")
    ).items():
        rappels.append((Type.ECHEANCE, cle, familles, lien))
    return rappels


def _reservations(aujourdhui: datetime.date, maintenant: datetime.datetime) -> list[Rappel]:
    """Les campagnes dont la fenêtre de réservation s'ouvre ou se ferme dans les 48 heures : les
    familles dont un enfant est inscrit à une de leurs activités."""
    horizon = maintenant + datetime.timedelta(hours=RESERVATIONS_HEURES)
    rappels: list[Rappel] = []
    for moment, sorte in (("reservation_ouverture", "ouverture"), ("reservation_fermeture", "fermeture")):
        campagnes = Campagne.objects.filter(**{f"{moment}__gt": maintenant, f"{moment}__lte": horizon})
        for campagne in campagnes:
            familles = set(
                Inscription.objects.filter(
                    activite__in=campagne.activites.all(), date_fin__gte=aujourdhui
                ).values_list("enfant__famille_id", flat=True)
            )
            if familles:
                rappels.append(
                    (
                        Type.RESERVATIONS,
                        f"reservations:{sorte}:{campagne.pk}",
                        familles,
                        reverse("enfants:liste"),
                    )
                )
    return rappels


def _pieces(aujourdhui: datetime.date) -> list[Rappel]:
    pieces = PieceJustificative.objects.filter(
        statut=PieceJustificative.Statut.VALIDEE,
        valide_jusqu_au__gte=aujourdhui,
        valide_jusqu_au__lte=aujourdhui + datetime.timedelta(days=PIECE_JOURS),
    ).values_list("pk", "valide_jusqu_au", "famille_id")
    return [
        (Type.PIECE, cle, familles, reverse("familles:pieces"))
        for cle, familles in _familles_par_cle(
            (f"piece:{pk}:{fin:%Y%m%d}", f) for pk, fin, f in pieces
        ).items()
    ]


def rappels_envoyer(*, maintenant: datetime.datetime | None = None) -> RapportRappels:
    """Prévoit tous les rappels dus et remet en file les notifications en attente dont l'heure
    est venue ; les envois partent en tâche après validation."""
    maintenant = maintenant or timezone.now()
    aujourdhui = timezone.localdate(maintenant)
    rapport = RapportRappels()
    rappels = _factures(aujourdhui, maintenant) + _reservations(aujourdhui, maintenant) + _pieces(aujourdhui)
    for type_, cle, familles, lien in rappels:
        with transaction.atomic():
            ids = notifications.notifier(familles=sorted(familles), type_=type_, lien=lien, cle=cle)
        rapport.prevues[type_] = rapport.prevues.get(type_, 0) + len(ids)
    relancer = notifications.notifications_a_relancer(maintenant=maintenant)
    if relancer:
        notifications.programmer([(pk, None) for pk in relancer])
    rapport.relancees = len(relancer)
    return rapport
