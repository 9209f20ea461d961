"""Fermeture exceptionnelle (issue 21) : l'aperçu compte ce qui est fait, les jours deviennent
« Fermeture », les réservations sont annulées et marquées dans l'export, chaque famille touchée
est prévenue (message avec ses enfants ; courriel et SMS sans détail)."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from enfants import calendrier
from enfants.models import Fermeture, Reservation
from enfants.planning import activite_ouverte
from enfants.services.fermetures import FERMETURE_PASSEE, FermetureErreur
from facturation.exportation import consommations
from familles.models import PreferenceNotification, Responsable
from messagerie import fermetures
from messagerie.models import Message, Notification
from messagerie.sms import ConsoleSMS
from tests.factories import (
    ActiviteFactory,
    EnfantFactory,
    InscriptionFactory,
    RegieFactory,
    ReservationFactory,
    ResponsableFactory,
    StructureFactory,
    agent_ccas,
    famille_avec_parent,
)

pytestmark = pytest.mark.django_db


def _jours_ouvres(activite, nombre: int, *, apres: int = 7) -> list[datetime.date]:
    """Les `nombre` prochains jours où l'activité accueille, à partir de dans `apres` jours."""
    jour = timezone.localdate() + datetime.timedelta(days=apres)
    fin = jour + datetime.timedelta(days=90)
    feries, vacances = calendrier.feries(jour, fin), calendrier.vacances(jour, fin)
    jours = []
    while len(jours) < nombre:
        if jour not in feries and activite_ouverte(activite, jour, vacances):
            jours.append(jour)
        jour += datetime.timedelta(days=1)
    return jours


@pytest.fixture
def ecole():
    """Une structure, deux activités ; trois familles touchées, une qui ne l'est pas."""
    structure = StructureFactory(nom="Accueil de loisirs Les Lutins")
    matin, soir = ActiviteFactory(structure=structure), ActiviteFactory(structure=structure)
    jour, lendemain = _jours_ouvres(matin, 2)
    parents = [famille_avec_parent() for _ in range(4)]
    lea = EnfantFactory(famille=parents[0].famille, prenom="LÉA")
    tom = EnfantFactory(famille=parents[0].famille, prenom="TOM")
    zoe = EnfantFactory(famille=parents[1].famille, prenom="ZOÉ")
    max_ = EnfantFactory(famille=parents[2].famille, prenom="MAX")
    loin = EnfantFactory(famille=parents[3].famille, prenom="ANA")
    ReservationFactory(inscription=InscriptionFactory(enfant=lea, activite=matin), date=jour)
    ReservationFactory(
        inscription=InscriptionFactory(enfant=tom, activite=soir), date=lendemain, etat="en_attente"
    )
    # Zoé vient chaque jour de la semaine (contrat régulier) ; Max a une réservation refusée.
    InscriptionFactory(enfant=zoe, activite=matin, jours_reguliers="0123456")
    ReservationFactory(inscription=InscriptionFactory(enfant=max_, activite=soir), date=jour, etat="refusee")
    # Ana est inscrite ailleurs.
    ReservationFactory(inscription=InscriptionFactory(enfant=loin), date=jour)
    return {"structure": structure, "jour": jour, "lendemain": lendemain, "parents": parents, "matin": matin}


def _fermer(ecole, **kwargs):
    return fermetures.fermeture_exceptionnelle(
        structure=ecole["structure"],
        date_debut=ecole["jour"],
        date_fin=ecole["lendemain"],
        motif="Grève",
        **kwargs,
    )


def test_l_apercu_compte_ce_que_la_declaration_fait(ecole, django_capture_on_commit_callbacks):
    apercu = fermetures.fermeture_apercu(
        structure=ecole["structure"], date_debut=ecole["jour"], date_fin=ecole["lendemain"]
    )
    assert (apercu.nombre_familles, apercu.nombre_enfants, apercu.reservations) == (2, 3, 2)
    assert not Fermeture.objects.exists()  # l'aperçu n'écrit rien
    with django_capture_on_commit_callbacks(execute=True):
        _fermeture, faites = _fermer(ecole)
    assert (faites.nombre_familles, faites.nombre_enfants, faites.reservations) == (2, 3, 2)
    assert Reservation.objects.filter(etat="annulee", fermeture__isnull=False).count() == apercu.reservations
    assert Message.objects.count() == apercu.nombre_familles
    assert set(Notification.objects.values_list("famille_id", flat=True)) == set(apercu.familles)


def test_les_jours_sont_fermes_et_les_reservations_annulees(ecole):
    fermeture, _ = _fermer(ecole)
    assert fermeture.exceptionnelle and fermeture.structure == ecole["structure"]
    etats = dict(Reservation.objects.values_list("inscription__enfant__prenom", "etat"))
    assert etats == {"LÉA": "annulee", "TOM": "annulee", "MAX": "refusee", "ANA": "acceptee"}
    from enfants.services import jour_ferme_raison

    assert jour_ferme_raison(activite=ecole["matin"], jour=ecole["jour"]) is not None


def test_le_planning_montre_fermeture(ecole, client):
    parent = ecole["parents"][0]
    client.force_login(parent)
    lea = parent.famille.enfants.get(prenom="LÉA")
    jour = ecole["jour"]
    url = reverse("enfants:planning", args=[lea.pk, jour.year, jour.month])
    avant = client.get(url).content.decode().count("Fermeture")  # la légende
    _fermer(ecole)
    apres = client.get(url).content.decode().count("Fermeture")
    # Le jour de Léa (réservation annulée) et, s'il est dans le même mois, le lendemain.
    assert apres >= avant + 1


def test_le_message_liste_les_enfants_le_courriel_et_le_sms_non(ecole, django_capture_on_commit_callbacks):
    famille = ecole["parents"][0].famille
    Responsable.objects.filter(famille=famille).update(autorisation_sms=True, telephone_mobile="0612345678")
    # La fermeture ne se décoche pas.
    PreferenceNotification.objects.create(
        utilisateur=ecole["parents"][0], type="fermeture", canal="courriel", active=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        _fermer(ecole)
    texte = Message.objects.get(fil__famille=famille).texte
    assert "LÉA" in texte and "TOM" in texte and "Grève" in texte and "ne vous seront pas facturées" in texte
    assert len(mail.outbox) == 2 and len(ConsoleSMS.envoyes) == 1
    for courriel in mail.outbox:
        tout = courriel.subject + courriel.body
        assert "LÉA" not in tout and "TOM" not in tout and "ZOÉ" not in tout and "Lutins" not in tout
    numero, sms = ConsoleSMS.envoyes[0]
    assert numero == "+33612345678" and "LÉA" not in sms and "Lutins" not in sms


def test_la_declaration_est_refusee_dans_le_passe(ecole):
    hier = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(FermetureErreur) as erreur:
        fermetures.fermeture_exceptionnelle(structure=ecole["structure"], date_debut=hier, date_fin=hier)
    assert erreur.value.message == FERMETURE_PASSEE
    assert not Fermeture.objects.exists() and not Reservation.objects.filter(etat="annulee").exists()


def test_les_annulations_sont_marquees_dans_l_export(ecole):
    regie = RegieFactory()
    regie.structures.add(ecole["structure"])
    _fermer(ecole)
    lignes = list(consommations.consommations_lignes(regie=regie, du=ecole["jour"], au=ecole["lendemain"]))
    par_enfant = {(ligne.enfant.split()[-1], ligne.date): ligne for ligne in lignes}
    lea = par_enfant[("LÉA", ecole["jour"])]
    assert lea.statut == consommations.ANNULE_FERMETURE and not lea.facturable
    assert par_enfant[("TOM", ecole["lendemain"])].statut == consommations.ANNULE_FERMETURE
    # Le jour régulier de Zoé : marqué lui aussi, jamais facturé.
    assert par_enfant[("ZOÉ", ecole["jour"])].statut == consommations.ANNULE_FERMETURE
    assert not any(ligne.facturable for ligne in lignes)
    rapport = consommations.consommations_exporter(regie=regie, du=ecole["jour"], au=ecole["lendemain"])
    rangees = list(csv.DictReader(io.StringIO(rapport.fichier.decode("utf-8-sig")), delimiter=";"))
    assert {r["statut"] for r in rangees} == {"annule_fermeture"} and {r["facturable"] for r in rangees} == {
        "non"
    }


def test_un_jour_deja_exporte_puis_ferme_part_en_regularisation(ecole):
    regie = RegieFactory()
    regie.structures.add(ecole["structure"])
    jour = ecole["jour"]
    premier = consommations.consommations_exporter(regie=regie, du=jour, au=jour)
    assert b";reserve;oui;" in premier.fichier
    _fermer(ecole)
    suivant = consommations.consommations_exporter(
        regie=regie, du=jour + datetime.timedelta(days=1), au=jour + datetime.timedelta(days=1)
    )
    regularisations = [
        r
        for r in csv.DictReader(io.StringIO(suivant.fichier.decode("utf-8-sig")), delimiter=";")
        if r["regularisation"] == "oui"
    ]
    assert {(r["statut"], r["facturable"]) for r in regularisations} == {("annule_fermeture", "non")}


# --- Administration -----------------------------------------------------------------------------


def _agent_fermetures(ecole):
    agent = agent_ccas()
    agent.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_fermetureexceptionnelle", "view_fermetureexceptionnelle"]
        )
    )
    from messagerie.models import AgentStructure

    AgentStructure.objects.create(structure=ecole["structure"], agent=agent)
    return agent


def test_l_agent_voit_l_apercu_puis_confirme(ecole, client, django_capture_on_commit_callbacks):
    client.force_login(_agent_fermetures(ecole))
    url = reverse("admin:messagerie_fermetureexceptionnelle_add")
    donnees = {
        "structure": ecole["structure"].pk,
        "date_debut": ecole["jour"].isoformat(),
        "date_fin": ecole["lendemain"].isoformat(),
        "motif": "Grève",
    }
    apercu = client.post(url, donnees).content.decode()
    assert "<strong>2</strong> familles prévenues" in apercu and "<strong>3</strong> enfants" in apercu
    assert not Fermeture.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(url, {**donnees, "confirmer": "1"})
    assert reponse.status_code == 302
    assert Fermeture.objects.get().exceptionnelle
    liste = client.get(reverse("admin:messagerie_fermetureexceptionnelle_changelist")).content.decode()
    assert "Accueil de loisirs Les Lutins" in liste


def test_sans_la_permission_pas_de_declaration(ecole, client):
    from tests.factories import UtilisateurFactory

    agent = UtilisateurFactory(is_staff=True, famille=None)
    agent.user_permissions.add(*Permission.objects.filter(codename="view_fermetureexceptionnelle"))
    client.force_login(agent)
    reponse = client.get(reverse("admin:messagerie_fermetureexceptionnelle_add"))
    assert reponse.status_code == 403


def test_un_agent_ne_ferme_que_ses_structures(ecole, client):
    agent = _agent_fermetures(ecole)
    autre = StructureFactory(nom="Crèche")
    client.force_login(agent)
    reponse = client.post(
        reverse("admin:messagerie_fermetureexceptionnelle_add"),
        {
            "structure": autre.pk,
            "date_debut": ecole["jour"].isoformat(),
            "date_fin": ecole["jour"].isoformat(),
        },
    )
    assert reponse.status_code == 200 and "errornote" in reponse.content.decode()
    assert not Fermeture.objects.exists()


def test_une_famille_sans_enfant_concerne_n_est_pas_prevenue(ecole, django_capture_on_commit_callbacks):
    famille = ResponsableFactory().famille
    with django_capture_on_commit_callbacks(execute=True):
        _fermer(ecole)
    assert not Notification.objects.filter(famille=famille).exists()
    assert not Notification.objects.filter(famille=ecole["parents"][3].famille).exists()


def test_fermer_une_seule_activite(ecole, django_capture_on_commit_callbacks):
    """Seule l'activité du matin ferme : Léa (réservée le matin) et Zoé (régulière le matin)
    sont touchées, Tom (le soir) garde sa demande ; le planning et l'export ne ferment que le matin."""
    matin = ecole["matin"]
    apercu = fermetures.fermeture_apercu(
        structure=ecole["structure"], date_debut=ecole["jour"], date_fin=ecole["lendemain"], activite=matin
    )
    assert (apercu.nombre_familles, apercu.nombre_enfants, apercu.reservations) == (2, 2, 1)
    with django_capture_on_commit_callbacks(execute=True):
        fermeture, faites = fermetures.fermeture_exceptionnelle(
            structure=ecole["structure"],
            date_debut=ecole["jour"],
            date_fin=ecole["lendemain"],
            activite=matin,
        )
    assert fermeture.activite == matin and faites.nombre_enfants == apercu.nombre_enfants
    etats = dict(Reservation.objects.values_list("inscription__enfant__prenom", "etat"))
    assert etats["LÉA"] == "annulee" and etats["TOM"] == "en_attente"
    from enfants.models import Activite
    from enfants.services import jour_ferme_raison

    soir = Activite.objects.filter(structure=ecole["structure"]).exclude(pk=matin.pk).get()
    assert jour_ferme_raison(activite=matin, jour=ecole["jour"]) is not None
    assert jour_ferme_raison(activite=soir, jour=ecole["jour"]) is None
    from enfants import selectors

    fermes = selectors.fermetures(
        structure_ids=[ecole["structure"].pk], debut=ecole["jour"], fin=ecole["lendemain"]
    )
    assert Fermeture.jours_de(fermes, matin) == {ecole["jour"], ecole["lendemain"]}
    assert Fermeture.jours_de(fermes, soir) == set()
    regie = RegieFactory()
    regie.structures.add(ecole["structure"])
    statuts = {
        (ligne.enfant.split()[-1], ligne.statut)
        for ligne in consommations.consommations_lignes(regie=regie, du=ecole["jour"], au=ecole["lendemain"])
    }
    assert ("LÉA", "annule_fermeture") in statuts and ("ZOÉ", "annule_fermeture") in statuts
    assert not any(statut == "annule_fermeture" for prenom, statut in statuts if prenom == "TOM")


def test_l_activite_doit_etre_de_la_structure(ecole):
    autre = ActiviteFactory()
    with pytest.raises(FermetureErreur):
        fermetures.fermeture_exceptionnelle(
            structure=ecole["structure"], date_debut=ecole["jour"], date_fin=ecole["jour"], activite=autre
        )
    assert not Fermeture.objects.exists()


def test_l_agent_ferme_une_activite_de_sa_structure(ecole, client, django_capture_on_commit_callbacks):
    client.force_login(_agent_fermetures(ecole))
    url = reverse("admin:messagerie_fermetureexceptionnelle_add")
    donnees = {
        "structure": ecole["structure"].pk,
        "activite": ecole["matin"].pk,
        "date_debut": ecole["jour"].isoformat(),
        "date_fin": ecole["lendemain"].isoformat(),
    }
    apercu = client.post(url, donnees).content.decode()
    assert "<strong>2</strong> enfants" in apercu and "seulement" in apercu
    # Une activité d'une autre structure est refusée par le formulaire.
    autre = ActiviteFactory()
    from messagerie.models import AgentStructure

    AgentStructure.objects.create(structure=autre.structure, agent=_agent_fermetures_courant(client))
    refus = client.post(url, {**donnees, "activite": autre.pk, "confirmer": "1"}).content.decode()
    assert "errornote" in refus and not Fermeture.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**donnees, "confirmer": "1"}).status_code == 302
    assert Fermeture.objects.get().activite == ecole["matin"]


def _agent_fermetures_courant(client):
    from django.contrib.auth import get_user

    return get_user(client)
