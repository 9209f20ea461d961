"""Anonymisation RGPD des enfants d'une famille (orchestrée par `portail.purge`).

Identité, santé, autorisations et personnes autorisées effacées ; les inscriptions, les
réservations et les présences restent (elles fondent les factures conservées), sans motifs.
"""

import datetime

from django.db import transaction

from commun.anonymisation import NOM_ANONYME, TEXTE_EFFACE, fichiers_supprimer_apres_validation
from enfants.models import (
    Absence,
    Autorisations,
    DonneesSanitaires,
    DossierCampagne,
    Enfant,
    FluxCalendrier,
    Inscription,
    PersonneAutorisee,
    Presence,
    Reservation,
    Vaccination,
)

# Ce que l'anonymisation fait de chaque modèle de l'application relié à une famille (un test
# vérifie qu'aucun modèle relié n'est oublié).
ENFANTS_ANONYMISATION = {
    Enfant: "anonymisé : nom, prénom, date de naissance, scolarité, lunettes, souhaits",
    PersonneAutorisee: "effacé",
    Vaccination: "effacé",
    DonneesSanitaires: "effacé",
    Autorisations: "effacé",
    FluxCalendrier: "effacé : le lien d'abonnement au calendrier cesse de fonctionner",
    Absence: "motifs effacés ; certificat supprimé après validation",
    Reservation: "motif de refus effacé",
    Inscription: "conservé : dates et jours réguliers (base des factures)",
    Presence: "conservé : jours de présence (base des factures)",
    DossierCampagne: "conservé (dates de certification et d'envoi) sans le nom du signataire",
}


@transaction.atomic
def enfants_famille_anonymiser(*, famille) -> dict:
    enfants = Enfant.objects.filter(famille=famille)
    PersonneAutorisee.objects.filter(enfant__in=enfants).delete()
    Vaccination.objects.filter(enfant__in=enfants).delete()
    DonneesSanitaires.objects.filter(enfant__in=enfants).delete()
    Autorisations.objects.filter(enfant__in=enfants).delete()
    FluxCalendrier.objects.filter(enfant__in=enfants).delete()
    absences = Absence.objects.filter(inscription__enfant__in=enfants)
    fichiers_supprimer_apres_validation(a.certificat for a in absences.exclude(certificat=""))
    absences.update(certificat="", motif=TEXTE_EFFACE, motif_refus="")
    Reservation.objects.filter(inscription__enfant__in=enfants).update(motif_refus="")
    DossierCampagne.objects.filter(famille=famille).update(signataire=NOM_ANONYME)
    nombre = enfants.update(
        nom=NOM_ANONYME,
        prenom="ENFANT",
        date_naissance=datetime.date(2000, 1, 1),
        **dict.fromkeys(("ecole", "classe", "lunettes_precisions", "souhaits_inscription"), ""),
    )
    return {"enfants": nombre}
