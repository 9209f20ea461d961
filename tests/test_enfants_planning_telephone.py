"""La vue téléphone du planning : une activité à la fois, des jours à cocher, une seule demande
pour plusieurs jours (qui passe par la règle d'un jour seul), la légende repliée."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from demandes.models import Demande
from enfants import services
from enfants.forms import JOURS_INVALIDE
from enfants.models import Reservation
from enfants.views_planning import MESSAGE_AUCUN_JOUR
from tests.aides import jours_ouverts
from tests.factories import (
    ActiviteFactory,
    FermetureFactory,
    InscriptionFactory,
    ReservationFactory,
    inscription_de_lea,
)

pytestmark = pytest.mark.django_db

AVANT = timezone.make_aware(datetime.datetime(2015, 4, 1, 10))


@pytest.fixture
def inscription(parent):
    return inscription_de_lea(
        parent.famille, nom="Garderie soir", jours_ouverture="01234", structure__nom="Garderie périscolaire"
    )


# --- Le service : plusieurs jours, la règle d'un jour seul pour chacun ---


def test_plusieurs_jours_en_une_demande(inscription):
    mercredis = [datetime.date(2015, 4, 8), datetime.date(2015, 4, 15), datetime.date(2015, 4, 22)]
    FermetureFactory(structure=inscription.activite.structure, date_debut=mercredis[1], date_fin=mercredis[1])
    resultat = services.reservations_jours_demander(
        inscription=inscription,
        jours=[mercredis[2], mercredis[0], mercredis[1], mercredis[0]],
        maintenant=AVANT,
    )
    assert [r.date for r in resultat.reservations] == [mercredis[0], mercredis[2]]
    assert resultat.refus == [(mercredis[1], services.FERME.format(jour="mercredi 15 avril 2015"))]
    assert all(r.etat == Reservation.Etat.EN_COURS for r in resultat.reservations)
    # Chaque jour est une demande de la file de modération, comme un jour seul.
    assert Demande.objects.filter(type="reservation", statut="en_attente").count() == 2


def test_plusieurs_jours_les_regles_d_un_jour_seul(inscription):
    inscription.activite.capacite = 1
    inscription.activite.acceptation_automatique = True
    inscription.activite.save()
    jour = datetime.date(2015, 4, 8)
    ReservationFactory(inscription=InscriptionFactory(activite=inscription.activite), date=jour)
    resultat = services.reservations_jours_demander(
        inscription=inscription, jours=[jour, datetime.date(2015, 4, 9)], maintenant=AVANT
    )
    assert [r.date for r in resultat.reservations] == [datetime.date(2015, 4, 9)]
    assert resultat.reservations[0].etat == Reservation.Etat.ACCEPTEE
    assert resultat.refus == [(jour, services.COMPLET.format(jour="mercredi 8 avril 2015", capacite=1))]


def test_aucun_jour_coche(inscription):
    with pytest.raises(ValidationError) as erreur:
        services.reservations_jours_demander(inscription=inscription, jours=[], maintenant=AVANT)
    assert erreur.value.messages == [services.JOURS_AUCUN]
    assert not Reservation.objects.exists()


# --- La page : POST seul, jours cochés, retour sur l'activité ---


def test_reserver_les_jours_coches(client_parent, inscription):
    jours = jours_ouverts(inscription.activite)
    url = reverse("enfants:jours_reserver", kwargs={"pk": inscription.pk})
    reponse = client_parent.post(url, {"jours": [j.isoformat() for j in jours]})
    assert reponse.status_code == 302
    assert reponse["Location"] == (
        reverse(
            "enfants:planning",
            kwargs={"pk": inscription.enfant_id, "annee": jours[0].year, "mois": jours[0].month},
        )
        + f"?activite={inscription.pk}#activite-{inscription.pk}"
    )
    assert sorted(Reservation.objects.values_list("date", flat=True)) == jours
    page = client_parent.get(reponse["Location"]).content.decode()
    assert "3 jours demandés" in page


def test_reserver_les_jours_coches_refuse_le_get_et_l_autre_famille(
    client, inscription, autre_parent, parent
):
    url = reverse("enfants:jours_reserver", kwargs={"pk": inscription.pk})
    jours = [j.isoformat() for j in jours_ouverts(inscription.activite)]
    client.force_login(parent)
    assert client.get(url).status_code == 405
    client.force_login(autre_parent)
    assert client.post(url, {"jours": jours}).status_code == 404
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(
    ("jours", "message"),
    [
        ([], MESSAGE_AUCUN_JOUR),  # rien de coché : rien n'est envoyé, la page le dit
        (["2015-02-30"], JOURS_INVALIDE),  # requête fabriquée : un navigateur n'envoie que des dates
        (["demain"], JOURS_INVALIDE),
    ],
)
def test_jours_invalides_rien_n_est_demande(client_parent, inscription, jours, message):
    url = reverse("enfants:jours_reserver", kwargs={"pk": inscription.pk})
    reponse = client_parent.post(url, {"jours": jours, "mois": "2015-04-01"}, follow=True)
    assert reponse.redirect_chain[-1][0].startswith(
        reverse("enfants:planning", kwargs={"pk": inscription.enfant_id, "annee": 2015, "mois": 4})
    )
    assert escape(message) in reponse.content.decode()
    assert not Reservation.objects.exists()


def test_csrf_exige(inscription, parent):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    url = reverse("enfants:jours_reserver", kwargs={"pk": inscription.pk})
    jours = [j.isoformat() for j in jours_ouverts(inscription.activite)]
    assert client.post(url, {"jours": jours}).status_code == 403
    assert not Reservation.objects.exists()


# --- Ce que la page montre au téléphone ---


def _planning(client, inscription, jour, **params):
    url = reverse(
        "enfants:planning", kwargs={"pk": inscription.enfant_id, "annee": jour.year, "mois": jour.month}
    )
    return client.get(url, params).content.decode()


def _vue_telephone(html):
    return html.split('<section class="planning-mobile"', 1)[1].split("</section>", 1)[0]


def test_vue_telephone_une_activite_a_la_fois(client_parent, inscription, parent):
    autre = InscriptionFactory(enfant=inscription.enfant, activite=ActiviteFactory(nom="Restauration midi"))
    jour = jours_ouverts(inscription.activite, apres=20, n=1)[0]
    ReservationFactory(inscription=inscription, date=jour)
    vue = _vue_telephone(_planning(client_parent, inscription, jour))
    # Des volets exclusifs (un seul ouvert : le premier, sans paramètre).
    volets = re.findall(
        r'<details class="activite-mobile" name="planning-activite" '
        r'id="activite-(\d+)"( open)?>',
        vue,
    )
    assert volets == [(str(inscription.pk), " open"), (str(autre.pk), "")]
    vue = _vue_telephone(_planning(client_parent, inscription, jour, activite=autre.pk))
    assert f'id="activite-{autre.pk}" open>' in vue
    assert f'id="activite-{inscription.pk}">' in vue
    # La légende est repliée derrière un bouton.
    assert '<details class="legende-repliee' in vue and "<summary>Légende des jours</summary>" in vue


def test_vue_telephone_jours_a_cocher_et_absence_a_un_appui(client_parent, inscription):
    reserve, libre, _autre = jours_ouverts(inscription.activite, apres=20)
    ReservationFactory(inscription=inscription, date=reserve)
    vue = _vue_telephone(_planning(client_parent, inscription, reserve))
    action = reverse("enfants:jours_reserver", kwargs={"pk": inscription.pk})
    assert f'<form method="post" action="{action}"' in vue
    if libre.month == reserve.month:
        assert f'name="jours" value="{libre.isoformat()}"' in vue
    assert f'name="jours" value="{reserve.isoformat()}"' not in vue  # déjà réservé
    absence = reverse("enfants:absence_declarer", kwargs={"pk": inscription.pk})
    assert f'href="{absence}?date={reserve.isoformat()}">Déclarer une absence' in vue
    assert 'type="submit" class="btn btn-primary">Réserver les jours cochés' in vue
    # Les jours sans accueil (week-ends) ne sont pas listés.
    samedi = next(d for d in (reserve + datetime.timedelta(n) for n in range(7)) if d.weekday() == 5)
    if samedi.month == reserve.month:
        assert f"samedi {samedi.day}<" not in vue


def test_vue_telephone_un_jour_passe_n_est_pas_a_cocher(client_parent, inscription):
    vue = _vue_telephone(_planning(client_parent, inscription, datetime.date(2015, 4, 1)))
    assert 'name="jours"' not in vue
    assert "Réserver les jours cochés<span" not in vue  # pas de bouton sans jour à cocher
    assert "mercredi 8</span>" in vue and "Non réservé" in vue


@pytest.mark.parametrize(
    "nom",
    [
        "enfants:reservation_demander",
        "enfants:absence_declarer",
        "enfants:periode_reserver",
        "enfants:jours_reserver",
        "enfants:absence_annuler",
    ],
)
def test_les_adresses_resolues_une_fois_sont_celles_de_reverse(nom):
    from django.urls import set_script_prefix

    from enfants.planning import url_objet

    for pk in (1, 42, 123456):
        assert url_objet(nom, pk) == reverse(nom, args=[pk])
    set_script_prefix("/portail/")
    try:
        assert url_objet(nom, 7) == reverse(nom, args=[7]) == f"/portail{reverse(nom, args=[7])[8:]}"
    finally:
        set_script_prefix("/")


def test_vue_telephone_le_resume_de_chaque_activite(client_parent, inscription):
    # Trois jours du mois prochain, à partir du 5 : le même mois.
    aujourdhui = timezone.localdate()
    cinq = (aujourdhui.replace(day=1) + datetime.timedelta(days=32)).replace(day=5)
    reserve, en_cours, _libre = jours_ouverts(inscription.activite, apres=(cinq - aujourdhui).days)
    assert reserve.month == en_cours.month
    vue = _vue_telephone(_planning(client_parent, inscription, reserve))
    mois = services.calendrier.mois_libelle(reserve.year, reserve.month).lower()
    assert f"0 jour réservé en {mois}</span>" in vue  # pas « 0 jours réservés »
    ReservationFactory(inscription=inscription, date=reserve)
    ReservationFactory(inscription=inscription, date=en_cours, etat="en_cours")
    vue = _vue_telephone(_planning(client_parent, inscription, reserve))
    assert f"1 jour réservé en {mois}, 1 demande en cours</span>" in vue
