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
    liste_attente_creer(dupont)
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


# --- Listes d'attente : un jour complet, deux enfants en liste, une place proposée aux DUPONT ---

NUMERO_BERNARD = "1001001818340"
SORTIE_NATURE = "Sortie nature du mercredi"


def liste_attente_creer(dupont) -> None:
    """« Sortie nature du mercredi » (deux places) le premier mercredi ouvert dans une semaine au
    moins : JULES BERNARD y est réservé ; la réservation d'INÈS BERNARD a été annulée par un agent,
    et la place libérée est proposée à LÉA DUPONT (première de la liste d'attente, réponse dans
    les 24 heures) ; PAUL BERNARD attend derrière elle (1re position de la liste)."""
    from django.utils import timezone

    from enfants import services
    from enfants.models import Inscription, Reservation

    structure = Structure.objects.get(nom="Accueil de Loisirs")
    activite, _ = Activite.objects.update_or_create(
        structure=structure,
        nom=SORTIE_NATURE,
        defaults={
            "jours_ouverture": "2",
            "periode": Activite.Periode.TOUTES,
            "capacite": 2,
            "acceptation_automatique": True,
        },
    )
    jour = timezone.localdate() + datetime.timedelta(days=7)
    jour += datetime.timedelta(days=(2 - jour.weekday()) % 7)
    while services.jour_ferme_raison(activite=activite, jour=jour):
        jour += datetime.timedelta(days=7)
    # Démonstration rechargée un autre jour : la journée se refait à partir d'aujourd'hui.
    Reservation.objects.filter(inscription__activite=activite).exclude(date=jour).delete()
    bernard, _ = Famille.objects.get_or_create(numero=NUMERO_BERNARD)
    debut, fin = datetime.date(2014, 9, 1), datetime.date(2027, 8, 31)

    def inscrire(famille, prenom, nom):
        enfant, _ = Enfant.objects.get_or_create(
            famille=famille, prenom=prenom, defaults={"nom": nom, "date_naissance": datetime.date(2017, 6, 1)}
        )
        inscription, _ = Inscription.objects.get_or_create(
            enfant=enfant, activite=activite, defaults={"date_debut": debut, "date_fin": fin}
        )
        return inscription

    def demander(inscription):
        existante = Reservation.objects.filter(inscription=inscription, date=jour).order_by("-pk").first()
        if existante:
            return existante
        return services.reservation_demander(inscription=inscription, date=jour, liste_attente=True)

    jules = demander(inscrire(bernard, "JULES", "BERNARD"))
    ines = demander(inscrire(bernard, "INÈS", "BERNARD"))
    demander(inscrire(dupont, "LÉA", "DUPONT"))
    demander(inscrire(bernard, "PAUL", "BERNARD"))
    if jules.etat == ines.etat == Reservation.Etat.ACCEPTEE:
        services.reservation_acceptee_annuler(reservation=ines, agent=None)
