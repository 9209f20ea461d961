"""Le planning côté agents : le pointage tient compte des absences déclarées, les jours
d'ouverture se lisent en noms de jours, accepter une réservation le dit, et le détail d'une
réservation montre les places restantes."""

import datetime
import re

import pytest
from django.urls import reverse

from demandes.models import Demande
from enfants import services
from enfants.models import Activite, Inscription, Presence
from tests.factories import (
    AbsenceFactory,
    ActiviteFactory,
    EnfantFactory,
    InscriptionFactory,
    ReservationFactory,
)

pytestmark = pytest.mark.django_db

MERCREDI = datetime.date(2015, 4, 15)


def _inscrite(activite, nom, **kwargs):
    return InscriptionFactory(activite=activite, enfant=EnfantFactory(nom=nom, prenom="Zoé"), **kwargs)


@pytest.fixture
def journee():
    """Cinq enfants inscrits le mercredi : deux attendus, trois absences déclarées (facturée,
    excusée, en cours de traitement) ; un sixième inscrit sans réservation ce jour-là."""
    activite = ActiviteFactory(nom="Garderie matin", jours_ouverture="2", capacite=30)
    reguliere = _inscrite(activite, "AAA", jours_reguliers="2")
    reservee = _inscrite(activite, "BBB")
    ReservationFactory(inscription=reservee, date=MERCREDI)
    facturee = _inscrite(activite, "CCC", jours_reguliers="2")
    AbsenceFactory(inscription=facturee, date=MERCREDI, etat="facturee", hors_delai=True)
    excusee = _inscrite(activite, "DDD")
    ReservationFactory(inscription=excusee, date=MERCREDI)
    AbsenceFactory(inscription=excusee, date=MERCREDI, etat="excusee")
    en_cours = _inscrite(activite, "EEE", jours_reguliers="2")
    AbsenceFactory(inscription=en_cours, date=MERCREDI, etat="en_cours")
    _inscrite(activite, "FFF")
    return {
        "activite": activite,
        "reguliere": reguliere,
        "reservee": reservee,
        "facturee": facturee,
        "excusee": excusee,
        "en_cours": en_cours,
    }


def _pointage(client, agent, activite, **params):
    client.force_login(agent)
    url = reverse("admin:enfants_activite_pointage", args=[activite.pk])
    reponse = client.get(url, {"date": MERCREDI.isoformat(), **params})
    assert reponse.status_code == 200
    return url, reponse.content.decode()


def _ligne(html, nom):
    return re.search(rf"<tr>\s*<th scope=\"row\">{nom} Zoé<br>.*?</tr>", html, re.S).group(0)


def test_pointage_les_absences_declarees_ne_sont_jamais_cochees(client, agent, journee):
    _url, html = _pointage(client, agent, journee["activite"])
    for nom, situation in (
        ("CCC", "Absent facturé"),
        ("DDD", "Absent excusé"),
        ("EEE", "Absence en cours de traitement"),
    ):
        ligne = _ligne(html, nom)
        assert f"<strong>{situation}</strong>" in ligne
        assert " checked" not in ligne
    # Rien n'est coché d'avance, pas même les attendus.
    assert " checked" not in _ligne(html, "AAA") and " checked" not in _ligne(html, "BBB")
    assert "Attendu (contrat régulier)" in _ligne(html, "AAA")
    assert "Attendu (réservation)" in _ligne(html, "BBB")
    assert "FFF Zoé" not in html


def test_pointage_tous_presents_a_la_demande(client, agent, journee):
    _url, html = _pointage(client, agent, journee["activite"])
    assert "tous_presents=1" in html and "Cocher « Présent » pour tous les enfants attendus" in html
    _url, html = _pointage(client, agent, journee["activite"], tous_presents="1")
    assert " checked" in _ligne(html, "AAA") and " checked" in _ligne(html, "BBB")
    for nom in ("CCC", "DDD", "EEE"):
        assert " checked" not in _ligne(html, nom)


def test_pointage_les_deux_chiffres_concordent_et_se_comprennent(client, agent, journee):
    """« Enfants attendus (0) » à côté de « Réservations du jour : 1 / 30 » : le compteur
    comptait toutes les places prises (absences comprises), la liste ôtait les absences. Les deux
    viennent maintenant de la même liste, et chacun dit ce qu'il compte."""
    _url, html = _pointage(client, agent, journee["activite"])
    assert (
        "Inscrits ce jour (contrat régulier ou réservation acceptée) : <strong>5</strong> — "
        "places occupées : <strong>3 / 30</strong>"
    ) in html
    assert "Absences déclarées par les familles : <strong>3</strong>" in html
    assert "Enfants attendus : <strong>2</strong> (inscrits sans absence déclarée)" in html
    assert "Enfants inscrits le mercredi 15 avril 2015 (5) : 2 attendus, 3 absences déclarées" in html
    # Les absences excusée et facturée rendent leur place (listes d'attente), pas celle en cours.
    assert "Une absence excusée ou facturée rend la place à la liste d'attente" in html


def test_pointage_du_cas_signale_un_inscrit_absent(client, agent):
    activite = ActiviteFactory(nom="Garderie soir", jours_ouverture="2", capacite=30)
    tom = _inscrite(activite, "DUPONT", jours_reguliers="2")
    AbsenceFactory(inscription=tom, date=MERCREDI, etat="en_cours")
    _url, html = _pointage(client, agent, activite)
    assert "places occupées : <strong>1 / 30</strong>" in html
    assert "Enfants attendus : <strong>0</strong>" in html
    assert "<strong>Absence en cours de traitement</strong>" in _ligne(html, "DUPONT")


def test_places_et_liste_du_jour_une_seule_definition(journee):
    # Un contrat régulier et une réservation acceptée le même jour : une seule place.
    ReservationFactory(inscription=journee["reguliere"], date=MERCREDI)
    ReservationFactory(inscription=journee["reservee"], date=MERCREDI, etat="refusee")
    inscrites = services.inscriptions_du_jour(activite=journee["activite"], jour=MERCREDI)
    assert len(inscrites) == 5
    # Excusée et facturée : la place est rendue (liste d'attente) ; l'enfant reste à pointer.
    assert services.places_occupees(activite=journee["activite"], jour=MERCREDI, avec_demandes=False) == 3
    attendues = services.inscriptions_attendues(activite=journee["activite"], jour=MERCREDI)
    assert {i.pk for i in attendues} == {journee["reguliere"].pk, journee["reservee"].pk}


def test_pointage_enregistre_les_absents_declares_sans_facturer_d_avance(client, agent, journee, parent):
    url, _html = _pointage(client, agent, journee["activite"])
    reponse = client.post(f"{url}?date={MERCREDI.isoformat()}", {"presents": [str(journee["reguliere"].pk)]})
    assert reponse.status_code == 302
    presences = dict(Presence.objects.values_list("inscription_id", "present"))
    assert presences == {
        journee[n].pk: n == "reguliere" for n in ("reguliere", "reservee", "facturee", "excusee", "en_cours")
    }
    # Ce qui a été pointé est ce qui est coché ensuite (pas « présent » d'office).
    _url, html = _pointage(client, agent, journee["activite"])
    assert " checked" in _ligne(html, "AAA") and " checked" not in _ligne(html, "BBB")
    # Dans le planning de la famille, l'absence en cours reste « en cours de traitement ».
    en_cours = journee["en_cours"]
    Inscription.objects.filter(pk=en_cours.pk).update(enfant=EnfantFactory(famille=parent.famille))
    client.force_login(parent)
    planning = client.get(
        reverse(
            "enfants:planning",
            kwargs={"pk": Inscription.objects.get(pk=en_cours.pk).enfant_id, "annee": 2015, "mois": 4},
        )
    )
    assert "mercredi 15 avril 2015 : Absence en cours de traitement" in planning.content.decode()


# --- Administration : jours en noms, message d'acceptation, places restantes ---


def test_jours_d_ouverture_en_noms_de_jours(client, agent):
    activite = ActiviteFactory(nom="Garderie matin", jours_ouverture="0134")
    InscriptionFactory(activite=activite, jours_reguliers="03")
    client.force_login(agent)
    liste = client.get(reverse("admin:enfants_activite_changelist")).content.decode()
    assert "lun., mar., jeu., ven." in liste
    assert ">0134<" not in liste
    inscriptions = client.get(reverse("admin:enfants_inscription_changelist")).content.decode()
    assert "lun., jeu." in inscriptions
    fiche = client.get(reverse("admin:enfants_activite_change", args=[activite.pk])).content.decode()
    assert 'type="checkbox" name="jours_ouverture" value="0"' in fiche
    assert re.search(r'value="1"[^>]*checked|checked[^>]*value="1"', fiche)
    assert ">mercredi<" in fiche or "mercredi</label>" in fiche


def test_jours_d_ouverture_enregistres_depuis_les_cases(client, agent):
    activite = ActiviteFactory(nom="ALSH", jours_ouverture="01234")
    client.force_login(agent)
    url = reverse("admin:enfants_activite_change", args=[activite.pk])
    reponse = client.post(
        url,
        {
            "structure": activite.structure_id,
            "nom": "ALSH",
            "jours_ouverture": ["4", "2"],
            "periode": "scolaire",
            "capacite": 20,
            "delai_reservation": 2,
            "delai_absence": 2,
            "heure_limite": "12:00",
            "horizon_reservation": 90,
        },
    )
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    assert Activite.objects.get(pk=activite.pk).jours_ouverture == "24"


def test_accepter_une_reservation_dit_reservation_acceptee(client, agent):
    import django.utils.timezone as tz

    activite = ActiviteFactory(capacite=10)
    inscription = InscriptionFactory(activite=activite)
    services.reservation_demander(
        inscription=inscription, date=MERCREDI, maintenant=tz.make_aware(datetime.datetime(2015, 4, 1, 10))
    )
    demande = Demande.objects.get(type="reservation")
    client.force_login(agent)
    reponse = client.post(reverse("admin:demandes_demande_accepter", args=[demande.pk]), follow=True)
    html = reponse.content.decode()
    assert f"Demande n° {demande.pk} : réservation acceptée." in html
    assert "la fiche a été mise à jour" not in html


def test_detail_d_une_reservation_montre_les_places_restantes(client, agent):
    import django.utils.timezone as tz

    activite = ActiviteFactory(capacite=3)
    InscriptionFactory(activite=activite, jours_reguliers="2")
    ReservationFactory(inscription=InscriptionFactory(activite=activite), date=MERCREDI)
    reservation = services.reservation_demander(
        inscription=InscriptionFactory(activite=activite),
        date=MERCREDI,
        maintenant=tz.make_aware(datetime.datetime(2015, 4, 1, 10)),
    )
    client.force_login(agent)
    texte = (
        "1 place restante sur 3 (2 occupées : contrats réguliers et réservations acceptées) ; "
        "1 demande en attente de décision"
    )
    detail = client.get(reverse("admin:enfants_reservation_change", args=[reservation.pk]))
    assert texte in detail.content.decode()
    demande = Demande.objects.get(type="reservation")
    detail = client.get(reverse("admin:demandes_demande_change", args=[demande.pk]))
    assert texte in detail.content.decode()
