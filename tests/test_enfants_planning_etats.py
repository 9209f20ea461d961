"""L'état de chaque case de l'agenda : une table couvre chaque entrée de la légende et chaque
marque ; puis l'agenda d'avril 2015 construit depuis la base."""

import datetime

import pytest
from django.utils import timezone

from enfants.models import Absence, Reservation
from enfants.planning import LEGENDE, MARQUES, ContexteJour, EtatCase, etat_case

A = Absence.Etat
R = Reservation.Etat

CAS = [
    # (contexte, état attendu)
    (ContexteJour(reservation=R.ACCEPTEE), EtatCase.RESERVE),
    (ContexteJour(fermeture=True, presence=True), EtatCase.ERREUR),
    (ContexteJour(ouverte=False, presence=True), EtatCase.ERREUR),
    (ContexteJour(ouverte=False), EtatCase.NON_OUVERT),
    (ContexteJour(presence=True), EtatCase.HORS_CONTRAT),
    (ContexteJour(regulier=True), EtatCase.REGULIER),
    (ContexteJour(fermeture=True, regulier=True), EtatCase.FERMETURE),
    # Un jour férié se lit « Jour férié », pas « Fermeture » (une fermeture décidée par la structure).
    (ContexteJour(ferie=True, reservation=R.ACCEPTEE), EtatCase.FERIE),
    (ContexteJour(ferie=True, fermeture=True, ouverte=False), EtatCase.FERIE),
    (ContexteJour(regulier=True, absence=A.FACTUREE), EtatCase.ABSENT_FACTURE),
    (ContexteJour(reservation=R.ACCEPTEE, presence=False), EtatCase.ABSENT_FACTURE),
    (ContexteJour(reservation=R.EN_ATTENTE), EtatCase.DEMANDE_EN_ATTENTE),
    # Liste d'attente : une place libérée est proposée (à accepter avant une limite).
    (ContexteJour(reservation=R.PROPOSEE), EtatCase.PLACE_PROPOSEE),
    (ContexteJour(reservation=R.ACCEPTEE, absence=A.EXCUSEE), EtatCase.ABSENT_EXCUSE),
    (ContexteJour(regulier=True, absence=A.EXCUSEE, presence=False), EtatCase.ABSENT_EXCUSE),
    # Pointé absent pendant que l'agent examine l'absence : rien n'est encore facturé.
    (ContexteJour(regulier=True, absence=A.EN_COURS, presence=False), EtatCase.ABSENCE_EN_COURS),
    (ContexteJour(reservation=R.EN_COURS), EtatCase.RESERVATION_EN_COURS),
    (ContexteJour(reservation=R.REFUSEE), EtatCase.RESERVATION_REFUSEE),
    (ContexteJour(reservation=R.ACCEPTEE, absence=A.EN_COURS), EtatCase.ABSENCE_EN_COURS),
    (ContexteJour(regulier=True, presence=True), EtatCase.PRESENT),
    (ContexteJour(reservation=R.ACCEPTEE, presence=True), EtatCase.PRESENT_RESERVE),
    (ContexteJour(), EtatCase.RESERVABLE),
    (ContexteJour(reservation=R.ANNULEE), EtatCase.RESERVABLE),
    (ContexteJour(presence=False), EtatCase.RESERVABLE),
    # Plus (ou pas encore) temps de réserver : un jour libre, sans action.
    (ContexteJour(reservable=False), EtatCase.LIBRE),
    (ContexteJour(inscrit=False, reservation=R.ACCEPTEE), EtatCase.HORS_INSCRIPTION),
    # Un jour régulier dont une ancienne demande a été refusée reste régulier.
    (ContexteJour(regulier=True, reservation=R.REFUSEE), EtatCase.REGULIER),
]


@pytest.mark.parametrize(("contexte", "attendu"), CAS, ids=[a.name + str(i) for i, (_c, a) in enumerate(CAS)])
def test_etat_case(contexte, attendu):
    assert etat_case(contexte) is attendu


def test_la_table_couvre_chaque_entree_de_la_legende_et_chaque_marque():
    couverts = {attendu for _c, attendu in CAS}
    assert set(LEGENDE) <= couverts
    assert {etat for etat, _texte in MARQUES} <= couverts


def test_legende_dans_l_ordre_du_guide_et_jamais_la_couleur_seule():
    # « Congé » du guide se lisait comme les congés de la famille : « Non ouvert ». Le jour
    # qu'on peut réserver a sa propre entrée.
    assert [e.libelle for e in LEGENDE] == [
        "Réservé",
        "Erreur",
        "Non ouvert",
        "Heure hors contrat (présent)",
        "Régulier",
        "Fermeture",
        "Absent facturé",
        "Demande en attente",
        "Absent excusé",
        "Réservation en cours de traitement",
        "Réservation refusée",
        "Absence en cours de traitement",
        "Réservable",
        "Place proposée",
    ]
    etats = set(LEGENDE) | {e for e, _t in MARQUES}
    symboles = [e.symbole for e in etats]
    assert all(symboles), "chaque état a un symbole visible"
    assert len(set(symboles)) == len(symboles), "deux états ne partagent pas un symbole"


@pytest.mark.django_db
def test_agenda_d_avril_2015(settings):
    from enfants import selectors
    from enfants.planning import agenda_construire
    from tests.factories import (
        ActiviteFactory,
        EnfantFactory,
        FermetureFactory,
        InscriptionFactory,
        PresenceFactory,
        ReservationFactory,
    )

    settings.ZONE_VACANCES_SCOLAIRES = "B"
    enfant = EnfantFactory()
    mercredi = ActiviteFactory(nom="ALSH Mercredi après-midi", jours_ouverture="2", periode="scolaire")
    garderie = ActiviteFactory(nom="Garderie matin", jours_ouverture="0134", periode="scolaire")
    i_mercredi = InscriptionFactory(enfant=enfant, activite=mercredi)
    InscriptionFactory(enfant=enfant, activite=garderie, jours_reguliers="0134")
    ReservationFactory(inscription=i_mercredi, date=datetime.date(2015, 4, 8))
    PresenceFactory(inscription=i_mercredi, date=datetime.date(2015, 4, 8))
    ReservationFactory(inscription=i_mercredi, date=datetime.date(2015, 4, 15), etat="en_cours")
    FermetureFactory(
        structure=garderie.structure,
        date_debut=datetime.date(2015, 4, 9),
        date_fin=datetime.date(2015, 4, 10),
    )
    donnees = selectors.planning_page(famille=enfant.famille, enfant_id=enfant.pk, annee=2015, mois=4)
    # Le 1er avril à 10 h : le délai (J-2 ouvrés, 12 h) laisse réserver à partir du vendredi 3.
    agenda = agenda_construire(
        annee=2015, mois=4, donnees=donnees, maintenant=timezone.make_aware(datetime.datetime(2015, 4, 1, 10))
    )

    assert [j.entete for j in agenda.jours[:3]] == ["Me 01", "Je 02", "Ve 03"]
    marques = {j.date.day: j.marque for j in agenda.jours if j.marque}
    assert marques[6] == "F"
    assert {jour for jour, m in marques.items() if m == "P"} == set(range(25, 31))
    lignes = {ligne.inscription.activite.nom: ligne for ligne in agenda.lignes}
    cases = {c.jour.date.day: c for c in lignes["ALSH Mercredi après-midi"].cases}
    assert cases[8].etat is EtatCase.PRESENT_RESERVE
    assert cases[15].etat is EtatCase.RESERVATION_EN_COURS
    assert cases[22].etat is EtatCase.RESERVABLE and cases[22].action == "reserver"
    assert cases[1].etat is EtatCase.LIBRE and not cases[1].actionnable  # délai passé
    assert cases[29].etat is EtatCase.NON_OUVERT and cases[29].symbole == "P"
    assert cases[7].etat is EtatCase.NON_OUVERT  # un mardi : pas de mercredi après-midi
    assert cases[6].etat is EtatCase.FERIE and cases[6].symbole == "F"  # le guide : F partout
    assert cases[6].libelle == "lundi 6 avril 2015 : Jour férié (Lundi de Pâques)"
    cases = {c.jour.date.day: c for c in lignes["Garderie matin"].cases}
    assert cases[6].etat is EtatCase.FERIE and cases[6].symbole == "F"
    assert cases[9].etat is EtatCase.FERMETURE and cases[9].symbole == "✕"
    assert cases[13].etat is EtatCase.REGULIER and cases[13].action == "absence"
    assert cases[8].etat is EtatCase.NON_OUVERT
    assert cases[8].libelle == "mercredi 8 avril 2015 : Non ouvert"
    assert (agenda.precedent, agenda.suivant) == ((2015, 3), (2015, 5))
