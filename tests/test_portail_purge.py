"""Purge RGPD : les familles inactives sont anonymisées, la comptabilité reste."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from familles.models import Famille, Responsable, Utilisateur
from portail import purge
from tests.factories import EnfantFactory, famille_avec_parent

pytestmark = pytest.mark.django_db

AUJOURDHUI = datetime.date(2026, 11, 28)
IL_Y_A_5_ANS = timezone.make_aware(datetime.datetime(2021, 6, 1))


def vieillir(parent):
    """Une famille dont toute l'activité date de 2021."""
    Famille.objects.filter(pk=parent.famille_id).update(date_modification=IL_Y_A_5_ANS)
    Utilisateur.objects.filter(pk=parent.pk).update(date_joined=IL_Y_A_5_ANS, last_login=IL_Y_A_5_ANS)


@pytest.fixture
def famille_inactive(db):
    from facturation.models import Facture, Regie

    parent = famille_avec_parent()
    enfant = EnfantFactory(famille=parent.famille, prenom="ZOÉ")
    from enfants.models import DonneesSanitaires, Inscription
    from tests.factories import ActiviteFactory

    DonneesSanitaires.objects.create(enfant=enfant, allergies="Arachide")
    Inscription.objects.create(
        enfant=enfant,
        activite=ActiviteFactory(),
        date_debut=datetime.date(2019, 9, 1),
        date_fin=datetime.date(2021, 7, 5),
    )
    regie = Regie.objects.first() or Regie.objects.create(nom="Régie test", code="TE")
    Facture.objects.create(
        famille=parent.famille,
        regie=regie,
        numero="TE-1",
        date_facture=datetime.date(2021, 6, 30),
        date_echeance=datetime.date(2021, 7, 31),
        periode_debut=datetime.date(2021, 6, 1),
        periode_fin=datetime.date(2021, 6, 30),
        montant=Decimal("12.50"),
    )
    vieillir(parent)
    return parent


def test_famille_inactive_anonymisee_factures_conservees(famille_inactive):
    active = famille_avec_parent()
    limite = purge.date_limite(aujourdhui=AUJOURDHUI)
    assert list(purge.familles_inactives(limite=limite)) == [famille_inactive.famille]
    purge.familles_purger(limite=limite, simulation=False)
    famille = Famille.objects.get(pk=famille_inactive.famille_id)
    responsable = Responsable.objects.get(famille=famille)
    assert responsable.nom == purge.NOM_ANONYME and responsable.email == ""
    enfant = famille.enfants.get()
    assert enfant.prenom == "ENFANT"
    from enfants.models import DonneesSanitaires

    assert not DonneesSanitaires.objects.filter(enfant=enfant).exists()
    compte = Utilisateur.objects.get(pk=famille_inactive.pk)
    assert not compte.is_active and not compte.has_usable_password()
    assert famille.factures.count() == 1
    active.refresh_from_db()
    assert Responsable.objects.get(famille=active.famille).nom != purge.NOM_ANONYME


def test_inscription_recente_empeche_la_purge(famille_inactive):
    from enfants.models import Inscription

    Inscription.objects.filter(enfant__famille=famille_inactive.famille).update(
        date_fin=datetime.date(2025, 7, 5)
    )
    limite = purge.date_limite(aujourdhui=AUJOURDHUI)
    assert not purge.familles_inactives(limite=limite).exists()


def test_connexion_recente_empeche_la_purge(famille_inactive):
    Utilisateur.objects.filter(pk=famille_inactive.pk).update(last_login=timezone.now())
    assert not purge.familles_inactives(limite=purge.date_limite(aujourdhui=AUJOURDHUI)).exists()


def test_commande_dry_run_n_ecrit_rien(famille_inactive, capsys, settings):
    settings.PURGE_ANNEES_INACTIVITE = 3
    call_command("purger_familles", "--dry-run")
    sortie = capsys.readouterr().out
    assert famille_inactive.famille.numero in sortie and "seraient anonymisées" in sortie
    assert "Seraient effacés : 1 fiches d'enfant anonymisées" in sortie and "1 comptes désactivés" in sortie
    assert Responsable.objects.get(famille=famille_inactive.famille).nom != purge.NOM_ANONYME
    call_command("purger_familles")
    assert Responsable.objects.get(famille=famille_inactive.famille).nom == purge.NOM_ANONYME
    capsys.readouterr()
    call_command("purger_familles")
    assert ": 0 anonymisées." in capsys.readouterr().out


def test_echec_au_milieu_ne_laisse_rien_a_moitie(famille_inactive, monkeypatch):
    """Une erreur injectée au milieu de l'anonymisation : rien n'est écrit."""
    from messagerie import models as messagerie_models

    def panne(*args, **kwargs):
        raise RuntimeError("panne injectée")

    monkeypatch.setattr(messagerie_models.Notification.objects, "filter", panne)
    with pytest.raises(RuntimeError):
        purge.famille_anonymiser(famille=famille_inactive.famille)
    assert Responsable.objects.get(famille=famille_inactive.famille).nom != purge.NOM_ANONYME
    assert famille_inactive.famille.enfants.get().prenom == "ZOÉ"


def test_les_traces_de_connexion_de_plus_d_un_an_sont_effacees():
    from axes.models import AccessAttempt

    def tentative(username, ip_address):
        return AccessAttempt.objects.create(
            username=username,
            ip_address=ip_address,
            user_agent="t",
            failures_since_start=1,
            get_data="",
            post_data="",
            http_accept="",
            path_info="/connexion/",
        )

    vieille = tentative("x", "10.0.0.1")
    AccessAttempt.objects.filter(pk=vieille.pk).update(
        attempt_time=timezone.now() - datetime.timedelta(days=400)
    )
    recente = tentative("y", "10.0.0.2")
    assert purge.traces_de_connexion_purger() == 1
    assert list(AccessAttempt.objects.all()) == [recente]


def test_chaque_modele_relie_a_une_famille_est_couvert_par_une_anonymisation():
    """Un nouveau modèle relié à une famille (découvert comme par l'export) doit dire ce que
    l'anonymisation en fait, dans les services de son application."""
    relies = {m._meta.label for m in purge.modeles_de_famille()}
    couverts = {m._meta.label for m in purge.COUVERTURE}
    assert "commun.Audit" in relies and "messagerie.PieceJointe" in relies
    assert relies - couverts == set(), "modèles reliés à une famille sans anonymisation déclarée"
    assert couverts - relies == set()


def _piece_jointe(famille):
    from tests.factories import FilFactory, MessageFactory, PieceJointeFactory

    piece = PieceJointeFactory(message=MessageFactory(fil=FilFactory(famille=famille)))
    return piece.fichier.storage, piece.fichier.name


def test_les_fichiers_ne_sont_supprimes_qu_apres_validation(
    famille_inactive, django_capture_on_commit_callbacks
):
    stockage, nom = _piece_jointe(famille_inactive.famille)
    with django_capture_on_commit_callbacks() as rappels:
        purge.famille_anonymiser(famille=famille_inactive.famille)
        assert stockage.exists(nom), "fichier supprimé avant la validation de la transaction"
    assert len(rappels) == 1
    for rappel in rappels:
        rappel()
    assert not stockage.exists(nom)


def test_une_anonymisation_annulee_garde_les_fichiers(famille_inactive, monkeypatch):
    from django.db import transaction

    from messagerie import models as messagerie_models

    stockage, nom = _piece_jointe(famille_inactive.famille)

    def panne(*args, **kwargs):
        raise RuntimeError("panne injectée")

    monkeypatch.setattr(messagerie_models.Notification.objects, "filter", panne)
    with pytest.raises(RuntimeError), transaction.atomic():
        purge.famille_anonymiser(famille=famille_inactive.famille)
    assert stockage.exists(nom)
    assert messagerie_models.PieceJointe.objects.filter(fichier=nom).exists()


def test_la_simulation_execute_le_meme_code_et_annule(famille_inactive, django_capture_on_commit_callbacks):
    stockage, nom = _piece_jointe(famille_inactive.famille)
    limite = purge.date_limite(aujourdhui=AUJOURDHUI)
    with django_capture_on_commit_callbacks(execute=True):
        rapport = purge.familles_purger(limite=limite, simulation=True)
    # Le rapport compte ce qui serait effacé : le même code a tourné…
    assert rapport.familles == [famille_inactive.famille.numero]
    assert (rapport.enfants, rapport.comptes) == (1, 1) and rapport.messages >= 3
    # … puis tout a été annulé.
    assert Responsable.objects.get(famille=famille_inactive.famille).nom != purge.NOM_ANONYME
    assert famille_inactive.famille.enfants.get().prenom == "ZOÉ"
    assert stockage.exists(nom)
    with django_capture_on_commit_callbacks(execute=True):
        purge.familles_purger(limite=limite, simulation=False)
    assert famille_inactive.famille.enfants.get().prenom == "ENFANT"
    assert not stockage.exists(nom)


def test_le_mandat_sepa_garde_sa_rum_et_perd_les_coordonnees(famille_inactive):
    from facturation.models import EvenementMandat, Mandat

    mandat = Mandat.objects.create(
        famille=famille_inactive.famille,
        rum="PF-1-001",
        ics="FR72ZZZ123456",
        titulaire="DUPONT JEAN",
        adresse="12 RUE DES BONBONS 28300 LÈVES",
        iban="FR1420041010050500013M02606",
        bic="PSSTFRPP",
        date_signature=datetime.date(2020, 1, 6),
    )
    EvenementMandat.objects.create(
        mandat=mandat,
        nature="amendement",
        date=datetime.date(2020, 3, 2),
        iban_precedent="FR7630006000011234567890189",
        bic_precedent="AGRIFRPP",
    )
    purge.familles_purger(limite=purge.date_limite(aujourdhui=AUJOURDHUI), simulation=False)
    mandat.refresh_from_db()
    assert (mandat.rum, mandat.date_signature) == ("PF-1-001", datetime.date(2020, 1, 6))
    assert (mandat.titulaire, mandat.adresse, mandat.iban, mandat.bic) == (purge.NOM_ANONYME, "", "", "")
    evenement = mandat.evenements.get()
    assert (evenement.iban_precedent, evenement.bic_precedent) == ("", "")
