"""Données de démonstration : les structures du guide et les enfants DUPONT."""

import datetime

from django.db import transaction

from enfants.models import Activite, Enfant, Structure
from familles.demo import NUMERO_DUPONT
from familles.models import Famille

STRUCTURES = {
    ("Crèche", Structure.Type.CRECHE): ["Crèche journée"],
    ("Accueil de Loisirs", Structure.Type.ALSH): [
        "ALSH Mercredi après-midi",
        "ALSH Vacances après-midi",
        "ALSH Vacances journée",
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
    lea, _ = Enfant.objects.update_or_create(
        famille=dupont, prenom="LÉA", defaults={"nom": "DUPONT", "date_naissance": datetime.date(2016, 3, 12)}
    )
    Enfant.objects.update_or_create(
        famille=dupont, prenom="TOM", defaults={"nom": "DUPONT", "date_naissance": datetime.date(2019, 9, 30)}
    )
    _fiche_lea(lea)
    planning_creer(dupont)
    return []


def _fiche_lea(lea) -> None:
    """La fiche de LÉA : école, personnes autorisées, autorisations, santé (fictives)."""
    from enfants.models import Autorisations, DonneesSanitaires, PersonneAutorisee, Vaccination

    Enfant.objects.filter(pk=lea.pk).update(
        ecole="École élémentaire du Bourg", classe="CM1", port_lunettes=True, lunettes_precisions="Pour lire"
    )
    PersonneAutorisee.objects.update_or_create(
        enfant=lea,
        nom="DUPONT",
        prenom="MARIE",
        defaults={"lien": "Grand-mère", "telephone": "02 37 18 01 80"},
    )
    Autorisations.objects.update_or_create(
        enfant=lea, defaults={"photo": True, "sorties": True, "soins_urgence": True}
    )
    DonneesSanitaires.objects.update_or_create(
        enfant=lea,
        defaults={
            "medecin_traitant": "Dr ROBERT (Lèves)",
            "allergies": "Pollen",
            "regime_alimentaire": DonneesSanitaires.Regime.STANDARD,
        },
    )
    Vaccination.objects.get_or_create(enfant=lea, vaccin="DTP", date=datetime.date(2016, 5, 12))


# --- Planning : règles des activités, inscriptions et agenda de LÉA et TOM ---

# nom de l'activité : (jours d'ouverture, période, capacité, acceptation automatique)
REGLES_ACTIVITES = {
    "Crèche journée": ("01234", Activite.Periode.TOUTES, 12, False),
    "ALSH Mercredi après-midi": ("2", Activite.Periode.SCOLAIRE, 24, False),
    "ALSH Vacances après-midi": ("01234", Activite.Periode.VACANCES, 24, False),
    "ALSH Vacances journée": ("01234", Activite.Periode.VACANCES, 24, False),
    "ALSH Vacances matin": ("01234", Activite.Periode.VACANCES, 24, False),
    "Garderie matin": ("0134", Activite.Periode.SCOLAIRE, 30, True),
    "Garderie soir": ("0134", Activite.Periode.SCOLAIRE, 30, True),
    "Restauration midi": ("0134", Activite.Periode.SCOLAIRE, 80, True),
}


def _jours(annee, mois, jours_semaine):
    from enfants.calendrier import jours_du_mois

    return [j for j in jours_du_mois(annee, mois) if j.weekday() in jours_semaine]


def planning_creer(famille) -> None:
    """L'agenda d'avril 2015 du guide (à peu près) et celui du mois courant."""
    from django.utils import timezone

    from enfants.models import Absence, Inscription, Presence, Reservation

    for nom, (jours, periode, capacite, auto) in REGLES_ACTIVITES.items():
        Activite.objects.filter(nom=nom).update(
            jours_ouverture=jours, periode=periode, capacite=capacite, acceptation_automatique=auto
        )
    activites = {a.nom: a for a in Activite.objects.filter(nom__in=REGLES_ACTIVITES)}
    lea = Enfant.objects.get(famille=famille, prenom="LÉA")
    tom = Enfant.objects.get(famille=famille, prenom="TOM")
    debut, fin = datetime.date(2014, 9, 1), datetime.date(2027, 8, 31)

    def inscrire(enfant, activite, reguliers=""):
        inscription, _ = Inscription.objects.update_or_create(
            enfant=enfant,
            activite=activites[activite],
            defaults={"date_debut": debut, "date_fin": fin, "jours_reguliers": reguliers},
        )
        return inscription

    mercredi = inscrire(lea, "ALSH Mercredi après-midi")
    vacances_am = inscrire(lea, "ALSH Vacances après-midi")
    inscrire(lea, "ALSH Vacances journée")
    inscrire(lea, "ALSH Vacances matin")
    inscrire(lea, "Garderie matin", reguliers="0134")
    inscrire(lea, "Restauration midi", reguliers="0134")
    garderie_tom = inscrire(tom, "Garderie soir", reguliers="03")

    from enfants.services import demande_planning_soumise

    def reserver(inscription, jour, etat=Reservation.Etat.ACCEPTEE):
        reservation, cree = Reservation.objects.get_or_create(
            inscription=inscription, date=jour, defaults={"etat": etat}
        )
        if cree and etat == Reservation.Etat.EN_COURS:
            # Comme une vraie demande : elle entre dans la file de modération.
            demande_planning_soumise.send(sender=Reservation, objet=reservation)

    # Avril 2015 : le mercredi 8 réservé et pointé présent, le 29 réservé ; les vacances de
    # printemps (zone B selon la bibliothèque : à partir du 25 avril) réservées l'après-midi.
    reserver(mercredi, datetime.date(2015, 4, 8))
    Presence.objects.get_or_create(inscription=mercredi, date=datetime.date(2015, 4, 8))
    reserver(mercredi, datetime.date(2015, 4, 1))
    for jour in (27, 28, 29, 30):
        reserver(vacances_am, datetime.date(2015, 4, jour))

    # Le mois courant : des mercredis réservés, une demande en cours, une absence à traiter.
    aujourdhui = timezone.localdate()
    from enfants.services import jour_ferme_raison

    mercredis = [
        j
        for j in _jours(aujourdhui.year, aujourdhui.month, {2})
        if jour_ferme_raison(activite=mercredi.activite, jour=j) is None
    ]
    for jour in mercredis[:2]:
        reserver(mercredi, jour)
        if jour < aujourdhui:
            Presence.objects.get_or_create(inscription=mercredi, date=jour)
    if len(mercredis) > 2:
        reserver(mercredi, mercredis[2], Reservation.Etat.EN_COURS)
    if len(mercredis) > 3:
        reserver(mercredi, mercredis[3], Reservation.Etat.REFUSEE)
    jours_tom = [
        j
        for j in _jours(aujourdhui.year, aujourdhui.month, {0, 3})
        if jour_ferme_raison(activite=garderie_tom.activite, jour=j) is None
    ]
    if jours_tom:
        absence, cree = Absence.objects.get_or_create(
            inscription=garderie_tom,
            date=jours_tom[-1],
            defaults={"motif": "Rendez-vous médical", "etat": Absence.Etat.EN_COURS},
        )
        if cree:
            demande_planning_soumise.send(sender=Absence, objet=absence)
