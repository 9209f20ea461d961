"""Ce que coûte une requête d'un parent connecté (docs/performance.md) : la session, puis le
compte avec sa famille et son responsable titulaire en une seule requête SQL."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from familles.models import Responsable

pytestmark = pytest.mark.django_db


def test_la_vue_triviale_ne_coute_que_la_session_et_le_compte(client_parent):
    with CaptureQueriesContext(connection) as requetes:
        assert client_parent.get("/sante/").status_code == 200
    tables = [q["sql"] for q in requetes.captured_queries]
    assert len(tables) == 2, tables
    assert "django_session" in tables[0]
    compte = tables[1]
    assert "familles_utilisateur" in compte and "familles_famille" in compte
    assert "familles_responsable" in compte


def test_l_accueil_ne_relit_ni_la_famille_ni_le_responsable(client_parent, parent):
    principal = parent.famille.responsable_principal
    with CaptureQueriesContext(connection) as requetes:
        html = client_parent.get("/").content.decode()
    assert principal.nom.upper() in html and parent.famille.numero in html
    relectures = [
        q["sql"]
        for q in requetes.captured_queries[2:]
        # Les lectures des familles et des responsables eux-mêmes (pas les sous-requêtes du
        # bloc « À faire » : situation des responsables, structures des enfants).
        if q["sql"].startswith(('SELECT "familles_responsable"', 'SELECT "familles_famille"'))
    ]
    assert relectures == []


def test_une_famille_sans_responsable_titulaire(client_parent, parent):
    Responsable.objects.filter(famille=parent.famille).delete()
    reponse = client_parent.get("/")
    assert reponse.status_code == 200
    assert reponse.wsgi_request.famille.responsable_principal is None


def test_un_agent_sans_famille_se_charge_aussi(client, agent):
    client.force_login(agent)
    reponse = client.get("/sante/")
    assert reponse.status_code == 200
    assert reponse.wsgi_request.user.famille is None and reponse.wsgi_request.famille is None


def _trois_non_lus(famille):
    from tests.factories import fil_avec_messages

    fil_avec_messages(famille=famille, recus=3, envoyes=1)


def _requetes_de(captees) -> list[str]:
    return [q["sql"] for q in captees.captured_queries]


def test_l_accueil_lit_la_situation_puis_le_compteur_de_la_messagerie(client_parent, parent, autre_parent):
    from tests.factories import FactureFactory

    _trois_non_lus(parent.famille)
    _trois_non_lus(autre_parent.famille)
    FactureFactory(famille=parent.famille)
    with CaptureQueriesContext(connection) as requetes:
        html = client_parent.get("/").content.decode()
    assert "<strong>3 nouveaux messages</strong>" in html
    # Session, compte, la situation (une requête), le compteur de l'en-tête, demandé à la
    # messagerie par l'habillage ; le bloc « À faire » (issue 18) lit les types de pièces actifs
    # et les textes en vigueur (rien de plus quand il n'y en a pas : voir
    # test_le_bloc_a_faire_de_l_accueil_sans_rien_a_faire), et les campagnes ouvertes avec
    # l'avancement du dossier de la famille (une requête, tests/test_campagnes_a_faire.py), les
    # places proposées des listes d'attente (une requête, tests/test_places_proposees_a_faire.py) ;
    # avec une facture impayée, les régies qui encaissent en ligne (`paiement.offre`, une requête
    # sur la petite table des régies, issue 20).
    lues = _requetes_de(requetes)
    assert len(lues) == 5 + 4, [q[:80] for q in lues]
    assert len([q for q in lues if "facturation_regie" in q and "facturation_facture" not in q]) == 1
    assert len([q for q in lues if "UNION ALL" in q and "enfants_reservation" in q]) == 1
    situation = [q for q in lues if "facturation_facture" in q]
    assert len(situation) == 1 and "messagerie_message" not in situation[0]
    assert len([q for q in lues if "messagerie_message" in q]) == 1


def test_le_bloc_a_faire_de_l_accueil_sans_rien_a_faire(client_parent, parent):
    """Le bloc « À faire » coûte deux requêtes nommées (pièces, textes à lire), avec ou sans type
    de pièce ni texte, quel que soit le nombre d'enfants, de dépôts ou de textes."""
    from tests.factories import TypePieceFactory, VersionTexteFactory

    with CaptureQueriesContext(connection) as sans:
        client_parent.get("/")
    TypePieceFactory(concerne="enfant", condition="parents_separes")
    VersionTexteFactory()
    with CaptureQueriesContext(connection) as avec:
        client_parent.get("/")
    assert len(avec) == len(sans), [q["sql"][:80] for q in avec.captured_queries]
    pieces = [q["sql"] for q in avec.captured_queries if "ORDER BY t.ordre, t.nom, t.id" in q["sql"]]
    textes = [q["sql"] for q in avec.captured_queries if "WITH textes AS" in q["sql"]]
    assert len(pieces) == 1 and len(textes) == 1, [q["sql"][:80] for q in avec.captured_queries]


def test_le_planning_lit_le_mois_puis_le_compteur_de_la_messagerie(client_parent, parent):
    from tests.factories import EnfantFactory

    _trois_non_lus(parent.famille)
    enfant = EnfantFactory(famille=parent.famille)
    with CaptureQueriesContext(connection) as requetes:
        html = client_parent.get(f"/enfants/{enfant.pk}/planning/2026/11/").content.decode()
    assert "<strong>3 nouveaux messages</strong>" in html
    lues = _requetes_de(requetes)
    assert len(lues) == 4, [q[:80] for q in lues]
    assert "enfants_inscription" in lues[2] and "messagerie_message" not in lues[2]
    assert "messagerie_message" in lues[3]


def test_les_autres_pages_comptent_les_messages_elles_memes(client_parent, parent):
    _trois_non_lus(parent.famille)
    html = client_parent.get("/compte/").content.decode()
    assert "<strong>3 nouveaux messages</strong>" in html


def test_l_habillage_memorise_suit_ses_entrees(client_parent, settings):
    """Pied de page et onglets sont rendus une fois par jeu d'entrées : jamais périmés."""
    accueil = client_parent.get("/").content.decode()
    assert 'class="nav-link active" href="/" aria-current="page">Accueil</a>' in accueil
    enfants = client_parent.get("/enfants/").content.decode()
    assert 'href="/enfants/" aria-current="page">Mes enfants</a>' in enfants
    assert 'aria-current="page">Accueil</a>' not in enfants
    settings.NOM_CCAS = "CCAS de Chartres"
    settings.CCAS_TELEPHONE = "02 00 00 00 00"
    pied = client_parent.get("/").content.decode().split('<footer class="pied')[1]
    assert "CCAS de Chartres" in pied and 'href="tel:0200000000"' in pied
    assert "Mes données" in pied
    client_parent.logout()
    assert (
        "Mes données"
        not in client_parent.get("/accessibilite/").content.decode().split('<footer class="pied')[1]
    )


def _preparees():
    with connection.cursor() as curseur:
        curseur.execute("SELECT statement FROM pg_prepared_statements")
        return [ligne[0] for ligne in curseur.fetchall()]


def test_les_requetes_du_planning_sont_preparees_sur_postgresql(client_parent, parent, settings):
    """psycopg prépare une requête à sa 5e exécution sur une connexion (liaison côté serveur) ;
    ailleurs, le bloc `requetes_preparees` ne change rien."""
    from tests.factories import EnfantFactory

    enfant = EnfantFactory(famille=parent.famille)
    for _ in range(6):
        assert client_parent.get(f"/enfants/{enfant.pk}/planning/2026/11/").status_code == 200
        assert client_parent.get("/").status_code == 200
    if connection.vendor != "postgresql":
        from commun.sql import requetes_preparees

        with requetes_preparees(), connection.cursor() as curseur:
            curseur.execute("SELECT 1")
            assert curseur.fetchone() == (1,)
        return
    preparees = _preparees()
    assert any("WITH ins AS" in s for s in preparees), preparees  # planning
    assert any("s.credits" in s for s in preparees), preparees  # accueil
    assert any("messagerie_message" in s for s in preparees), preparees  # compteur de l'en-tête
    # L'ORM n'est pas préparé (liaison côté client de Django).
    assert not any("django_session" in s for s in preparees)


def test_preparation_desactivable(client_parent, parent, settings):
    from tests.factories import EnfantFactory

    if connection.vendor == "postgresql":
        with connection.cursor() as curseur:
            curseur.execute("DEALLOCATE ALL")
    settings.DB_REQUETES_PREPAREES = False
    enfant = EnfantFactory(famille=parent.famille)
    for _ in range(6):
        assert client_parent.get(f"/enfants/{enfant.pk}/planning/2026/11/").status_code == 200
    if connection.vendor == "postgresql":
        assert not any("WITH ins AS" in s for s in _preparees())


def test_les_instances_lues_par_sql_direct_sont_completes(parent):
    """Les objets que rendent les requêtes écrites à la main portent toutes les colonnes de leur
    modèle (`commun.sql.instance`) : un champ ajouté au modèle puis lu par un gabarit ne devient
    jamais une requête de plus en silence (un champ différé de `from_db` se relirait)."""
    from enfants import selectors as enfants_selectors
    from facturation import selectors as facturation_selectors
    from tests.factories import EnfantFactory, FactureFactory, InscriptionFactory

    enfant = EnfantFactory(famille=parent.famille)
    InscriptionFactory(enfant=enfant)
    FactureFactory(famille=parent.famille)
    donnees = enfants_selectors.planning_page(
        famille=parent.famille,
        enfant_id=enfant.pk,
        annee=2026,
        mois=11,
        aujourdhui=datetime.date(2026, 11, 2),
    )
    (inscription,) = donnees.inscriptions_en_cours
    (facture,) = facturation_selectors.situation(famille=parent.famille).impayees
    for objet in (donnees.enfant, inscription, inscription.activite, inscription.activite.structure, facture):
        assert objet.get_deferred_fields() == set(), type(objet)
