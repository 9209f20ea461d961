"""Le calendrier : jours fériés, vacances scolaires de la zone, jours ouvrés et délais.

Les jours fériés viennent de la bibliothèque `holidays` (France métropolitaine), les vacances
scolaires de `vacances-scolaires-france`, qui embarque ses données (un CSV dans le paquet) :
aucun accès réseau à l'exécution. Les fermetures des structures sont saisies par les agents
(modèle `Fermeture`) et lues par les sélecteurs.
"""

import datetime
import functools
import logging

import holidays
from django.conf import settings
from django.utils import timezone
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

from commun import cache_famille

logger = logging.getLogger(__name__)

PETITES_VACANCES = "P"
GRANDES_VACANCES = "G"
FERIE = "F"
NOM_GRANDES_VACANCES = "Vacances d'été"

JOURS_COURTS = ("Lu", "Ma", "Me", "Je", "Ve", "Sa", "Di")
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
JOURS_ABREGES = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def date_longue(jour: datetime.date) -> str:
    """« mercredi 8 avril 2015 » (sans dépendre de la locale du système)."""
    return f"{JOURS[jour.weekday()]} {jour.day} {MOIS[jour.month - 1]} {jour.year}"


def jours_semaine_libelle(codes: str) -> str:
    """« 0134 » → « lun., mar., jeu., ven. » (les chiffres des jours d'ouverture ou réguliers)."""
    return ", ".join(JOURS_ABREGES[int(c)] for c in sorted(set(codes)) if c in "0123456")


def mois_libelle(annee: int, mois: int) -> str:
    """« Avril 2015 »."""
    return f"{MOIS[mois - 1].capitalize()} {annee}"


@functools.cache
def _feries_annee(annee: int) -> dict[datetime.date, str]:
    return dict(holidays.country_holidays("FR", years=annee, language="fr"))


def feries(debut: datetime.date, fin: datetime.date) -> dict[datetime.date, str]:
    """Les jours fériés (France métropolitaine) entre deux dates incluses, avec leur nom."""
    resultat = {}
    for annee in range(debut.year, fin.year + 1):
        resultat.update({jour: nom for jour, nom in _feries_annee(annee).items() if debut <= jour <= fin})
    return resultat


def est_ferie(jour: datetime.date) -> bool:
    return jour in _feries_annee(jour.year)


@functools.cache
def _vacances_donnees() -> SchoolHolidayDates:
    # Lit le CSV embarqué dans le paquet, une seule fois par processus.
    return SchoolHolidayDates()


def zone() -> str:
    return settings.ZONE_VACANCES_SCOLAIRES


@functools.cache
def _vacances_annee(annee: int, zone_scolaire: str) -> dict[datetime.date, tuple[str, str]]:
    """Les jours de vacances d'une année civile et d'une zone, calculés une fois par processus
    (les données viennent du paquet : elles ne changent qu'avec sa version)."""
    try:
        jours = _vacances_donnees().holidays_for_year_and_zone(annee, zone_scolaire)
    except UnsupportedYearException:
        logger.warning("Pas de données de vacances scolaires pour %s", annee)
        return {}
    resultat = {}
    for jour, ligne in jours.items():
        nom = ligne["nom_vacances"]
        code = GRANDES_VACANCES if nom == NOM_GRANDES_VACANCES else PETITES_VACANCES
        resultat[jour] = (code, nom)
    return resultat


def vacances(
    debut: datetime.date, fin: datetime.date, *, zone_scolaire: str | None = None
) -> dict[datetime.date, tuple[str, str]]:
    """Les jours de vacances scolaires de la zone entre deux dates incluses.

    Renvoie {date: (« P » ou « G », nom des vacances)} ; une année hors des données de la
    bibliothèque ne compte aucune vacance (c'est journalisé).
    """
    zone_scolaire = zone_scolaire or zone()
    resultat = {}
    for annee in range(debut.year, fin.year + 1):
        resultat.update(
            {
                jour: valeur
                for jour, valeur in _vacances_annee(annee, zone_scolaire).items()
                if debut <= jour <= fin
            }
        )
    return resultat


def prochaines_vacances(apres: datetime.date) -> datetime.date | None:
    """Le premier jour de vacances scolaires de la zone après une date (dans l'année qui suit)."""
    jours = vacances(apres + datetime.timedelta(days=1), apres + datetime.timedelta(days=366))
    return min(jours) if jours else None


def est_jour_ouvre(jour: datetime.date) -> bool:
    """Du lundi au vendredi, hors jours fériés."""
    return jour.weekday() < 5 and not est_ferie(jour)


@functools.lru_cache(maxsize=4096)
def date_limite(jour: datetime.date, *, jours_ouvres: int, heure: datetime.time) -> datetime.datetime:
    """Le moment limite pour agir sur `jour` : J-n jours ouvrés à l'heure dite (Europe/Paris).

    J-2 à 12 h pour un mardi 7 avril 2015 (lundi de Pâques férié) : jeudi 2 avril à 12 h.
    Mémorisée : elle ne dépend que de ses arguments (et des jours fériés, fixes) ; le planning
    la demande pour chaque activité à chaque page.
    """
    limite = jour
    restants = jours_ouvres
    while restants > 0:
        limite -= datetime.timedelta(days=1)
        if est_jour_ouvre(limite):
            restants -= 1
    return timezone.make_aware(datetime.datetime.combine(limite, heure))


def premier_jour_dans_le_delai(
    maintenant: datetime.datetime, *, jours_ouvres: int, heure: datetime.time
) -> datetime.date:
    """Le premier jour pour lequel il est encore temps d'agir à `maintenant` (délai J-n jours
    ouvrés à l'heure dite) : `date_limite` croît avec le jour, il suffit d'avancer depuis
    aujourd'hui."""
    jour = timezone.localdate(maintenant)
    while (limite := date_limite(jour, jours_ouvres=jours_ouvres, heure=heure)) < maintenant:
        jour += datetime.timedelta(days=1)
    # La réponse change quand cette limite passe : ce qui est gardé d'après elle ne vaut pas au-delà.
    cache_famille.echeance(limite)
    return jour


def jours_du_mois(annee: int, mois: int) -> list[datetime.date]:
    premier = datetime.date(annee, mois, 1)
    jours = []
    jour = premier
    while jour.month == mois:
        jours.append(jour)
        jour += datetime.timedelta(days=1)
    return jours


def mois_voisins(annee: int, mois: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """((année, mois) précédent, (année, mois) suivant)."""
    precedent = (annee - 1, 12) if mois == 1 else (annee, mois - 1)
    suivant = (annee + 1, 1) if mois == 12 else (annee, mois + 1)
    return precedent, suivant


def date_heure_longue(moment: datetime.datetime) -> str:
    """« lundi 3 mai 2027 à 8 h 00 », à l'heure de Paris (sans dépendre de la locale du système)."""
    local = timezone.localtime(moment)
    return f"{date_longue(local.date())} à {local.hour} h {local.minute:02d}"
