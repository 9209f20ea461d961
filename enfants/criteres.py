"""Les critères d'accès d'une activité (âge, niveau scolaire, commune) : à qui elle est ouverte.

Une seule règle, lue par la page « Inscrire à une activité » (selector `activites_proposees`),
par son formulaire et par le service qui crée l'inscription.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings

from enfants import niveaux
from enfants.models import Activite, Enfant, Structure

TROP_JEUNE = "Réservée aux enfants d'au moins {age} au {date}."
TROP_AGE = "Réservée aux enfants de {age} au plus au {date}."
NIVEAU_NON_ADMIS = "Réservée aux classes {niveaux} (classe de l'enfant : {classe})."
CLASSE_A_PRECISER = "Précisez la classe de l'enfant dans sa fiche (classes admises : {niveaux})."
HABITANTS_SEULEMENT = "Réservée aux habitants de {ville}."
DEJA_INSCRIT = "{prenom} est déjà inscrit(e) à cette activité du {debut} au {fin}."

# Les structures où l'inscription porte des jours réguliers (contrat de la semaine) ; pas
# l'accueil de loisirs, réservé jour par jour.
TYPES_A_JOURS_REGULIERS = (Structure.Type.GARDERIE, Structure.Type.RESTAURATION, Structure.Type.CRECHE)


def age_en_mois(naissance: datetime.date, jour: datetime.date) -> int:
    """L'âge en mois révolus à `jour` (négatif avant la naissance)."""
    mois = (jour.year - naissance.year) * 12 + jour.month - naissance.month
    if jour.day < naissance.day:
        mois -= 1
    return mois


def age_mois_texte(mois: int) -> str:
    """36 → « 3 ans », 18 → « 18 mois », 12 → « 1 an »."""
    if mois >= 12 and mois % 12 == 0:
        ans = mois // 12
        return f"{ans} an" if ans == 1 else f"{ans} ans"
    return f"{mois} mois"


def jours_reguliers_possibles(activite: Activite) -> bool:
    """L'inscription à cette activité porte-t-elle des jours réguliers ? (structure jointe)"""
    return activite.structure.type in TYPES_A_JOURS_REGULIERS


@dataclass(frozen=True)
class Refus:
    """Pourquoi l'activité n'est pas ouverte à l'enfant ; `classe_a_preciser` : la famille peut y
    remédier en précisant la classe dans la fiche de l'enfant."""

    raison: str
    classe_a_preciser: bool = False


def refus(
    *, activite: Activite, enfant: Enfant, habite_la_commune: bool, debut: datetime.date
) -> Refus | None:
    """Le premier critère d'accès que l'enfant ne remplit pas au `debut` de l'inscription, ou None."""
    date = debut.strftime("%d/%m/%Y")
    age = age_en_mois(enfant.date_naissance, debut)
    if activite.age_minimum_mois is not None and age < activite.age_minimum_mois:
        return Refus(TROP_JEUNE.format(age=age_mois_texte(activite.age_minimum_mois), date=date))
    if activite.age_maximum_mois is not None and age > activite.age_maximum_mois:
        return Refus(TROP_AGE.format(age=age_mois_texte(activite.age_maximum_mois), date=date))
    admis = activite.niveaux_admis
    if admis:
        libelle = ", ".join(admis)
        niveau = niveaux.niveau_lire(enfant.classe)
        if niveau is None:
            return Refus(CLASSE_A_PRECISER.format(niveaux=libelle), classe_a_preciser=True)
        if niveau not in admis:
            return Refus(NIVEAU_NON_ADMIS.format(niveaux=libelle, classe=enfant.classe))
    if activite.reservee_habitants and not habite_la_commune:
        return Refus(HABITANTS_SEULEMENT.format(ville=settings.NOM_VILLE))
    return None


def fin_annee_scolaire(jour: datetime.date) -> datetime.date:
    """Le 31 août qui termine l'année scolaire de `jour`."""
    return datetime.date(jour.year + 1 if jour.month >= 9 else jour.year, 8, 31)
