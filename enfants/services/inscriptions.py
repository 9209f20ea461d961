"""Les inscriptions aux activités : les créer en respectant le nombre d'inscriptions maximum
(`Activite.places_inscription`), et passer la demande de la famille à la file de modération.

La demande elle-même vit dans `demandes` (type `inscription_activite`) : `inscription_demander`
la lui transmet par le signal `inscription_demandee` (les couches ne remontent pas).
"""

import datetime

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.dispatch import Signal

from commun.audit import audit_enregistrer
from enfants import calendrier, criteres
from enfants.models import Activite, Campagne, Enfant, Inscription

COMPLET_INSCRIPTIONS = "L'activité « {activite} » est complète sur cette période ({places} inscriptions)."
DEJA_INSCRIT_PERIODE = "{prenom} est déjà inscrit(e) à « {activite} » sur cette période."
DATES_ORDONNEES = "La date de fin doit être postérieure ou égale à la date de début."

# Envoyé par `inscription_demander` : `demandes` en fait une demande (receveur unique, qui
# renvoie la demande créée ou lève ValidationError avec le message à montrer à la famille).
inscription_demandee = Signal()


class InscriptionComplete(ValidationError):
    """Plus de place d'inscription sur la période : la demande va en liste d'attente."""


def places_inscription_prises(*, activite: Activite, debut: datetime.date, fin: datetime.date) -> int:
    """Le nombre d'inscriptions à l'activité dont la période touche [debut, fin]."""
    return Inscription.objects.filter(activite=activite, date_debut__lte=fin, date_fin__gte=debut).count()


def activite_verrouiller(*, activite_id: int) -> Activite:
    """Verrouille la ligne de l'activité : toute création d'inscription ou proposition de place
    sur l'activité passe par ce verrou, qui sérialise le décompte des places (PostgreSQL)."""
    return Activite.objects.select_for_update().select_related("structure").get(pk=activite_id)


@transaction.atomic
def inscription_creer(
    *,
    enfant: Enfant,
    activite: Activite,
    date_debut: datetime.date,
    date_fin: datetime.date,
    jours_reguliers: str = "",
    auteur=None,
    motif: str = "",
    places_retenues: int = 0,
) -> Inscription:
    """Inscrit l'enfant à l'activité pour la période, sous verrou de l'activité.

    Jamais plus de `places_inscription` inscriptions qui touchent la période, en comptant les
    `places_retenues` (places proposées à d'autres familles, pas encore acceptées) : sinon
    `InscriptionComplete`. Jamais deux inscriptions de l'enfant à l'activité qui se chevauchent.
    """
    if date_fin < date_debut:
        raise ValidationError(DATES_ORDONNEES)
    activite = activite_verrouiller(activite_id=activite.pk)
    if Inscription.objects.filter(
        enfant=enfant, activite=activite, date_debut__lte=date_fin, date_fin__gte=date_debut
    ).exists():
        raise ValidationError(DEJA_INSCRIT_PERIODE.format(prenom=enfant.prenom, activite=activite.nom))
    if activite.places_inscription is not None:
        prises = places_inscription_prises(activite=activite, debut=date_debut, fin=date_fin)
        if prises + places_retenues >= activite.places_inscription:
            raise InscriptionComplete(
                COMPLET_INSCRIPTIONS.format(activite=activite.nom, places=activite.places_inscription)
            )
    if not criteres.jours_reguliers_possibles(activite):
        jours_reguliers = ""
    inscription = Inscription(
        enfant=enfant,
        activite=activite,
        date_debut=date_debut,
        date_fin=date_fin,
        jours_reguliers="".join(sorted(set(jours_reguliers))),
    )
    inscription.full_clean()
    inscription.save()
    audit_enregistrer(
        auteur=auteur,
        famille=enfant.famille,
        objet=f"Inscription de {enfant} à {activite}",
        action=motif or "Inscription créée",
        apres={
            "activité": str(activite),
            "du": date_debut.strftime("%d/%m/%Y"),
            "au": date_fin.strftime("%d/%m/%Y"),
            "jours réguliers": calendrier.jours_semaine_libelle(inscription.jours_reguliers) or "—",
        },
    )
    return inscription


def inscription_demander(
    *,
    enfant: Enfant,
    activite: Activite,
    campagne: Campagne | None,
    date_debut: datetime.date,
    date_fin: datetime.date,
    jours_reguliers: str,
    auteur=None,
):
    """Transmet la demande d'inscription de la famille à la file de modération (`demandes`) et
    renvoie la demande créée ; un refus (demande déjà en attente, limite par heure) lève
    ValidationError avec le message pour la famille."""
    donnees = {
        "activite": activite.pk,
        "campagne": campagne.pk if campagne else None,
        "date_debut": date_debut.isoformat(),
        "date_fin": date_fin.isoformat(),
        "jours_reguliers": jours_reguliers,
    }
    reponses = inscription_demandee.send(sender=Inscription, enfant=enfant, donnees=donnees, auteur=auteur)
    if not reponses:
        raise ImproperlyConfigured("Aucun receveur pour inscription_demandee (application demandes).")
    return reponses[0][1]
