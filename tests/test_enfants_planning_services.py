"""Services du planning : règles de réservation et d'absence, capacité, décisions, période."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enfants import services
from enfants.models import Absence, Presence, Reservation
from tests.factories import ActiviteFactory, FermetureFactory, InscriptionFactory, ReservationFactory

pytestmark = pytest.mark.django_db

MERCREDI = datetime.date(2015, 4, 15)


def paris(annee, mois, jour, heure=10, minute=0):
    return timezone.make_aware(datetime.datetime(annee, mois, jour, heure, minute))


AVANT = paris(2015, 4, 1)  # largement dans les délais pour le 15 avril


@pytest.fixture
def inscription():
    activite = ActiviteFactory(jours_ouverture="2", periode="scolaire", capacite=2)
    return InscriptionFactory(
        activite=activite, date_debut=datetime.date(2014, 9, 1), date_fin=datetime.date(2015, 7, 3)
    )


def test_reservation_en_cours_de_traitement(inscription):
    reservation = services.reservation_demander(inscription=inscription, date=MERCREDI, maintenant=AVANT)
    assert reservation.etat == Reservation.Etat.EN_COURS
    assert reservation.decidee_le is None


def test_reservation_acceptee_automatiquement(inscription):
    inscription.activite.acceptation_automatique = True
    inscription.activite.save()
    reservation = services.reservation_demander(inscription=inscription, date=MERCREDI, maintenant=AVANT)
    assert reservation.etat == Reservation.Etat.ACCEPTEE


def _refus(inscription, jour, maintenant=AVANT, **kwargs):
    avant = Reservation.objects.count()
    with pytest.raises(ValidationError) as erreur:
        services.reservation_demander(inscription=inscription, date=jour, maintenant=maintenant, **kwargs)
    assert Reservation.objects.count() == avant, "un refus n'écrit rien"
    return erreur.value


def test_refus_hors_inscription(inscription):
    erreur = _refus(inscription, datetime.date(2015, 7, 8))
    assert erreur.code == "non_inscrit"
    assert erreur.messages == [services.NON_INSCRIT.format(jour="mercredi 8 juillet 2015")]


def test_refus_jour_ferie(inscription):
    inscription.activite.jours_ouverture = "0"
    inscription.activite.save()
    erreur = _refus(inscription, datetime.date(2015, 4, 6))
    assert erreur.code == "ferme"
    assert erreur.messages == [services.FERIE.format(jour="lundi 6 avril 2015", nom="Lundi de Pâques")]


def test_refus_fermeture_de_la_structure(inscription):
    FermetureFactory(structure=inscription.activite.structure, date_debut=MERCREDI, date_fin=MERCREDI)
    erreur = _refus(inscription, MERCREDI)
    assert erreur.messages == [services.FERME.format(jour="mercredi 15 avril 2015")]


def test_refus_jour_sans_activite(inscription, settings):
    settings.ZONE_VACANCES_SCOLAIRES = "B"
    assert _refus(inscription, datetime.date(2015, 4, 16)).messages == [
        services.PAS_OUVERT.format(jour="jeudi 16 avril 2015")
    ]
    # Pendant les vacances scolaires (zone B : à partir du 25 avril 2015), pas de mercredi scolaire.
    assert _refus(inscription, datetime.date(2015, 4, 29)).code == "ferme"


def test_refus_delai_depasse_en_jours_ouvres(inscription):
    # Mardi 7 avril 2015, J-2 à 12 h : jeudi 2 avril 12 h (lundi de Pâques et week-end passés).
    inscription.activite.jours_ouverture = "1"
    inscription.activite.save()
    jour = datetime.date(2015, 4, 7)
    erreur = _refus(inscription, jour, maintenant=paris(2015, 4, 2, 12, 1))
    assert erreur.code == "delai"
    assert erreur.messages == [
        services.DELAI_RESERVATION.format(jour="mardi 7 avril 2015", limite="jeudi 2 avril 2015 à 12 h 00")
    ]
    reservation = services.reservation_demander(
        inscription=inscription, date=jour, maintenant=paris(2015, 4, 2, 11, 59)
    )
    assert reservation.pk


def test_refus_trop_loin(inscription):
    inscription.activite.horizon_reservation = 10
    inscription.activite.save()
    erreur = _refus(inscription, MERCREDI, maintenant=paris(2015, 4, 1))
    assert erreur.code == "horizon"


def test_refus_deja_reserve_ou_regulier(inscription):
    ReservationFactory(inscription=inscription, date=MERCREDI, etat="en_cours")
    assert _refus(inscription, MERCREDI).code == "deja_reserve"
    inscription.jours_reguliers = "2"
    inscription.save()
    assert _refus(inscription, datetime.date(2015, 4, 22)).messages == [
        services.DEJA_REGULIER.format(jour="mercredi 22 avril 2015")
    ]


def test_une_reservation_refusee_peut_etre_redemandee(inscription):
    ReservationFactory(inscription=inscription, date=MERCREDI, etat="refusee")
    assert (
        services.reservation_demander(inscription=inscription, date=MERCREDI, maintenant=AVANT).etat
        == Reservation.Etat.EN_COURS
    )


def test_capacite_compte_reguliers_reservations_et_demandes(inscription):
    activite = inscription.activite
    InscriptionFactory(activite=activite, jours_reguliers="2")
    ReservationFactory(inscription=InscriptionFactory(activite=activite), date=MERCREDI, etat="en_cours")
    erreur = _refus(inscription, MERCREDI)
    assert erreur.code == "complet"
    assert erreur.messages == [services.COMPLET.format(jour="mercredi 15 avril 2015", capacite=2)]
    # Liste d'attente sur demande.
    reservation = services.reservation_demander(
        inscription=inscription, date=MERCREDI, maintenant=AVANT, liste_attente=True
    )
    assert reservation.etat == Reservation.Etat.EN_ATTENTE


def test_accepter_et_refuser(inscription, agent):
    reservation = services.reservation_demander(inscription=inscription, date=MERCREDI, maintenant=AVANT)
    services.reservation_accepter(reservation=reservation, agent=agent)
    reservation.refresh_from_db()
    assert reservation.etat == Reservation.Etat.ACCEPTEE
    assert reservation.decidee_par == agent
    with pytest.raises(ValidationError) as erreur:
        services.reservation_refuser(reservation=reservation, agent=agent, motif="Non")
    assert erreur.value.messages == [services.DEJA_DECIDEE]
    autre = ReservationFactory(inscription=inscription, date=datetime.date(2015, 4, 22), etat="en_cours")
    services.reservation_refuser(reservation=autre, agent=agent, motif="Groupe complet")
    autre.refresh_from_db()
    assert (autre.etat, autre.motif_refus) == (Reservation.Etat.REFUSEE, "Groupe complet")


def test_accepter_ne_depasse_pas_la_capacite(inscription, agent):
    activite = inscription.activite
    ReservationFactory(inscription=InscriptionFactory(activite=activite), date=MERCREDI)
    ReservationFactory(inscription=InscriptionFactory(activite=activite), date=MERCREDI)
    attente = ReservationFactory(inscription=inscription, date=MERCREDI, etat="en_attente")
    with pytest.raises(ValidationError) as erreur:
        services.reservation_accepter(reservation=attente, agent=agent)
    assert erreur.value.code == "complet"
    attente.refresh_from_db()
    assert attente.etat == Reservation.Etat.EN_ATTENTE


# --- Absences ---


@pytest.fixture
def reservee(inscription):
    ReservationFactory(inscription=inscription, date=MERCREDI)
    return inscription


def test_absence_dans_le_delai_en_cours_puis_excusee(reservee, agent):
    absence = services.absence_declarer(inscription=reservee, date=MERCREDI, motif="Malade", maintenant=AVANT)
    assert (absence.etat, absence.hors_delai) == (Absence.Etat.EN_COURS, False)
    services.absence_accepter(absence=absence, agent=agent)
    absence.refresh_from_db()
    assert absence.etat == Absence.Etat.EXCUSEE


def test_absence_dans_le_delai_excusee_d_office(reservee):
    reservee.activite.acceptation_automatique = True
    reservee.activite.save()
    absence = services.absence_declarer(inscription=reservee, date=MERCREDI, motif="Malade", maintenant=AVANT)
    assert absence.etat == Absence.Etat.EXCUSEE


def test_absence_hors_delai_sans_certificat_facturee(reservee):
    absence = services.absence_declarer(
        inscription=reservee, date=MERCREDI, motif="Malade", maintenant=paris(2015, 4, 14, 9)
    )
    assert (absence.etat, absence.hors_delai) == (Absence.Etat.FACTUREE, True)


def test_absence_hors_delai_avec_certificat(reservee, agent, settings):
    certificat = SimpleUploadedFile("certificat.pdf", b"%PDF-1.4\n%fin\n")
    absence = services.absence_declarer(
        inscription=reservee,
        date=MERCREDI,
        motif="Malade",
        certificat=certificat,
        maintenant=paris(2015, 4, 14, 9),
    )
    assert absence.etat == Absence.Etat.EN_COURS
    chemin = settings.FICHIERS_PRIVES_ROOT / absence.certificat.name
    assert chemin.read_bytes() == b"%PDF-1.4\n%fin\n"
    # Refusée : elle reste facturée.
    services.absence_refuser(absence=absence, agent=agent, motif="Certificat illisible")
    absence.refresh_from_db()
    assert absence.etat == Absence.Etat.FACTUREE
    assert absence.motif_refus == "Certificat illisible"


def test_absence_dans_le_delai_refusee_le_jour_reste_reserve(reservee, agent):
    absence = services.absence_declarer(
        inscription=reservee, date=MERCREDI, motif="Convenance", maintenant=AVANT
    )
    services.absence_refuser(absence=absence, agent=agent)
    absence.refresh_from_db()
    assert absence.etat == Absence.Etat.REFUSEE


def test_absence_refusee_sans_reservation(inscription):
    with pytest.raises(ValidationError) as erreur:
        services.absence_declarer(inscription=inscription, date=MERCREDI, motif="x", maintenant=AVANT)
    assert erreur.value.messages == [services.PAS_RESERVE.format(jour="mercredi 15 avril 2015")]
    assert not Absence.objects.exists()


def test_absence_sur_jour_regulier_et_pas_deux_fois(inscription):
    inscription.jours_reguliers = "2"
    inscription.save()
    services.absence_declarer(inscription=inscription, date=MERCREDI, motif="x", maintenant=AVANT)
    with pytest.raises(ValidationError) as erreur:
        services.absence_declarer(inscription=inscription, date=MERCREDI, motif="x", maintenant=AVANT)
    assert erreur.value.code == "deja_absent"
    assert Absence.objects.count() == 1


# --- Période ---


def test_reserver_tous_les_mercredis_jusqu_aux_vacances(inscription, settings):
    settings.ZONE_VACANCES_SCOLAIRES = "B"
    inscription.activite.capacite = 10
    inscription.activite.save()
    FermetureFactory(
        structure=inscription.activite.structure,
        date_debut=datetime.date(2015, 4, 22),
        date_fin=datetime.date(2015, 4, 22),
    )
    resultat = services.reservations_periode_demander(
        inscription=inscription,
        date_debut=datetime.date(2015, 4, 1),
        date_fin=datetime.date(2015, 4, 24),
        jours_semaine={2},
        maintenant=paris(2015, 4, 1, 13),
    )
    # 1er avril : délai dépassé ; 8 et 15 : demandés ; 22 : fermeture, passé sans refus.
    assert [r.date.day for r in resultat.reservations] == [8, 15]
    assert [(j.day, raison.split(" ")[1]) for j, raison in resultat.refus] == [(1, "délai")]
    assert Reservation.objects.filter(inscription=inscription).count() == 2


def test_periode_sans_jour_choisi(inscription):
    with pytest.raises(ValidationError) as erreur:
        services.reservations_periode_demander(
            inscription=inscription,
            date_debut=MERCREDI,
            date_fin=MERCREDI,
            jours_semaine={0},
            maintenant=AVANT,
        )
    assert erreur.value.messages == [services.PERIODE_VIDE]


# --- Pointage ---


def test_pointage_des_enfants_attendus(agent):
    activite = ActiviteFactory(jours_ouverture="2")
    reguliere = InscriptionFactory(activite=activite, jours_reguliers="2")
    reservee = InscriptionFactory(activite=activite)
    ReservationFactory(inscription=reservee, date=MERCREDI)
    excusee = InscriptionFactory(activite=activite, jours_reguliers="2")
    Absence.objects.create(inscription=excusee, date=MERCREDI, motif="x", etat="excusee")
    InscriptionFactory(activite=activite)  # ni réservée ni régulière
    attendues = services.inscriptions_attendues(activite=activite, jour=MERCREDI)
    assert {i.pk for i in attendues} == {reguliere.pk, reservee.pk}
    services.presences_pointer(
        activite=activite, jour=MERCREDI, inscriptions=attendues, presents={reservee.pk}, agent=agent
    )
    assert dict(Presence.objects.values_list("inscription_id", "present")) == {
        reguliere.pk: False,
        reservee.pk: True,
    }
    # Pointer à nouveau corrige sans doublon.
    services.presences_pointer(
        activite=activite,
        jour=MERCREDI,
        inscriptions=attendues,
        presents={reguliere.pk, reservee.pk},
        agent=agent,
    )
    assert Presence.objects.filter(present=True).count() == 2


def test_flux_calendrier_jeton_renouvele(inscription):
    flux = services.flux_calendrier_obtenir(enfant=inscription.enfant)
    assert len(flux.jeton) >= 40
    ancien = flux.jeton
    assert services.flux_calendrier_obtenir(enfant=inscription.enfant).jeton == ancien
    assert services.flux_calendrier_renouveler(enfant=inscription.enfant).jeton != ancien
