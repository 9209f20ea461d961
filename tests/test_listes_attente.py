"""Listes d'attente des jours : rang dans l'ordre d'arrivée, place libérée proposée au premier de
la liste (réservation annulée, absence décidée, inscription écourtée ou supprimée, capacité
augmentée), acceptée, refusée ou expirée, et le jour repris qui n'est plus facturé."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from demandes.models import Demande
from enfants import calendrier, selectors, services
from enfants.listes_attente import propositions_expirees_traiter
from enfants.models import Absence, Reservation
from messagerie.models import Message
from tests.factories import (
    ActiviteFactory,
    EnfantFactory,
    InscriptionFactory,
    ReservationFactory,
    ResponsableFactory,
    UtilisateurFactory,
)

pytestmark = pytest.mark.django_db


def _mercredi_a_venir(semaines: int = 3) -> datetime.date:
    """Un mercredi ouvré dans quelques semaines (ni férié) : encore temps de réserver et de
    déclarer une absence dans le délai."""
    jour = timezone.localdate() + datetime.timedelta(weeks=semaines)
    jour += datetime.timedelta(days=(2 - jour.weekday()) % 7)
    while jour in calendrier.feries(jour, jour):
        jour += datetime.timedelta(days=7)
    return jour


JOUR = _mercredi_a_venir()


def _famille_avec_courriel():
    enfant = EnfantFactory(prenom="Léa", nom="DUPONT")
    ResponsableFactory(famille=enfant.famille, autorisation_courriel=True, email="dupont@example.fr")
    return enfant


@pytest.fixture
def journee():
    """Une activité de deux places le JOUR, complète (deux réservations acceptées), et trois
    demandes en liste d'attente dans l'ordre d'arrivée."""
    activite = ActiviteFactory(jours_ouverture="2", capacite=2, acceptation_automatique=True)
    places = [
        ReservationFactory(inscription=InscriptionFactory(activite=activite), date=JOUR) for _ in range(2)
    ]
    attente = []
    for i in range(3):
        inscription = InscriptionFactory(activite=activite, enfant=_famille_avec_courriel())
        attente.append(
            services.reservation_demander(
                inscription=inscription,
                date=JOUR,
                liste_attente=True,
                maintenant=timezone.now() + datetime.timedelta(seconds=i),
            )
        )
    return {"activite": activite, "places": places, "attente": attente}


def _etats(reservations):
    return [Reservation.objects.get(pk=r.pk).etat for r in reservations]


def _acceptees_et_proposees(activite) -> int:
    return Reservation.objects.filter(
        inscription__activite=activite, date=JOUR, etat__in=["acceptee", "proposee"]
    ).count()


# --- Rang en liste d'attente -----------------------------------------------------------------


def test_les_demandes_faites_un_jour_complet_attendent_dans_l_ordre_d_arrivee(journee):
    assert _etats(journee["attente"]) == ["en_attente"] * 3
    for rang, reservation in enumerate(journee["attente"], start=1):
        famille = reservation.inscription.enfant.famille
        positions = selectors.positions_liste_attente(famille=famille, reservation_ids=[reservation.pk])
        assert positions[reservation.pk].position == rang


def test_le_rang_ne_compte_que_le_meme_jour_et_la_meme_activite(journee):
    # Une autre activité complète le même jour, un autre jour de la même activité : sans effet.
    ReservationFactory(
        inscription=InscriptionFactory(activite=ActiviteFactory()), date=JOUR, etat="en_attente"
    )
    ReservationFactory(
        inscription=InscriptionFactory(activite=journee["activite"]),
        date=JOUR + datetime.timedelta(days=7),
        etat="en_attente",
        demandee_le=timezone.now() - datetime.timedelta(days=1),
    )
    troisieme = journee["attente"][2]
    famille = troisieme.inscription.enfant.famille
    assert (
        selectors.positions_liste_attente(famille=famille, reservation_ids=[troisieme.pk])[
            troisieme.pk
        ].position
        == 3
    )


def test_le_rang_d_une_autre_famille_n_est_jamais_lu(journee):
    autre = journee["attente"][0].inscription.enfant.famille
    assert selectors.positions_liste_attente(famille=autre, reservation_ids=[journee["attente"][1].pk]) == {}


def test_le_rang_suit_la_file_quand_le_premier_recoit_la_place(journee):
    services.reservation_acceptee_annuler(reservation=journee["places"][0], agent=UtilisateurFactory())
    deuxieme = journee["attente"][1]
    famille = deuxieme.inscription.enfant.famille
    assert (
        selectors.positions_liste_attente(famille=famille, reservation_ids=[deuxieme.pk])[
            deuxieme.pk
        ].position
        == 1
    )


def test_une_nouvelle_demande_passe_derriere_la_liste_meme_si_une_place_est_libre(journee):
    # Une place libre (capacité augmentée sans relance, comme avant l'arrivée du signal).
    type(journee["activite"]).objects.filter(pk=journee["activite"].pk).update(capacite=3)
    nouvelle = services.reservation_demander(
        inscription=InscriptionFactory(activite=journee["activite"]), date=JOUR, liste_attente=True
    )
    assert nouvelle.etat == "en_attente"


# --- Proposition de la place libérée -----------------------------------------------------------


def test_une_reservation_annulee_propose_la_place_au_premier_de_la_liste(journee, settings):
    settings.LISTE_ATTENTE_DELAI_HEURES = 24
    avant = timezone.now()
    services.reservation_acceptee_annuler(reservation=journee["places"][0], agent=UtilisateurFactory())
    assert _etats(journee["attente"]) == ["proposee", "en_attente", "en_attente"]
    proposee = Reservation.objects.get(pk=journee["attente"][0].pk)
    assert avant + datetime.timedelta(hours=24) <= proposee.proposition_limite
    assert proposee.proposition_limite <= timezone.now() + datetime.timedelta(hours=24)
    # La place proposée est tenue : le jour reste complet pour les autres.
    assert services.places_occupees(activite=journee["activite"], jour=JOUR, avec_demandes=False) == 2
    texte = services.places_du_jour(activite=journee["activite"], jour=JOUR).texte
    assert (
        texte.startswith("0 place restante sur 2") and "dont 1 place proposée à la liste d'attente" in texte
    )
    with pytest.raises(ValidationError) as erreur:
        services.reservation_demander(inscription=InscriptionFactory(activite=journee["activite"]), date=JOUR)
    assert erreur.value.code == "complet"
    assert _acceptees_et_proposees(journee["activite"]) == 2


def test_la_limite_ne_depasse_jamais_le_debut_du_jour(journee, settings):
    settings.LISTE_ATTENTE_DELAI_HEURES = 24 * 365
    services.reservation_acceptee_annuler(reservation=journee["places"][0], agent=UtilisateurFactory())
    proposee = Reservation.objects.get(pk=journee["attente"][0].pk)
    debut = timezone.make_aware(datetime.datetime.combine(JOUR, datetime.time.min))
    assert proposee.proposition_limite == debut


def test_rien_n_est_propose_une_fois_le_jour_commence(journee):
    pendant = timezone.make_aware(datetime.datetime.combine(JOUR, datetime.time(9)))
    services.reservation_acceptee_annuler(
        reservation=journee["places"][0], agent=UtilisateurFactory(), maintenant=pendant
    )
    assert _etats(journee["attente"]) == ["en_attente"] * 3


def test_la_famille_est_prevenue_par_message_et_courriel_sans_donnee_personnelle(
    journee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.reservation_acceptee_annuler(reservation=journee["places"][0], agent=UtilisateurFactory())
    premiere = journee["attente"][0]
    famille = premiere.inscription.enfant.famille
    message = Message.objects.get(fil__famille=famille)
    lien = f"/enfants/places-proposees/{premiere.pk}/"
    assert "Léa" in message.texte and lien in message.texte and "avant le" in message.texte
    assert len(mail.outbox) == 1
    courriel = mail.outbox[0]
    assert courriel.to == ["dupont@example.fr"]
    assert lien in courriel.body and "avant le" in courriel.body
    assert "Léa" not in courriel.body and "DUPONT" not in courriel.body
    assert premiere.inscription.activite.nom not in courriel.body
    # Les autres familles de la liste ne reçoivent rien.
    assert not Message.objects.exclude(fil__famille=famille).exists()


def test_accepter_la_place_reserve_le_jour_et_decide_la_demande(journee):
    services.reservation_acceptee_annuler(reservation=journee["places"][0], agent=UtilisateurFactory())
    premiere = journee["attente"][0]
    parent = UtilisateurFactory()
    reservation = services.proposition_accepter(reservation=premiere, par=parent)
    assert reservation.etat == "acceptee" and reservation.decidee_par == parent
    demande = Demande.objects.get(type="reservation", donnees__reservation=premiere.pk)
    assert demande.statut == Demande.Statut.ACCEPTEE
    assert _acceptees_et_proposees(journee["activite"]) == 2
    with pytest.raises(ValidationError):
        services.proposition_accepter(reservation=premiere)


def test_refuser_la_place_la_passe_au_suivant(journee):
    services.reservation_acceptee_annuler(reservation=journee["places"][0], agent=UtilisateurFactory())
    premiere = journee["attente"][0]
    services.proposition_refuser(reservation=premiere, par=UtilisateurFactory())
    assert _etats(journee["attente"]) == ["annulee", "proposee", "en_attente"]
    demande = Demande.objects.get(type="reservation", donnees__reservation=premiere.pk)
    assert demande.statut == Demande.Statut.ANNULEE


def test_une_proposition_expiree_passe_au_suivant(journee):
    services.reservation_acceptee_annuler(reservation=journee["places"][0], agent=UtilisateurFactory())
    limite = Reservation.objects.get(pk=journee["attente"][0].pk).proposition_limite
    assert (
        propositions_expirees_traiter(maintenant=limite - datetime.timedelta(minutes=1))["reservations"] == 0
    )
    assert _etats(journee["attente"])[0] == "proposee"
    assert propositions_expirees_traiter(maintenant=limite)["reservations"] == 1
    assert _etats(journee["attente"]) == ["annulee", "proposee", "en_attente"]
    demande = Demande.objects.get(type="reservation", donnees__reservation=journee["attente"][0].pk)
    assert demande.statut == Demande.Statut.REFUSEE and "date limite" in demande.motif
    assert _acceptees_et_proposees(journee["activite"]) == 2


def test_accepter_apres_la_limite_ne_reserve_pas(journee):
    services.reservation_acceptee_annuler(reservation=journee["places"][0], agent=UtilisateurFactory())
    premiere = Reservation.objects.get(pk=journee["attente"][0].pk)
    trop_tard = premiere.proposition_limite + datetime.timedelta(seconds=1)
    reservation = services.proposition_accepter(reservation=premiere, maintenant=trop_tard)
    assert reservation.etat == "annulee"
    assert _etats(journee["attente"]) == ["annulee", "proposee", "en_attente"]


def test_la_commande_listes_attente_traite_les_propositions_expirees(journee, settings):
    settings.LISTE_ATTENTE_DELAI_HEURES = 0
    services.reservation_acceptee_annuler(reservation=journee["places"][0], agent=UtilisateurFactory())
    call_command("listes_attente")
    # Délai nul : chaque proposition expire aussitôt, la suivante aussi (la file se vide).
    assert _etats(journee["attente"])[0] == "annulee"


def test_deux_places_liberees_deux_propositions_a_deux_familles(journee):
    agent = UtilisateurFactory()
    for place in journee["places"]:
        services.reservation_acceptee_annuler(reservation=place, agent=agent)
    assert _etats(journee["attente"]) == ["proposee", "proposee", "en_attente"]
    familles = {r.inscription.enfant.famille_id for r in journee["attente"][:2]}
    assert len(familles) == 2


def test_retirer_une_demande_en_cours_rend_sa_place_a_la_liste():
    activite = ActiviteFactory(jours_ouverture="2", capacite=1)
    en_cours = services.reservation_demander(inscription=InscriptionFactory(activite=activite), date=JOUR)
    assert en_cours.etat == "en_cours"
    attente = services.reservation_demander(
        inscription=InscriptionFactory(activite=activite), date=JOUR, liste_attente=True
    )
    assert attente.etat == "en_attente"
    services.reservation_annuler(reservation=en_cours)
    assert _etats([attente]) == ["proposee"]


def test_une_demande_en_cours_refusee_par_un_agent_rend_sa_place():
    activite = ActiviteFactory(jours_ouverture="2", capacite=1)
    en_cours = services.reservation_demander(inscription=InscriptionFactory(activite=activite), date=JOUR)
    attente = services.reservation_demander(
        inscription=InscriptionFactory(activite=activite), date=JOUR, liste_attente=True
    )
    services.reservation_refuser(reservation=en_cours, agent=UtilisateurFactory(), motif="Non")
    assert _etats([attente]) == ["proposee"]


# --- Absences : une absence décidée rend la place ---------------------------------------------


def test_une_absence_declaree_dans_le_delai_rend_la_place(journee):
    absente = journee["places"][0].inscription
    absence = services.absence_declarer(inscription=absente, date=JOUR, motif="Vacances")
    assert absence.etat == "excusee" and not absence.hors_delai
    assert _etats(journee["attente"]) == ["proposee", "en_attente", "en_attente"]


def test_une_absence_en_cours_de_traitement_tient_la_place_jusqu_a_la_decision(journee):
    journee["activite"].acceptation_automatique = False
    type(journee["activite"]).objects.filter(pk=journee["activite"].pk).update(acceptation_automatique=False)
    absence = services.absence_declarer(
        inscription=journee["places"][0].inscription, date=JOUR, motif="Malade"
    )
    assert absence.etat == "en_cours"
    assert _etats(journee["attente"])[0] == "en_attente"
    services.absence_accepter(absence=absence, agent=UtilisateurFactory())
    assert _etats(journee["attente"])[0] == "proposee"


def test_une_absence_refusee_dans_le_delai_ne_rend_pas_la_place(journee):
    type(journee["activite"]).objects.filter(pk=journee["activite"].pk).update(acceptation_automatique=False)
    absence = services.absence_declarer(
        inscription=journee["places"][0].inscription, date=JOUR, motif="Malade"
    )
    services.absence_refuser(absence=absence, agent=UtilisateurFactory(), motif="Non")
    assert Absence.objects.get(pk=absence.pk).etat == "refusee"
    assert _etats(journee["attente"])[0] == "en_attente"


def test_une_absence_ne_peut_plus_etre_annulee_une_fois_sa_place_proposee(journee):
    absence = services.absence_declarer(
        inscription=journee["places"][0].inscription, date=JOUR, motif="Vacances"
    )
    with pytest.raises(ValidationError) as erreur:
        services.absence_annuler(absence=absence)
    assert erreur.value.code == "place_reprise"
    assert Absence.objects.filter(pk=absence.pk).exists()


def test_une_absence_sans_liste_d_attente_s_annule_encore():
    activite = ActiviteFactory(jours_ouverture="2", capacite=2, acceptation_automatique=True)
    reservation = ReservationFactory(inscription=InscriptionFactory(activite=activite), date=JOUR)
    absence = services.absence_declarer(inscription=reservation.inscription, date=JOUR, motif="Vacances")
    services.absence_annuler(absence=absence)
    assert not Absence.objects.filter(pk=absence.pk).exists()


def _veille(jour):
    return timezone.make_aware(
        datetime.datetime.combine(jour - datetime.timedelta(days=1), datetime.time(10))
    )


def test_une_absence_hors_delai_dont_la_place_est_reprise_n_est_pas_facturee(
    journee, django_capture_on_commit_callbacks
):
    absente = journee["places"][0].inscription
    absence = services.absence_declarer(
        inscription=absente, date=JOUR, motif="Malade", maintenant=_veille(JOUR)
    )
    assert absence.hors_delai and absence.etat == "facturee"
    demande = Demande.objects.get(type="absence", donnees__absence=absence.pk)
    assert demande.statut == Demande.Statut.REFUSEE
    # La place est proposée au premier de la liste, qui l'accepte.
    premiere = Reservation.objects.get(pk=journee["attente"][0].pk)
    assert premiere.etat == "proposee"
    with django_capture_on_commit_callbacks(execute=True):
        services.proposition_accepter(reservation=premiere, maintenant=_veille(JOUR))
    absence.refresh_from_db()
    assert absence.etat == "excusee" and absence.place_reprise_le is not None
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.ACCEPTEE and "liste d'attente" in demande.motif
    famille = absente.enfant.famille
    assert "ne sera pas facturée" in Message.objects.get(fil__famille=famille).texte


def test_une_absence_hors_delai_dont_la_place_n_est_pas_reprise_reste_facturee(journee):
    absente = journee["places"][0].inscription
    absence = services.absence_declarer(
        inscription=absente, date=JOUR, motif="Malade", maintenant=_veille(JOUR)
    )
    for reservation in journee["attente"]:
        reservation.refresh_from_db()
        if reservation.etat == "proposee":
            services.proposition_refuser(reservation=reservation, maintenant=_veille(JOUR))
    absence.refresh_from_db()
    assert absence.etat == "facturee" and absence.place_reprise_le is None


def test_une_place_reprise_ne_rend_non_facturee_qu_une_absence(journee):
    veille = _veille(JOUR)
    absences = [
        services.absence_declarer(inscription=p.inscription, date=JOUR, motif="Malade", maintenant=veille)
        for p in journee["places"]
    ]
    services.proposition_accepter(reservation=journee["attente"][0], maintenant=veille)
    etats = sorted(Absence.objects.get(pk=a.pk).etat for a in absences)
    assert etats == ["excusee", "facturee"]


# --- Inscriptions et capacité -------------------------------------------------------------------


def test_une_capacite_augmentee_propose_les_places_nouvelles(journee):
    activite = journee["activite"]
    activite.capacite = 4
    activite.save()
    assert _etats(journee["attente"]) == ["proposee", "proposee", "en_attente"]
    assert _acceptees_et_proposees(activite) == 4


def test_une_inscription_terminee_plus_tot_rend_ses_jours(journee):
    inscription = journee["places"][0].inscription
    inscription.date_fin = JOUR - datetime.timedelta(days=1)
    inscription.save()
    assert _etats(journee["attente"])[0] == "proposee"
    assert services.places_occupees(activite=journee["activite"], jour=JOUR, avec_demandes=False) == 2


def test_une_inscription_supprimee_rend_ses_jours(journee):
    journee["places"][1].inscription.delete()
    assert _etats(journee["attente"])[0] == "proposee"


def test_un_contrat_regulier_ecourte_rend_sa_place():
    activite = ActiviteFactory(jours_ouverture="2", capacite=1)
    reguliere = InscriptionFactory(activite=activite, jours_reguliers="2")
    attente = services.reservation_demander(
        inscription=InscriptionFactory(activite=activite), date=JOUR, liste_attente=True
    )
    reguliere.jours_reguliers = ""
    reguliere.save()
    assert _etats([attente]) == ["proposee"]


def test_jamais_plus_de_reservations_acceptees_et_proposees_que_de_places(journee):
    agent = UtilisateurFactory()
    activite = journee["activite"]
    services.reservation_acceptee_annuler(reservation=journee["places"][0], agent=agent)
    activite.capacite = 3
    activite.save()
    services.absence_declarer(inscription=journee["places"][1].inscription, date=JOUR, motif="Vacances")
    for _ in range(3):
        services.reservation_demander(
            inscription=InscriptionFactory(activite=activite), date=JOUR, liste_attente=True
        )
    # Trois places (une annulée, une nouvelle, une rendue par l'absence) : trois propositions.
    assert _etats(journee["attente"]) == ["proposee"] * 3
    assert services.places_occupees(activite=activite, jour=JOUR, avec_demandes=True) == activite.capacite
    assert (
        Reservation.objects.filter(inscription__activite=activite, date=JOUR, etat="en_attente").count() == 3
    )


# --- Démonstration ------------------------------------------------------------------------------


def test_la_demonstration_a_un_jour_complet_et_une_place_proposee_aux_dupont():
    import io

    from enfants.demo import SORTIE_NATURE
    from familles.demo import NUMERO_DUPONT

    call_command("demo", force=True, stdout=io.StringIO())
    du_jour = Reservation.objects.filter(inscription__activite__nom=SORTIE_NATURE).order_by(
        "demandee_le", "pk"
    )
    etats = [(r.inscription.enfant.prenom, r.etat) for r in du_jour]
    assert etats == [("JULES", "acceptee"), ("INÈS", "annulee"), ("LÉA", "proposee"), ("PAUL", "en_attente")]
    lea = du_jour.get(etat="proposee")
    assert lea.inscription.enfant.famille.numero == NUMERO_DUPONT
    assert lea.date > timezone.localdate() and lea.proposition_limite > timezone.now()
    activite = lea.inscription.activite
    assert services.places_occupees(activite=activite, jour=lea.date, avec_demandes=True) == activite.capacite
    assert Message.objects.filter(
        fil__famille=lea.inscription.enfant.famille, texte__contains="/places-proposees/"
    ).exists()
    demande = Demande.objects.get(type="reservation", donnees__reservation=lea.pk)
    assert demande.statut == Demande.Statut.EN_ATTENTE


def test_le_jour_venu_les_demandes_encore_en_attente_sont_refusees(journee):
    pendant = timezone.make_aware(datetime.datetime.combine(JOUR, datetime.time(8)))
    propositions_expirees_traiter(maintenant=pendant)
    assert _etats(journee["attente"]) == ["refusee"] * 3
    reservation = Reservation.objects.get(pk=journee["attente"][0].pk)
    assert reservation.motif_refus == services.AUCUNE_PLACE_LIBEREE
    demande = Demande.objects.get(type="reservation", donnees__reservation=reservation.pk)
    assert demande.statut == Demande.Statut.REFUSEE and demande.motif == services.AUCUNE_PLACE_LIBEREE
    # La veille, rien de tel.
    autre = services.reservation_demander(
        inscription=InscriptionFactory(activite=journee["activite"]),
        date=JOUR + datetime.timedelta(days=7),
        liste_attente=True,
    )
    propositions_expirees_traiter(maintenant=pendant)
    assert _etats([autre]) == ["acceptee"]
