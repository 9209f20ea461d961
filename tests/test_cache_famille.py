"""Le cache par famille (commun.cache_famille) et les versions des données tenues par la base
(commun.versions) : chaque écriture, par n'importe quel chemin, rend caduc ce qui est gardé ;
ce qui change avec l'heure n'est pas servi au-delà de son échéance."""

import datetime
import io
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commun import cache_famille, versions
from commun.models import Version
from enfants import selectors
from enfants.models import Campagne
from facturation.models import Facture, LignePaiement, PaiementEnLigne
from familles.models import Famille
from portail.apps import APPLICATIONS_VERSIONNEES, TABLES_SANS_VERSION
from tests import factories
from tests.factories import (
    ActiviteFactory,
    EnfantFactory,
    FactureFactory,
    FilFactory,
    InscriptionFactory,
    MessageFactory,
    PaiementEnLigneFactory,
    ReservationFactory,
    famille_avec_parent,
    inscription_de_lea,
)


def _couverts():
    return versions.modeles_couverts(
        racine=Famille, applications=APPLICATIONS_VERSIONNEES, exclus=TABLES_SANS_VERSION
    )


def _versions() -> dict[int, int]:
    return dict(Version.objects.filter(cle__gte=0).values_list("cle", "valeur"))


def _familles_de(objet, chemins) -> set[int]:
    """Les familles d'une ligne, lues par l'ORM le long de chaque chaîne de clés étrangères."""
    if chemins is None:
        return {objet.pk}
    familles = set()
    for chemin in chemins:
        courant = objet
        for champ in chemin[:-1]:
            courant = getattr(courant, champ.name)
            if courant is None:
                break
        else:
            identifiant = getattr(courant, chemin[-1].attname)
            if identifiant is not None:
                familles.add(identifiant)
    return familles


# --- Les déclencheurs --------------------------------------------------------------------------


@pytest.mark.django_db
def test_chaque_table_du_portail_a_ses_trois_declencheurs():
    couverts = _couverts()
    for modele in couverts:
        table = modele._meta.db_table
        with connection.cursor() as curseur:
            if connection.vendor == "postgresql":
                curseur.execute(
                    "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE c.relname = %s AND t.tgname LIKE 'versions%%'",
                    [table],
                )
            else:
                curseur.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                    "AND name LIKE 'versions%%'",
                    [table],
                )
            assert curseur.fetchone()[0] == 3, table
    # Aucune table des applications n'échappe : couverte, ou exclue nommément.
    from django.apps import apps

    toutes = {
        m._meta.label
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in APPLICATIONS_VERSIONNEES and not m._meta.proxy
    }
    assert toutes - {m._meta.label for m in couverts} == {*TABLES_SANS_VERSION, "commun.Version"}


@pytest.mark.django_db
def test_chaque_ecriture_d_une_table_monte_la_version_de_ses_familles_et_d_elles_seules():
    """Sur les données de démonstration : pour chaque table qui a des lignes, une mise à jour
    (`QuerySet.update`, sans aucun code de l'application) monte la version de chaque famille
    que la ligne atteint par ses clés étrangères, la ligne commune s'il le faut, rien d'autre."""
    call_command("demo", "--force", verbosity=0, stdout=io.StringIO())
    couverts = _couverts()
    essayees = set()
    for modele, chemins in couverts.items():
        objet = modele._base_manager.order_by("pk").first()
        if objet is None:
            continue
        essayees.add(modele._meta.label)
        familles = _familles_de(objet, chemins)
        commune = chemins is not None and versions.monte_la_commune(chemins)
        avant = _versions()
        champ = next((f for f in modele._meta.concrete_fields if not f.primary_key), modele._meta.pk)
        modele._base_manager.filter(pk=objet.pk).update(**{champ.attname: F(champ.attname)})
        apres = _versions()
        montees = {cle for cle in apres if apres[cle] != avant.get(cle, 0)}
        attendues = familles | ({versions.COMMUNE} if commune else set())
        assert montees == attendues, modele._meta.label
        assert all(apres[c] == avant.get(c, 0) + 1 for c in montees), modele._meta.label
    # La démonstration remplit l'essentiel des tables ; celles qu'elle laisse vides sont couvertes
    # par les mêmes déclencheurs (test précédent) et, pour les chemins qu'elles seules ont, par les
    # tests d'insertion et de suppression ci-dessous.
    assert len(essayees) >= 40, sorted(essayees)


@pytest.mark.django_db
def test_insertions_en_nombre_et_suppressions_montent_chaque_famille_une_fois():
    une, autre, tierce = (famille_avec_parent().famille for _ in range(3))
    avant = _versions()
    factures = [FactureFactory.build(famille=f, regie=None) for f in (une, autre, une)]
    from tests.factories import RegieFactory

    regie = RegieFactory()
    for facture in factures:
        facture.regie = regie
    Facture.objects.bulk_create(factures)
    apres = _versions()
    assert apres[une.pk] == avant.get(une.pk, 0) + (1 if connection.vendor == "postgresql" else 2)
    assert apres[autre.pk] == avant.get(autre.pk, 0) + 1
    assert apres.get(tierce.pk) == avant.get(tierce.pk)
    # Un message du CCAS (auteur sans famille) monte la famille du fil ; sa suppression aussi.
    fil = FilFactory(famille=tierce)
    message = MessageFactory(fil=fil, de_la_famille=False)
    milieu = _versions()
    type(message).objects.filter(pk=message.pk).delete()
    assert _versions()[tierce.pk] == milieu[tierce.pk] + 1


# --- Le cache des pages ------------------------------------------------------------------------


def _sans_jetons(reponse) -> str:
    """La page, sans ses jetons CSRF (masqués différemment à chaque page)."""
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", reponse.content.decode())


def _requetes(client, url):
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
    assert reponse.status_code == 200
    return len(requetes), _sans_jetons(reponse)


@pytest.fixture
def parent_connecte(client):
    parent = famille_avec_parent()
    client.force_login(parent)
    return parent


@pytest.mark.django_db(transaction=True)
def test_le_releve_est_garde_puis_rendu_caduc_par_toute_ecriture(client, parent_connecte):
    famille = parent_connecte.famille
    facture = FactureFactory(famille=famille, numero="AL-0001")
    froid, page = _requetes(client, reverse("facturation:releve"))
    chaud, page_gardee = _requetes(client, reverse("facturation:releve"))
    # Gardé : le contenu rendu (opérations, attestations, régies payables en ligne) et le
    # compteur de l'en-tête ne sont pas relus ; restent la session et le compte avec ses versions.
    assert (froid, chaud) == (7, 2)
    assert page_gardee == page and "AL-0001" in page
    # Une écriture d'une autre famille ne touche pas ce qui est gardé pour celle-ci.
    FactureFactory(famille=famille_avec_parent().famille, numero="AL-0002")
    assert _requetes(client, reverse("facturation:releve"))[0] == chaud
    # Une écriture qui contourne l'application (`QuerySet.update`) : la page suit.
    Facture.objects.filter(pk=facture.pk).update(montant="45.60")
    nombre, page = _requetes(client, reverse("facturation:releve"))
    assert nombre == froid and "45,60" in page
    # Une nouvelle facture de la famille (import) : elle apparaît.
    FactureFactory(famille=famille, numero="AL-0003")
    assert "AL-0003" in _requetes(client, reverse("facturation:releve"))[1]


@pytest.mark.django_db(transaction=True)
def test_le_releve_est_garde_par_compte_et_par_annee(client, parent_connecte, settings):
    from django.test import Client

    from tests.factories import second_parent

    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_cle", "whsec_essai"  # carte
    facture = FactureFactory(famille=parent_connecte.famille, date_facture=datetime.date(2025, 10, 6))
    ancienne = FactureFactory(famille=parent_connecte.famille, date_facture=datetime.date(2023, 10, 2))
    # L'autre responsable, aux factures en lecture seule, connecté avant (la connexion écrit).
    conjoint = second_parent(parent_connecte)
    conjoint.paiement_interdit = True
    conjoint.save()
    client_conjoint = Client()
    client_conjoint.force_login(conjoint)
    payer = reverse("facturation:paiement", args=[facture.pk])
    url = reverse("facturation:releve") + "?annee=2025"
    assert payer in _requetes(client, url)[1]
    assert _requetes(client, url)[0] == 2
    # Une autre année : une autre entrée, qui montre ses propres opérations.
    nombre, page = _requetes(client, reverse("facturation:releve") + "?annee=2023")
    assert nombre > 2 and ancienne.numero in page and facture.numero not in page
    # Même version des données, autre compte : jamais la page gardée pour le premier.
    nombre, page = _requetes(client_conjoint, url)
    assert nombre > 2 and facture.numero in page and payer not in page and 'id="panier"' not in page


@pytest.mark.django_db(transaction=True)
def test_un_paiement_en_cours_n_est_jamais_garde(client, parent_connecte):
    facture = FactureFactory(famille=parent_connecte.famille)
    paiement = PaiementEnLigneFactory(
        facture=facture,
        statut=PaiementEnLigne.Statut.OUVERTE,
        expire_le=timezone.now() + datetime.timedelta(minutes=30),
    )
    LignePaiement.objects.create(paiement=paiement, facture=facture, montant=facture.montant)
    for _ in range(2):
        with CaptureQueriesContext(connection) as requetes:
            assert "en cours" in client.get(reverse("facturation:releve")).content.decode()
        # Les opérations sont relues à chaque fois : le paiement expire sans aucune écriture.
        assert any("facturation_lignepaiement" in q["sql"] for q in requetes.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_une_place_proposee_n_est_pas_servie_apres_son_delai(client, parent_connecte, monkeypatch):
    famille = parent_connecte.famille
    limite = timezone.now() + datetime.timedelta(minutes=5)
    activite = ActiviteFactory(nom="ALSH du mercredi", jours_ouverture="2")
    inscription = InscriptionFactory(activite=activite, enfant=EnfantFactory(famille=famille, prenom="Léa"))
    ReservationFactory(
        inscription=inscription,
        date=datetime.date(2027, 1, 6),
        etat="proposee",
        proposee_le=timezone.now(),
        proposition_limite=limite,
    )
    froid, page = _requetes(client, "/")
    chaud, page_gardee = _requetes(client, "/")
    assert "Place proposée" in page and page_gardee == page
    assert chaud < froid
    # Le délai passe, sans aucune écriture : la place n'est plus à accepter.
    vrai_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: vrai_now() + datetime.timedelta(minutes=6))
    assert "Place proposée" not in _requetes(client, "/")[1]


@pytest.mark.django_db(transaction=True)
def test_l_accueil_est_garde_par_compte(client, parent_connecte):
    from django.test import Client

    from tests.factories import second_parent

    # L'autre responsable (son compte, peut-être restreint), connecté d'abord (la connexion écrit).
    client_conjoint = Client()
    client_conjoint.force_login(second_parent(parent_connecte))
    froid, _ = _requetes(client, "/")
    chaud, _ = _requetes(client, "/")
    assert chaud < froid
    # Mêmes versions des données, autre compte : sa propre entrée, calculée pour lui.
    assert _requetes(client_conjoint, "/")[0] == froid
    assert _requetes(client_conjoint, "/")[0] == chaud


@pytest.mark.django_db(transaction=True)
def test_le_compteur_de_l_en_tete_suit_une_lecture_faite_dans_la_meme_requete(client, parent_connecte):
    fil = FilFactory(famille=parent_connecte.famille, objet="Inscriptions")
    MessageFactory(fil=fil, de_la_famille=False)
    assert "1 nouveau message" in _requetes(client, "/")[1]
    assert "1 nouveau message" in _requetes(client, "/")[1]  # gardé
    # Ouvrir le fil marque le message lu (écriture) : l'en-tête de cette même page le sait.
    assert "1 nouveau message" not in _requetes(client, reverse("messagerie:fil", args=[fil.pk]))[1]
    assert "0 nouveau message" in _requetes(client, "/")[1]


@pytest.mark.django_db(transaction=True)
def test_le_compteur_de_l_en_tete_est_garde_par_compte_et_suit_la_lecture_de_chacun(client, parent_connecte):
    """Deux parents, chacun son compteur (issue 22) : la lecture de l'un monte la version de la
    famille (la lecture atteint la famille par son fil) ; l'autre recalcule et garde ses non-lus."""
    from django.test import Client

    from tests.factories import second_parent

    fil = FilFactory(famille=parent_connecte.famille, objet="Inscriptions")
    MessageFactory(fil=fil, de_la_famille=False)
    conjoint = Client()
    conjoint.force_login(second_parent(parent_connecte))
    for navigateur in (client, conjoint, client, conjoint):  # calculés, puis gardés
        assert "1 nouveau message" in _requetes(navigateur, "/")[1]
    froid, _ = _requetes(conjoint, "/")
    _requetes(client, reverse("messagerie:fil", args=[fil.pk]))  # le premier parent lit
    assert "0 nouveau message" in _requetes(client, "/")[1]
    recalcule, page = _requetes(conjoint, "/")
    assert "1 nouveau message" in page and recalcule > froid  # version montée : recalculé
    assert "1 nouveau message" in _requetes(conjoint, "/")[1]


@pytest.mark.django_db(transaction=True)
def test_un_calcul_fait_dans_une_transaction_annulee_n_est_pas_garde(parent_connecte):
    utilisateur = type(parent_connecte).objects.get(pk=parent_connecte.pk)
    utilisateur.version_famille, utilisateur.version_commune = versions.versions(
        famille_id=utilisateur.famille_id
    )
    requete = SimpleNamespace(user=utilisateur, ecritures=False)
    cle = cache_famille.cle(request=requete, nom="essai", par_compte=False)
    with transaction.atomic():
        cache_famille.lire(request=requete, nom="essai", calculer=lambda: cache_famille.Calcul(1))
        transaction.set_rollback(True)
    assert cache.get(cle) is None
    cache_famille.lire(request=requete, nom="essai", calculer=lambda: cache_famille.Calcul(2))
    assert cache.get(cle) == (None, 2)
    # Une requête qui a écrit ne lit ni n'écrit le cache.
    requete.ecritures = True
    assert cache_famille.lire(request=requete, nom="essai", calculer=lambda: cache_famille.Calcul(3)) == 3


# --- Les campagnes ouvertes lues pour l'accueil : même règle, échéances signalées -------------

INSTANT = datetime.datetime(2027, 5, 3, 8, 0, tzinfo=datetime.UTC)
HEURES = st.integers(min_value=-72, max_value=72).map(lambda h: INSTANT + datetime.timedelta(hours=h))
CAMPAGNE = st.tuples(
    HEURES, st.none() | st.integers(0, 72), st.integers(1, 96)
)  # ouverture, +tous, +fermeture


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(definitions=st.lists(CAMPAGNE, max_size=4), habitant=st.booleans())
def test_propriete_campagnes_ouvertes_ids_comme_la_requete(db, definitions, habitant):
    """`campagnes_ouvertes_ids` (une requête, pour le cache de l'accueil) retient les mêmes
    campagnes que `campagnes_ouvertes_requete`, et signale chaque ouverture ou fermeture à venir :
    l'accueil mis en cache n'est pas servi au-delà."""
    Campagne.objects.all().delete()
    famille = factories.ResponsableFactory(
        code_postal="28300" if habitant else "28000", ville="Lèves" if habitant else "Chartres"
    ).famille
    for ouverture, tous, fermeture in definitions:
        factories.CampagneFactory(
            ouverture=ouverture,
            ouverture_tous=None if tous is None else ouverture + datetime.timedelta(hours=tous),
            fermeture=ouverture + datetime.timedelta(hours=fermeture),
        )
    attendues = list(
        selectors.campagnes_ouvertes_requete(famille=famille, maintenant=INSTANT).values_list("pk", flat=True)
    )
    jeton = cache_famille._ECHEANCES.set([])
    try:
        assert selectors.campagnes_ouvertes_ids(famille=famille, maintenant=INSTANT) == attendues
        signalees = cache_famille._ECHEANCES.get()
    finally:
        cache_famille._ECHEANCES.reset(jeton)
    a_venir = {
        instant
        for c in Campagne.objects.filter(fermeture__gt=INSTANT)
        for instant in (c.ouverture, c.ouverture_tous, c.fermeture)
        if instant is not None and instant > INSTANT
    }
    assert set(signalees) == a_venir


# --- Le planning du mois ------------------------------------------------------------------------

MERCREDI_9H = datetime.datetime(2027, 1, 6, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


def _planning(client, inscription):
    """(la page a-t-elle relu le planning dans la base ?, la page)."""
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(reverse("enfants:planning", args=[inscription.enfant_id, 2027, 1]))
    assert reponse.status_code == 200
    relu = any("enfants_reservation" in q["sql"] for q in requetes.captured_queries)
    return relu, _sans_jetons(reponse)


@pytest.fixture
def a_9h(monkeypatch):
    """L'horloge arrêtée au mercredi 6 janvier 2027 à 9 h (heure de Paris) ; `avancer` la déplace."""
    instant = {"maintenant": MERCREDI_9H}
    monkeypatch.setattr(timezone, "now", lambda: instant["maintenant"])

    def avancer(**duree):
        instant["maintenant"] += datetime.timedelta(**duree)

    return avancer


@pytest.mark.django_db(transaction=True)
def test_le_planning_est_garde_jusqu_au_delai_de_reservation(a_9h, settings, client, parent_connecte):
    """Jeudi 7 se réserve jusqu'au mercredi 6 à 10 h (J-1 ouvré) : servi tel quel avant, jamais
    après, sans qu'aucune écriture ne change la version des données."""
    settings.SESSION_COOKIE_AGE = 3 * 3600  # la session tient l'heure que l'horloge avance
    client.force_login(parent_connecte)
    inscription = inscription_de_lea(
        parent_connecte.famille, jours_ouverture="12345", delai_reservation=1, heure_limite=datetime.time(10)
    )
    reserver = reverse("enfants:reservation_demander", args=[inscription.pk]) + "?date=2027-01-07"
    relu, page = _planning(client, inscription)
    relu_encore, page_gardee = _planning(client, inscription)
    assert relu and not relu_encore
    assert reserver in page and page_gardee == page
    a_9h(minutes=59)
    assert _planning(client, inscription) == (False, page)
    a_9h(minutes=2)  # 10 h 01 : le délai du jeudi est passé
    relu, page = _planning(client, inscription)
    assert relu and reserver not in page
    assert reverse("enfants:reservation_demander", args=[inscription.pk]) + "?date=2027-01-08" in page


@pytest.mark.django_db(transaction=True)
def test_le_planning_garde_pose_un_jeton_csrf_valable(parent_connecte, a_9h):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(parent_connecte)
    inscription = inscription_de_lea(parent_connecte.famille, jours_ouverture="12345")
    url = reverse("enfants:planning", args=[inscription.enfant_id, 2027, 1])
    client.get(url)
    html = client.get(url).content.decode()  # servi du cache
    jetons = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(jetons) >= 2 and all(len(j) == 64 for j in jetons)
    reponse = client.post(
        reverse("enfants:jours_reserver", args=[inscription.pk]),
        {"csrfmiddlewaretoken": jetons[0], "jours": ["2027-01-20"], "mois": "2027-01-01"},
    )
    assert reponse.status_code != 403


@pytest.mark.django_db(transaction=True)
def test_un_planning_avec_un_rang_en_liste_d_attente_n_est_jamais_garde(a_9h, client, parent_connecte):
    """Le rang dépend des demandes des autres familles : relu à chaque page."""
    inscription = inscription_de_lea(parent_connecte.famille, jours_ouverture="12345")
    autre = InscriptionFactory(activite=inscription.activite)
    jour = datetime.date(2027, 1, 20)
    premiere = ReservationFactory(
        inscription=autre, date=jour, etat="en_attente", demandee_le=MERCREDI_9H - datetime.timedelta(hours=2)
    )
    ReservationFactory(
        inscription=inscription,
        date=jour,
        etat="en_attente",
        demandee_le=MERCREDI_9H - datetime.timedelta(hours=1),
    )
    relu, page = _planning(client, inscription)
    assert relu and "2e position" in page
    assert _planning(client, inscription)[0]
    # L'autre famille retire sa demande : seule sa version à elle change.
    type(premiere).objects.filter(pk=premiere.pk).update(etat="annulee")
    assert _planning(client, inscription) == (True, page.replace("2e position", "1re position"))


@pytest.mark.django_db(transaction=True)
def test_le_planning_garde_ne_survit_pas_a_l_ouverture_d_une_fenetre_de_reservation(
    a_9h, settings, client, parent_connecte
):
    """Les réservations des vacances d'hiver ouvrent à 9 h 30 : avant, les jours ne se réservent
    pas ; à 9 h 31, sans aucune écriture, ils se réservent."""
    settings.SESSION_COOKIE_AGE = 3 * 3600
    client.force_login(parent_connecte)
    inscription = inscription_de_lea(parent_connecte.famille, jours_ouverture="01234")
    factories.CampagneFactory(
        type="vacances",
        periode_debut=datetime.date(2027, 1, 25),
        periode_fin=datetime.date(2027, 1, 29),
        ouverture=MERCREDI_9H - datetime.timedelta(days=30),
        fermeture=MERCREDI_9H - datetime.timedelta(days=1),
        reservation_ouverture=MERCREDI_9H + datetime.timedelta(minutes=30),
        reservation_fermeture=MERCREDI_9H + datetime.timedelta(days=10),
        activites=[inscription.activite],
    )
    reserver = reverse("enfants:reservation_demander", args=[inscription.pk]) + "?date=2027-01-27"
    relu, page = _planning(client, inscription)
    assert relu and reserver not in page
    assert _planning(client, inscription) == (False, page)
    a_9h(minutes=31)
    relu, page = _planning(client, inscription)
    assert relu and reserver in page
