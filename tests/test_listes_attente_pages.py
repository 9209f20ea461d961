"""Listes d'attente côté pages : la famille voit son rang (planning, Liste des demandes) et répond
à une place proposée ; l'agent voit les listes d'attente d'un jour (filtre, rang, pointage)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from demandes.models import Demande
from enfants import services
from enfants.models import Reservation
from tests.factories import (
    ActiviteFactory,
    EnfantFactory,
    InscriptionFactory,
    ReservationFactory,
    UtilisateurFactory,
)
from tests.test_listes_attente import _mercredi_a_venir

pytestmark = pytest.mark.django_db

JOUR = _mercredi_a_venir()


@pytest.fixture
def complet(parent):
    """Un jour complet (une place) ; en liste d'attente : un autre enfant d'abord, puis celui du
    parent (2e position)."""
    activite = ActiviteFactory(
        nom="ALSH Mercredi", jours_ouverture="2", capacite=1, acceptation_automatique=True
    )
    place = ReservationFactory(inscription=InscriptionFactory(activite=activite), date=JOUR)
    premier = services.reservation_demander(
        inscription=InscriptionFactory(activite=activite), date=JOUR, liste_attente=True
    )
    inscription = InscriptionFactory(
        activite=activite, enfant=EnfantFactory(famille=parent.famille, prenom="Léa")
    )
    second = services.reservation_demander(inscription=inscription, date=JOUR, liste_attente=True)
    return {
        "activite": activite,
        "place": place,
        "premier": premier,
        "second": second,
        "inscription": inscription,
    }


def _planning(client, enfant_id):
    url = reverse("enfants:planning", kwargs={"pk": enfant_id, "annee": JOUR.year, "mois": JOUR.month})
    return client.get(url).content.decode()


def test_le_planning_montre_le_rang_en_liste_d_attente(client_parent, complet):
    html = _planning(client_parent, complet["inscription"].enfant_id)
    assert "Demande en attente — liste d&#x27;attente : 2e position" in html


def test_le_planning_montre_la_place_proposee_avec_son_lien(client_parent, complet):
    services.reservation_acceptee_annuler(reservation=complet["place"], agent=UtilisateurFactory())
    services.proposition_refuser(reservation=complet["premier"])
    html = _planning(client_parent, complet["inscription"].enfant_id)
    assert "Place proposée — à accepter avant le" in html
    assert reverse("enfants:proposition", args=[complet["second"].pk]) in html


def test_la_liste_des_demandes_montre_le_rang(client_parent, complet):
    html = client_parent.get(reverse("demandes:liste"), {"cote": "enfants"}).content.decode()
    assert "Liste d&#x27;attente : 2e position" in html


def test_la_liste_des_demandes_compte_ses_requetes_quel_que_soit_le_nombre_en_attente(
    client_parent, complet, django_assert_num_queries, parent
):
    url = reverse("demandes:liste")
    client_parent.get(url, {"cote": "enfants"})  # session chaude
    with django_assert_num_queries(5):  # 4 de la page, 1 pour les rangs de toutes les lignes
        client_parent.get(url, {"cote": "enfants"})
    for semaines in (4, 5, 6):
        jour = _mercredi_a_venir(semaines)
        ReservationFactory(inscription=InscriptionFactory(activite=complet["activite"]), date=jour)
        services.reservation_demander(inscription=complet["inscription"], date=jour, liste_attente=True)
    assert Demande.objects.filter(famille=parent.famille, type="reservation").count() == 4
    with django_assert_num_queries(5):
        html = client_parent.get(url, {"cote": "enfants"}).content.decode()
    assert html.count("Liste d&#x27;attente : 1re position") == 3


def test_la_page_de_la_proposition_accepte_la_place(client_parent, complet):
    services.reservation_acceptee_annuler(reservation=complet["place"], agent=UtilisateurFactory())
    services.proposition_refuser(reservation=complet["premier"])
    url = reverse("enfants:proposition", args=[complet["second"].pk])
    html = client_parent.get(url).content.decode()
    assert "Répondez avant le" in html and "J&#x27;accepte la place" in html
    reponse = client_parent.post(url, {"reponse": "accepter"})
    assert reponse.status_code == 302
    assert Reservation.objects.get(pk=complet["second"].pk).etat == "acceptee"


def test_la_page_de_la_proposition_refuse_la_place(client_parent, complet):
    services.reservation_acceptee_annuler(reservation=complet["place"], agent=UtilisateurFactory())
    services.proposition_refuser(reservation=complet["premier"])
    url = reverse("enfants:proposition", args=[complet["second"].pk])
    assert client_parent.post(url, {"reponse": "refuser"}).status_code == 302
    assert Reservation.objects.get(pk=complet["second"].pk).etat == "annulee"


def test_une_reponse_vide_redit_la_question(client_parent, complet):
    services.reservation_acceptee_annuler(reservation=complet["place"], agent=UtilisateurFactory())
    services.proposition_refuser(reservation=complet["premier"])
    url = reverse("enfants:proposition", args=[complet["second"].pk])
    reponse = client_parent.post(url, {})
    assert reponse.status_code == 200
    assert "Choisissez d&#x27;accepter ou de refuser la place." in reponse.content.decode()
    assert Reservation.objects.get(pk=complet["second"].pk).etat == "proposee"


def test_une_proposition_expiree_le_dit(client_parent, complet):
    services.reservation_acceptee_annuler(reservation=complet["place"], agent=UtilisateurFactory())
    services.proposition_refuser(reservation=complet["premier"])
    Reservation.objects.filter(pk=complet["second"].pk).update(
        proposition_limite=timezone.now() - datetime.timedelta(minutes=1)
    )
    url = reverse("enfants:proposition", args=[complet["second"].pk])
    assert "Le délai pour accepter cette place est passé" in client_parent.get(url).content.decode()
    reponse = client_parent.post(url, {"reponse": "accepter"})
    assert "Le délai pour accepter la place" in reponse.content.decode()
    assert Reservation.objects.get(pk=complet["second"].pk).etat == "annulee"


def test_la_proposition_d_une_autre_famille_est_introuvable(client, autre_parent, complet):
    services.reservation_acceptee_annuler(reservation=complet["place"], agent=UtilisateurFactory())
    services.proposition_refuser(reservation=complet["premier"])
    client.force_login(autre_parent)
    url = reverse("enfants:proposition", args=[complet["second"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reponse": "accepter"}).status_code == 404
    assert Reservation.objects.get(pk=complet["second"].pk).etat == "proposee"


# --- Côté agents --------------------------------------------------------------------------------


def test_l_agent_filtre_les_listes_d_attente_et_voit_le_rang(client, agent, complet):
    client.force_login(agent)
    url = reverse("admin:enfants_reservation_changelist")
    html = client.get(url, {"liste_attente": "oui"}).content.decode()
    assert "1re position" in html and "2e position" in html
    assert f"/admin/enfants/reservation/{complet['place'].pk}/change/" not in html


def test_le_pointage_montre_la_liste_d_attente_du_jour(client, agent, complet):
    client.force_login(agent)
    url = reverse("admin:enfants_activite_pointage", args=[complet["activite"].pk])
    html = client.get(url, {"date": JOUR.isoformat()}).content.decode()
    assert "Liste d'attente du" in html
    assert (
        "En liste d&#x27;attente : 1re position" in html and "En liste d&#x27;attente : 2e position" in html
    )


def test_l_agent_annule_une_reservation_acceptee_et_la_place_est_proposee(client, agent, complet):
    from commun.models import Audit

    client.force_login(agent)
    url = reverse("admin:enfants_reservation_changelist")
    reponse = client.post(
        url, {"action": "annuler_acceptees", "_selected_action": [complet["place"].pk]}, follow=True
    )
    assert "les places libérées sont proposées" in reponse.content.decode()
    assert Reservation.objects.get(pk=complet["place"].pk).etat == "annulee"
    assert Reservation.objects.get(pk=complet["premier"].pk).etat == "proposee"
    assert Audit.objects.filter(action__contains="place rendue à la liste d'attente").exists()


def _proposee_au_parent(complet):
    services.reservation_acceptee_annuler(reservation=complet["place"], agent=UtilisateurFactory())
    services.proposition_refuser(reservation=complet["premier"])
    return Demande.objects.get(type="reservation", donnees__reservation=complet["second"].pk)


def test_la_famille_retire_sa_demande_proposee_et_la_place_passe_au_suivant(client_parent, complet):
    suivant = services.reservation_demander(
        inscription=InscriptionFactory(activite=complet["activite"]), date=JOUR, liste_attente=True
    )
    demande = _proposee_au_parent(complet)
    reponse = client_parent.post(reverse("demandes:annuler", args=[demande.pk]))
    assert reponse.status_code == 302
    assert Reservation.objects.get(pk=complet["second"].pk).etat == "annulee"
    assert Reservation.objects.get(pk=suivant.pk).etat == "proposee"


def test_un_agent_accepte_la_place_proposee_pour_la_famille(agent, complet):
    from demandes import services as demandes_services

    demande = _proposee_au_parent(complet)
    demandes_services.demande_accepter(demande=demande, agent=agent)
    assert Reservation.objects.get(pk=complet["second"].pk).etat == "acceptee"
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.ACCEPTEE


def test_le_flux_ical_montre_la_place_proposee(client, complet):
    from icalendar import Calendar

    services.reservation_acceptee_annuler(reservation=complet["place"], agent=UtilisateurFactory())
    services.proposition_refuser(reservation=complet["premier"])
    flux = services.flux_calendrier_obtenir(enfant=complet["inscription"].enfant)
    reponse = client.get(reverse("ical:flux", kwargs={"jeton": flux.jeton}))
    evenements = {
        e.decoded("dtstart"): str(e["summary"]) for e in Calendar.from_ical(reponse.content).walk("VEVENT")
    }
    assert evenements[JOUR] == "ALSH Mercredi — Place proposée"
