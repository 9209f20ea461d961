"""Les absences ne sont plus un piège : le formulaire dit avant l'envoi qu'une absence hors délai
sera facturée (certificat médical à portée de main), la famille peut retirer une absence encore
dans le délai (ou en attente), et toute absence ou réservation figure dans la Liste des
demandes, même décidée d'office."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from demandes.models import Demande
from demandes.types_planning import MOTIF_FACTUREE
from enfants import services
from enfants.models import Absence, Reservation
from enfants.views_planning import MESSAGE_CONFIRMER_FACTUREE
from tests.aides import jours_ouverts
from tests.factories import (
    AbsenceFactory,
    inscription_de_lea,
)

pytestmark = pytest.mark.django_db

AVERTISSEMENT = "Déclarée aujourd'hui, cette absence sera facturée, sauf certificat médical."
PASSE = datetime.date(2015, 4, 8)  # bien après le délai


def jour_a_venir(activite, apres=20):
    return jours_ouverts(activite, apres=apres, n=1)[0]


@pytest.fixture
def inscription(parent):
    return inscription_de_lea(
        parent.famille, nom="Garderie soir", jours_ouverture="01234", jours_reguliers="01234"
    )


def _url(inscription, **params):
    url = reverse("enfants:absence_declarer", kwargs={"pk": inscription.pk})
    return url + ("?date=" + params["date"].isoformat() if "date" in params else "")


# --- Le formulaire prévient avant l'envoi ---


def test_hors_delai_le_formulaire_le_dit_avant_l_envoi(client_parent, inscription):
    html = client_parent.get(_url(inscription, date=PASSE)).content.decode()
    assert "Délai dépassé pour le mercredi 8 avril 2015" in html
    assert "avant le vendredi 3 avril 2015 à 12 h 00" in html  # J-2 ouvrés (lundi de Pâques)
    assert AVERTISSEMENT in html
    # Le certificat médical se joint là, sans chercher ailleurs.
    assert 'type="file" name="certificat"' in html
    assert 'name="avertissement_vu" value="2015-04-08"' in html
    assert "Déclarer l'absence (facturée sans certificat)" in html


def test_dans_le_delai_le_formulaire_le_dit_aussi(client_parent, inscription):
    jour = jour_a_venir(inscription.activite)
    html = client_parent.get(_url(inscription, date=jour)).content.decode()
    assert "Dans le délai" in html and AVERTISSEMENT not in html
    assert 'name="avertissement_vu" value=' not in html  # rien à confirmer


def test_hors_delai_sans_certificat_rien_n_est_enregistre_sans_avoir_prevenu(client_parent, inscription):
    url = reverse("enfants:absence_declarer", kwargs={"pk": inscription.pk})
    # Le jour choisi dans le formulaire (sans passer par le planning) : pas encore prévenu.
    reponse = client_parent.post(url, {"date": PASSE.isoformat(), "motif": "Malade"})
    assert reponse.status_code == 200
    assert not Absence.objects.exists()
    html = reponse.content.decode()
    assert AVERTISSEMENT in html and escape(MESSAGE_CONFIRMER_FACTUREE) in html
    assert 'value="Malade"' in html  # rien n'est perdu
    assert 'name="avertissement_vu" value="2015-04-08"' in html
    # Prévenu pour un autre jour : toujours rien.
    reponse = client_parent.post(
        url, {"date": PASSE.isoformat(), "motif": "Malade", "avertissement_vu": "2015-04-09"}
    )
    assert reponse.status_code == 200 and not Absence.objects.exists()
    # Confirmé pour ce jour-là : enregistrée, facturée.
    reponse = client_parent.post(
        url, {"date": PASSE.isoformat(), "motif": "Malade", "avertissement_vu": PASSE.isoformat()}
    )
    assert reponse.status_code == 302
    assert Absence.objects.get().etat == Absence.Etat.FACTUREE


def test_hors_delai_avec_certificat_pas_de_confirmation(client_parent, inscription):
    url = reverse("enfants:absence_declarer", kwargs={"pk": inscription.pk})
    reponse = client_parent.post(
        url,
        {
            "date": PASSE.isoformat(),
            "motif": "Malade",
            "certificat": SimpleUploadedFile("c.pdf", b"%PDF-1.4\n"),
        },
    )
    assert reponse.status_code == 302
    assert Absence.objects.get().etat == Absence.Etat.EN_COURS


# --- Retirer une absence : service ---


def _maintenant(jour, jours_avant, heure=10):
    return timezone.make_aware(
        datetime.datetime.combine(jour - datetime.timedelta(days=jours_avant), datetime.time(heure))
    )


def test_annuler_une_absence_excusee_dans_le_delai(inscription):
    inscription.activite.acceptation_automatique = True
    inscription.activite.save()
    jour = datetime.date(2015, 4, 15)  # mercredi ; limite : lundi 13 à 12 h
    absence = services.absence_declarer(
        inscription=inscription, date=jour, motif="Vacances", maintenant=_maintenant(jour, 7)
    )
    assert absence.etat == Absence.Etat.EXCUSEE
    demande = Demande.objects.get(type="absence")
    assert demande.statut == Demande.Statut.ACCEPTEE
    services.absence_annuler(absence=absence, maintenant=_maintenant(jour, 2, heure=11))
    assert not Absence.objects.exists()
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.ANNULEE


def test_annuler_une_absence_excusee_apres_le_delai_refuse(inscription):
    jour = datetime.date(2015, 4, 15)
    absence = AbsenceFactory(inscription=inscription, date=jour, etat="excusee")
    with pytest.raises(ValidationError) as erreur:
        services.absence_annuler(absence=absence, maintenant=_maintenant(jour, 2, heure=13))
    assert erreur.value.messages == [
        services.ABSENCE_DELAI_ANNULATION.format(
            jour="mercredi 15 avril 2015", limite="lundi 13 avril 2015 à 12 h 00"
        )
    ]
    assert Absence.objects.filter(pk=absence.pk).exists()


def test_annuler_une_absence_facturee_refuse(inscription):
    absence = AbsenceFactory(inscription=inscription, date=PASSE, etat="facturee", hors_delai=True)
    with pytest.raises(ValidationError) as erreur:
        services.absence_annuler(absence=absence)
    assert erreur.value.messages == [
        services.ABSENCE_FACTUREE_NON_ANNULABLE.format(jour="mercredi 8 avril 2015")
    ]
    assert Absence.objects.filter(pk=absence.pk).exists()


def test_annuler_une_absence_en_attente_meme_hors_delai(
    inscription, settings, django_capture_on_commit_callbacks
):
    absence = services.absence_declarer(
        inscription=inscription,
        date=PASSE,
        motif="Malade",
        certificat=SimpleUploadedFile("c.pdf", b"%PDF-1.4\n"),
    )
    assert absence.etat == Absence.Etat.EN_COURS
    fichier = settings.FICHIERS_PRIVES_ROOT / absence.certificat.name
    demande = Demande.objects.get(type="absence", statut="en_attente")
    with django_capture_on_commit_callbacks(execute=True):
        services.absence_annuler(absence=absence)
    assert not Absence.objects.exists()
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.ANNULEE  # elle quitte la file de modération
    assert not fichier.exists()


# --- Retirer une absence : page (confirmation en GET, annulation en POST) ---


def test_annuler_depuis_le_planning(client_parent, inscription):
    jour = jour_a_venir(inscription.activite)
    absence = AbsenceFactory(inscription=inscription, date=jour, etat="en_cours")
    url = reverse("enfants:absence_annuler", kwargs={"pk": absence.pk})
    planning = reverse(
        "enfants:planning", kwargs={"pk": inscription.enfant_id, "annee": jour.year, "mois": jour.month}
    )
    # Le menu du jour (et la vue téléphone) offre l'annulation.
    html = client_parent.get(planning).content.decode()
    assert f'data-annuler-absence="{url}"' in html
    assert f'href="{url}">Annuler l\'absence' in html  # vue téléphone
    # GET : une page de confirmation, rien n'est annulé.
    page = client_parent.get(url)
    assert page.status_code == 200 and Absence.objects.filter(pk=absence.pk).exists()
    assert "Annuler l'absence du" in page.content.decode()
    reponse = client_parent.post(url, follow=True)
    assert reponse.redirect_chain[-1][0] == planning
    assert not Absence.objects.filter(pk=absence.pk).exists()
    html = reponse.content.decode()
    assert "annulée" in html and f"{services.calendrier.date_longue(jour)} : Régulier" in html


def test_annuler_une_absence_facturee_la_page_dit_pourquoi(client_parent, inscription):
    absence = AbsenceFactory(inscription=inscription, date=PASSE, etat="facturee", hors_delai=True)
    url = reverse("enfants:absence_annuler", kwargs={"pk": absence.pk})
    html = client_parent.get(url).content.decode()
    assert escape(services.ABSENCE_FACTUREE_NON_ANNULABLE.format(jour="mercredi 8 avril 2015")) in html
    assert 'class="btn btn-danger">Annuler' not in html
    client_parent.post(url)
    assert Absence.objects.filter(pk=absence.pk).exists()
    # Le planning n'offre pas l'annulation d'une absence facturée.
    planning = client_parent.get(
        reverse("enfants:planning", kwargs={"pk": inscription.enfant_id, "annee": 2015, "mois": 4})
    ).content.decode()
    assert url not in planning


def test_annuler_une_absence_isolement_et_csrf(client, inscription, autre_parent, parent):
    absence = AbsenceFactory(
        inscription=inscription, date=jour_a_venir(inscription.activite), etat="en_cours"
    )
    url = reverse("enfants:absence_annuler", kwargs={"pk": absence.pk})
    client.force_login(autre_parent)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    avec_csrf = Client(enforce_csrf_checks=True)
    avec_csrf.force_login(parent)
    assert avec_csrf.post(url).status_code == 403
    assert Absence.objects.filter(pk=absence.pk).exists()


# --- La Liste des demandes : toute absence et toute réservation, même décidée d'office ---


def _liste(client, categorie):
    return client.get(reverse("demandes:liste"), {"cote": "enfants", "categorie": categorie}).content.decode()


def _section(html, ident):
    return html.split(f'id="titre-{ident}"', 1)[1].split("</section>", 1)[0]


def test_reservation_acceptee_d_office_dans_la_liste(client_parent, inscription):
    inscription.jours_reguliers = ""
    inscription.save()
    inscription.activite.acceptation_automatique = True
    inscription.activite.save()
    jour = jour_a_venir(inscription.activite)
    reservation = services.reservation_demander(inscription=inscription, date=jour)
    assert reservation.etat == Reservation.Etat.ACCEPTEE
    html = _section(_liste(client_parent, "Réservations"), "acceptees")
    assert f"Garderie soir — {jour:%d/%m/%Y}" in html
    demande = Demande.objects.get(type="reservation")
    assert (demande.statut, demande.donnees) == (Demande.Statut.ACCEPTEE, {"reservation": reservation.pk})


def test_absences_decidees_d_office_dans_la_liste(client_parent, inscription):
    inscription.activite.acceptation_automatique = True
    inscription.activite.save()
    jour = jour_a_venir(inscription.activite)
    services.absence_declarer(inscription=inscription, date=jour, motif="Vacances en famille")
    services.absence_declarer(inscription=inscription, date=PASSE, motif="Malade")
    html = _liste(client_parent, "Absences")
    acceptees = _section(html, "acceptees")
    assert f"Garderie soir — {jour:%d/%m/%Y} — Absent excusé" in acceptees
    refusees = _section(html, "refusees")
    assert "Garderie soir — 08/04/2015 — Absent facturé" in refusees
    assert escape(MOTIF_FACTUREE) in refusees
    # Rien n'attend un agent : la file de modération n'a rien en attente.
    assert not Demande.objects.filter(statut=Demande.Statut.EN_ATTENTE).exists()


def test_la_liste_d_une_autre_famille_ne_montre_rien(client, inscription, autre_parent):
    inscription.activite.acceptation_automatique = True
    inscription.activite.save()
    services.absence_declarer(
        inscription=inscription, date=jour_a_venir(inscription.activite), motif="Vacances"
    )
    client.force_login(autre_parent)
    assert "Garderie soir" not in _liste(client, "Absences")


def test_formulaire_en_erreur_pas_d_avertissement_pour_un_autre_jour(client_parent, inscription):
    url = _url(inscription, date=PASSE)
    reponse = client_parent.post(url, {"date": "", "motif": ""})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Délai dépassé" not in html and AVERTISSEMENT not in html
    assert "Au-delà, elle est facturée, sauf certificat médical" in html  # la règle, en général
    assert not Absence.objects.exists()
