"""Pages du planning : l'agenda du mois, les formulaires de demande, le flux iCal, le pointage."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from icalendar import Calendar

from enfants import services
from enfants.forms import CERTIFICAT_TROP_GROS, CERTIFICAT_TYPE, CERTIFICAT_VIDE, certificat_valider
from enfants.models import Absence, FluxCalendrier, Presence, Reservation
from tests.factories import (
    AbsenceFactory,
    ActiviteFactory,
    EnfantFactory,
    InscriptionFactory,
    ReservationFactory,
    inscription_de_lea,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def inscription(parent):
    return inscription_de_lea(
        parent.famille,
        nom="ALSH Mercredi après-midi",
        jours_ouverture="2",
        structure__nom="Accueil de Loisirs",
    )


def url_planning(inscription, annee=2015, mois=4):
    return reverse("enfants:planning", kwargs={"pk": inscription.enfant_id, "annee": annee, "mois": mois})


def test_agenda_du_mois(client_parent, inscription, parent):
    ReservationFactory(inscription=inscription, date=datetime.date(2015, 4, 8))
    reponse = client_parent.get(url_planning(inscription))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Agenda de LÉA DUPONT — Avril 2015" in html
    for texte in (
        "Me 01",
        "Je 02",
        "Lu 06",
        "Je 30",
        "Inscriptions en cours",
        "Légende",
        "Absence en cours de traitement",
        "Petites vacances",
        "Grandes vacances",
        "Jour férié",
        "Accueil de Loisirs",
        "ALSH Mercredi après-midi",
        "mercredi 8 avril 2015 : Réservé",
        "lundi 6 avril 2015 : Jour férié (Lundi de Pâques)",
        "Indique que votre enfant était présent sur la journée que vous aviez réservée.",
    ):
        assert texte in html, texte
    responsable = parent.famille.responsable_principal
    assert f"{responsable.nom.upper()} {responsable.prenom.upper()}" in html
    # Le jour réservé mène à la déclaration d'absence ; un jour libre passé n'offre plus rien.
    absence = reverse("enfants:absence_declarer", kwargs={"pk": inscription.pk})
    reserver = reverse("enfants:reservation_demander", kwargs={"pk": inscription.pk})
    assert f'href="{absence}?date=2015-04-08"' in html
    assert f"{reserver}?date=2015-04-15" not in html
    assert "mercredi 15 avril 2015 : Non réservé" in html
    assert url_planning(inscription, 2015, 3) in html and url_planning(inscription, 2015, 5) in html
    assert 'src="/static/js/planning.js"' in html


def test_planning_courant_redirige_vers_le_mois(client_parent, inscription):
    reponse = client_parent.get(reverse("enfants:planning_courant", kwargs={"pk": inscription.enfant_id}))
    aujourdhui = timezone.localdate()
    assert reponse["Location"] == url_planning(inscription, aujourdhui.year, aujourdhui.month)


def test_mois_impossible_404(client_parent, inscription):
    assert client_parent.get(url_planning(inscription, 2015, 13)).status_code == 404
    assert client_parent.get(url_planning(inscription, 1, 1)).status_code == 404


def test_isolement_autre_famille(client, inscription, autre_parent):
    client.force_login(autre_parent)
    assert client.get(url_planning(inscription)).status_code == 404
    for nom in ("reservation_demander", "absence_declarer", "periode_reserver"):
        url = reverse(f"enfants:{nom}", kwargs={"pk": inscription.pk})
        assert client.get(url).status_code == 404
        assert client.post(url, {"date": "2015-04-15", "motif": "x"}).status_code == 404
    url = reverse("enfants:flux_renouveler", kwargs={"pk": inscription.enfant_id})
    assert client.post(url).status_code == 404
    assert not Reservation.objects.exists() and not FluxCalendrier.objects.exists()


def _compter(client, url, *, planning_seul=False):
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    if planning_seul:
        return sum('"enfants_' in q["sql"] for q in requetes.captured_queries)
    return len(requetes)


def test_budget_de_requetes_constant(client_parent, parent):
    petit = InscriptionFactory(enfant=EnfantFactory(famille=parent.famille))
    ReservationFactory(inscription=petit, date=datetime.date(2015, 4, 8))
    un = _compter(client_parent, url_planning(petit))
    # 3 enfants × 4 inscriptions, réservations, absences et présences sur tout le mois.
    for _ in range(3):
        enfant = EnfantFactory(famille=parent.famille)
        for _ in range(4):
            i = InscriptionFactory(enfant=enfant, jours_reguliers="0134")
            for jour in range(1, 31, 3):
                ReservationFactory(inscription=i, date=datetime.date(2015, 4, jour))
            AbsenceFactory(inscription=i, date=datetime.date(2015, 4, 2))
    comptes = {
        _compter(client_parent, url_planning(i))
        for i in InscriptionFactory._meta.model.objects.filter(enfant__famille=parent.famille)
    }
    assert comptes == {un}, (un, comptes)
    # Enfant, inscriptions, réservations, absences, présences, fermetures, flux, en cours.
    assert _compter(client_parent, url_planning(petit), planning_seul=True) <= 8


def test_reserver_un_jour(client_parent, inscription):
    url = reverse("enfants:reservation_demander", kwargs={"pk": inscription.pk})
    jour = timezone.localdate() + datetime.timedelta(days=14)
    while (
        jour.weekday() != 2
        or services.jour_ferme_raison(activite=inscription.activite, jour=jour) is not None
    ):
        jour += datetime.timedelta(days=1)
    page = client_parent.get(url, {"date": jour.isoformat()})
    assert f'value="{jour.isoformat()}"' in page.content.decode()
    reponse = client_parent.post(url, {"date": jour.isoformat()}, follow=True)
    assert reponse.redirect_chain[-1][0] == url_planning(inscription, jour.year, jour.month)
    assert "en cours de traitement" in reponse.content.decode()
    assert Reservation.objects.get().etat == Reservation.Etat.EN_COURS


def test_reserver_un_jour_ferme_reaffiche_la_raison(client_parent, inscription):
    url = reverse("enfants:reservation_demander", kwargs={"pk": inscription.pk})
    reponse = client_parent.post(url, {"date": "2015-04-16"})
    assert reponse.status_code == 200
    assert escape(services.PAS_OUVERT.format(jour="jeudi 16 avril 2015")) in reponse.content.decode()
    assert not Reservation.objects.exists()
    reponse = client_parent.post(url, {"date": "2015-02-30"})
    assert reponse.status_code == 200 and not Reservation.objects.exists()


def _absence(client, inscription, **donnees):
    url = reverse("enfants:absence_declarer", kwargs={"pk": inscription.pk})
    return client.post(url, {"date": "2015-04-08", "motif": "Malade", **donnees})


@pytest.fixture
def reservee(inscription):
    ReservationFactory(inscription=inscription, date=datetime.date(2015, 4, 8))
    return inscription


@pytest.mark.parametrize(
    ("nom", "contenu"),
    [
        ("ordonnance-docteur.pdf", b"%PDF-1.7\n1 0 obj\n"),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
        ("scan.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ],
)
def test_absence_avec_certificat_valide(client_parent, reservee, settings, nom, contenu):
    reponse = _absence(client_parent, reservee, certificat=SimpleUploadedFile(nom, contenu))
    assert reponse.status_code == 302
    absence = Absence.objects.get()
    # 8 avril 2015 : déclarée bien après le délai, le certificat la laisse à examiner.
    assert absence.etat == Absence.Etat.EN_COURS and absence.hors_delai
    stocke = settings.FICHIERS_PRIVES_ROOT / absence.certificat.name
    assert stocke.read_bytes() == contenu
    assert absence.certificat.name.startswith("certificats/")
    assert nom not in absence.certificat.name  # le nom envoyé n'est pas réutilisé


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00executable", CERTIFICAT_TYPE),
        ("page.png", b"<html><script>", CERTIFICAT_TYPE),
        ("vide.pdf", b"", "Le fichier soumis est vide."),
        ("gros.pdf", b"%PDF-1.4\n" + b"0" * 2048, CERTIFICAT_TROP_GROS.format(taille=1)),
    ],
)
def test_absence_certificat_refuse(client_parent, reservee, settings, nom, contenu, message):
    settings.CERTIFICAT_TAILLE_MAX = 1024
    reponse = _absence(client_parent, reservee, certificat=SimpleUploadedFile(nom, contenu))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert escape(message) in html
    assert 'value="Malade"' in html  # rien n'est perdu
    assert not Absence.objects.exists()
    assert not (settings.FICHIERS_PRIVES_ROOT / "certificats").exists()


def test_certificat_vide_refuse_par_le_validateur():
    with pytest.raises(ValidationError) as erreur:
        certificat_valider(SimpleUploadedFile("vide.pdf", b""))
    assert erreur.value.messages == [CERTIFICAT_VIDE]


def test_absence_sans_certificat_hors_delai_facturee(client_parent, reservee):
    # L'avertissement a été affiché pour ce jour-là (formulaire ouvert depuis le planning).
    reponse = _absence(client_parent, reservee, avertissement_vu="2015-04-08")
    assert reponse.status_code == 302
    assert Absence.objects.get().etat == Absence.Etat.FACTUREE
    page = client_parent.get(url_planning(reservee))
    assert "mercredi 8 avril 2015 : Absent facturé" in page.content.decode()


def test_reserver_une_periode(client_parent, inscription, settings):
    settings.ZONE_VACANCES_SCOLAIRES = "B"
    inscription.activite.horizon_reservation = 400
    inscription.activite.save()
    url = reverse("enfants:periode_reserver", kwargs={"pk": inscription.pk})
    # Par défaut : jusqu'à la veille des prochaines vacances, le jour de la semaine choisi.
    page = client_parent.get(url, {"date": "2015-04-01"}).content.decode()
    assert 'value="2015-04-24"' in page
    debut = timezone.localdate() + datetime.timedelta(days=7)
    fin = debut + datetime.timedelta(days=27)
    reponse = client_parent.post(
        url, {"date_debut": debut.isoformat(), "date_fin": fin.isoformat(), "jours": ["2"]}
    )
    assert reponse.status_code == 302
    dates = list(Reservation.objects.values_list("date", flat=True))
    assert dates and all(d.weekday() == 2 and debut <= d <= fin for d in dates)
    attendus = [debut + datetime.timedelta(days=n) for n in range(28)]
    attendus = [
        d
        for d in attendus
        if d.weekday() == 2 and services.jour_ferme_raison(activite=inscription.activite, jour=d) is None
    ]
    assert sorted(dates) == attendus


def test_periode_invalide_reaffichee(client_parent, inscription):
    url = reverse("enfants:periode_reserver", kwargs={"pk": inscription.pk})
    reponse = client_parent.post(url, {"date_debut": "2015-04-20", "date_fin": "2015-04-01", "jours": ["2"]})
    assert reponse.status_code == 200
    assert "La date de fin doit suivre la date de début." in reponse.content.decode()
    assert not Reservation.objects.exists()


# --- Flux iCalendar ---


def _ical(client, jeton):
    return client.get(reverse("ical:flux", kwargs={"jeton": jeton}))


def test_flux_ical_contenu_et_revocation(client_parent, client, parent):
    enfant = EnfantFactory(famille=parent.famille, prenom="LÉA", nom="DUPONT")
    activite = ActiviteFactory(
        nom="Garderie soir", jours_ouverture="0123456", structure__nom="Garderie périscolaire"
    )
    inscription = InscriptionFactory(enfant=enfant, activite=activite)
    demain = timezone.localdate() + datetime.timedelta(days=1)
    apres = demain + datetime.timedelta(days=1)
    ReservationFactory(inscription=inscription, date=demain)
    ReservationFactory(inscription=inscription, date=apres, etat="en_cours")
    ReservationFactory(inscription=inscription, date=apres + datetime.timedelta(days=1), etat="refusee")
    renouveler = reverse("enfants:flux_renouveler", kwargs={"pk": enfant.pk})
    page = client_parent.post(renouveler, follow=True).content.decode()
    jeton = FluxCalendrier.objects.get(enfant=enfant).jeton
    assert reverse("ical:flux", kwargs={"jeton": jeton}) in page

    reponse = _ical(client, jeton)  # sans connexion
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(reponse.content)
    assert str(cal["X-WR-CALNAME"]) == "Planning de LÉA DUPONT"
    evenements = {e.decoded("dtstart"): str(e["summary"]) for e in cal.walk("VEVENT")}
    assert evenements[demain] == "Garderie soir — Réservé"
    assert evenements[apres] == "Garderie soir — Réservation en cours de traitement"
    assert apres + datetime.timedelta(days=1) not in evenements
    assert {str(e["location"]) for e in cal.walk("VEVENT")} == {"Garderie périscolaire"}

    client_parent.post(renouveler)
    nouveau = FluxCalendrier.objects.get(enfant=enfant).jeton
    assert nouveau != jeton
    assert _ical(client, jeton).status_code == 404
    assert _ical(client, nouveau).status_code == 200
    assert _ical(client, "inconnu").status_code == 404


def test_renouveler_exige_post(client_parent, inscription):
    url = reverse("enfants:flux_renouveler", kwargs={"pk": inscription.enfant_id})
    assert client_parent.get(url).status_code == 405


# --- Agents : pointage et décisions dans l'administration ---


def test_pointage_dans_l_administration(client, agent):
    activite = ActiviteFactory(nom="Garderie matin", jours_ouverture="2", capacite=20)
    attendue = InscriptionFactory(
        activite=activite, jours_reguliers="2", enfant__nom="MARTIN", enfant__prenom="Zoé"
    )
    reservee = InscriptionFactory(activite=activite)
    ReservationFactory(inscription=reservee, date=datetime.date(2015, 4, 15))
    client.force_login(agent)
    url = reverse("admin:enfants_activite_pointage", args=[activite.pk])
    reponse = client.get(url, {"date": "2015-04-15"})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "MARTIN Zoé" in html
    assert "Enfants inscrits le mercredi 15 avril 2015 (2) : 2 attendus, 0 absence déclarée" in html
    assert "<strong>2 / 20</strong>" in html
    reponse = client.post(f"{url}?date=2015-04-15", {"presents": [str(reservee.pk)]})
    assert reponse.status_code == 302
    assert dict(Presence.objects.values_list("inscription_id", "present")) == {
        attendue.pk: False,
        reservee.pk: True,
    }


def test_pointage_refuse_sans_permission(client):
    from tests.factories import UtilisateurFactory

    client.force_login(UtilisateurFactory(is_staff=True))
    url = reverse("admin:enfants_activite_pointage", args=[ActiviteFactory().pk])
    assert client.get(url).status_code == 403


def test_demandes_du_planning_dans_la_file_de_moderation(client, parent, agent, inscription):
    """Une réservation et une absence en cours de traitement sont des demandes de la file ;
    accepter ou refuser la demande décide la réservation ou l'absence du planning."""
    from demandes import services as demandes_services
    from demandes.models import Demande

    maintenant = timezone.make_aware(datetime.datetime(2015, 4, 1, 10))
    r1 = services.reservation_demander(
        inscription=inscription, date=datetime.date(2015, 4, 15), maintenant=maintenant
    )
    r2 = services.reservation_demander(
        inscription=inscription, date=datetime.date(2015, 4, 22), maintenant=maintenant
    )
    ReservationFactory(inscription=inscription, date=datetime.date(2015, 4, 8))
    absence = services.absence_declarer(
        inscription=inscription, date=datetime.date(2015, 4, 8), motif="Malade", maintenant=maintenant
    )
    demandes = {
        (d.type, d.donnees.get("reservation") or d.donnees.get("absence")): d for d in Demande.objects.all()
    }
    assert set(demandes) == {("reservation", r1.pk), ("reservation", r2.pk), ("absence", absence.pk)}
    assert all(d.enfant == inscription.enfant and d.statut == "en_attente" for d in demandes.values())

    client.force_login(agent)
    reponse = client.post(
        reverse("admin:demandes_demande_accepter", args=[demandes[("reservation", r1.pk)].pk])
    )
    assert reponse.status_code == 302
    demandes_services.demande_refuser(
        demande=demandes[("reservation", r2.pk)], agent=agent, motif="Groupe complet"
    )
    demandes_services.demande_accepter(demande=demandes[("absence", absence.pk)], agent=agent)
    r1.refresh_from_db()
    r2.refresh_from_db()
    absence.refresh_from_db()
    assert r1.etat == Reservation.Etat.ACCEPTEE and r1.decidee_par == agent
    assert (r2.etat, r2.motif_refus) == (Reservation.Etat.REFUSEE, "Groupe complet")
    assert absence.etat == Absence.Etat.EXCUSEE
    client.force_login(parent)
    html = client.get(url_planning(inscription)).content.decode()
    assert "mercredi 15 avril 2015 : Réservé" in html
    assert "mercredi 22 avril 2015 : Réservation refusée — motif : Groupe complet" in html
    assert "mercredi 8 avril 2015 : Absent excusé" in html
    # Liste des demandes du parent : catégories Réservations et Absences.
    from demandes import registre

    assert {"Réservations", "Absences"} <= set(registre.categories("enfants"))


def test_accepter_une_demande_sur_un_jour_complet_est_refuse_clairement(agent, inscription):
    from demandes import services as demandes_services
    from demandes.models import Demande

    inscription.activite.capacite = 1
    inscription.activite.save()
    maintenant = timezone.make_aware(datetime.datetime(2015, 4, 1, 10))
    jour = datetime.date(2015, 4, 15)
    services.reservation_demander(inscription=inscription, date=jour, maintenant=maintenant)
    ReservationFactory(inscription=InscriptionFactory(activite=inscription.activite), date=jour)
    demande = Demande.objects.get()
    with pytest.raises(demandes_services.DemandeErreur) as erreur:
        demandes_services.demande_accepter(demande=demande, agent=agent)
    assert "complète" in str(erreur.value)
    demande.refresh_from_db()
    assert demande.statut == "en_attente"


def test_reservation_refusee_visible_dans_l_agenda(client_parent, inscription):
    ReservationFactory(
        inscription=inscription, date=datetime.date(2015, 4, 22), etat="refusee", motif_refus="Groupe complet"
    )
    html = client_parent.get(url_planning(inscription)).content.decode()
    assert "mercredi 22 avril 2015 : Réservation refusée — motif : Groupe complet" in html


def test_le_groupe_ccas_a_les_droits_du_planning():
    from django.contrib.auth.models import Group

    codes = set(Group.objects.get(name="CCAS").permissions.values_list("codename", flat=True))
    for modele in ("fermeture", "inscription", "reservation", "absence", "presence"):
        assert {f"view_{modele}", f"change_{modele}", f"add_{modele}"} <= codes
    assert "view_fluxcalendrier" in codes


@pytest.mark.parametrize(
    "nom",
    [
        "enfants_activite",
        "enfants_fermeture",
        "enfants_inscription",
        "enfants_reservation",
        "enfants_absence",
        "enfants_presence",
    ],
)
def test_pages_d_administration_du_planning(client, agent, inscription, nom):
    ReservationFactory(inscription=inscription, date=datetime.date(2015, 4, 15), etat="en_cours")
    AbsenceFactory(inscription=inscription, date=datetime.date(2015, 4, 8), etat="en_cours")
    client.force_login(agent)
    assert client.get(reverse(f"admin:{nom}_changelist")).status_code == 200


def test_liste_des_demandes_montre_reservations_et_absences(client_parent, inscription):
    maintenant = timezone.make_aware(datetime.datetime(2015, 4, 1, 10))
    services.reservation_demander(
        inscription=inscription, date=datetime.date(2015, 4, 15), maintenant=maintenant
    )
    reponse = client_parent.get(reverse("demandes:liste"), {"cote": "enfants"})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Réservations" in html and "Absences" in html
    assert "ALSH Mercredi après-midi — 15/04/2015" in html


def test_annuler_la_demande_libere_la_reservation(client_parent, inscription, parent):
    from demandes.models import Demande

    maintenant = timezone.make_aware(datetime.datetime(2015, 4, 1, 10))
    reservation = services.reservation_demander(
        inscription=inscription, date=datetime.date(2015, 4, 15), maintenant=maintenant
    )
    ReservationFactory(inscription=inscription, date=datetime.date(2015, 4, 8))
    absence = services.absence_declarer(
        inscription=inscription,
        date=datetime.date(2015, 4, 8),
        motif="Malade",
        maintenant=maintenant,
        certificat=SimpleUploadedFile("c.pdf", b"%PDF-1.4\n"),
    )
    for demande in Demande.objects.all():
        reponse = client_parent.post(reverse("demandes:annuler", args=[demande.pk]))
        assert reponse.status_code == 302
    reservation.refresh_from_db()
    assert reservation.etat == Reservation.Etat.ANNULEE
    assert not Absence.objects.filter(pk=absence.pk).exists()
    html = client_parent.get(url_planning(inscription)).content.decode()
    assert "mercredi 15 avril 2015 : Non réservé" in html  # libre, plus temps de réserver
    assert "mercredi 8 avril 2015 : Réservé" in html


def test_la_liste_et_la_fiche_menent_au_planning(client_parent, inscription):
    planning = reverse("enfants:planning_courant", kwargs={"pk": inscription.enfant_id})
    assert planning in client_parent.get(reverse("enfants:liste")).content.decode()
    fiche = client_parent.get(reverse("enfants:fiche", kwargs={"pk": inscription.enfant_id}))
    assert planning in fiche.content.decode()


def test_certificat_medical_telechargeable_par_un_agent_habilite_seulement(client):
    """Le certificat d'une absence (donnée de santé) : les agents qui voient les absences ET les
    données sanitaires le téléchargent ; les autres reçoivent 403."""
    from django.contrib.auth.models import Permission
    from django.core.files.base import ContentFile

    from tests.factories import CONTENU_PDF, AbsenceFactory, agent_ccas

    absence = AbsenceFactory()
    absence.certificat.save("certificat.pdf", ContentFile(CONTENU_PDF))
    url = reverse("admin:enfants_absence_certificat", args=[absence.pk])
    agent = agent_ccas()
    client.force_login(agent)
    assert client.get(url).status_code == 403
    fiche = client.get(reverse("admin:enfants_absence_change", args=[absence.pk]))
    assert "Télécharger le certificat" in fiche.content.decode()
    agent.user_permissions.add(Permission.objects.get(codename="voir_donnees_sanitaires"))
    client.force_login(agent)
    reponse = client.get(url)
    assert reponse.status_code == 200
    assert reponse["Content-Disposition"].startswith("attachment;")
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert b"".join(reponse.streaming_content) == CONTENU_PDF
