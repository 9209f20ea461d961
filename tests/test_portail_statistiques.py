"""Statistiques du portail pour le CCAS (issue 22) : les chiffres, la permission, le CSV, les
graphiques accessibles, un nombre de requêtes fixe."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from demandes.models import Demande
from facturation.models import Reglement
from portail import statistiques
from portail.models import ConnexionsSemaine
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("admin:portail_statistiques")
URL_CSV = reverse("admin:portail_statistiques_csv")

# Session et compte (2), droits de l'agent (2), puis les cinq requêtes des chiffres.
REQUETES = 2 + 2 + 5


def _agent_statistiques():
    agent = f.agent_ccas()
    agent.user_permissions.add(Permission.objects.get(codename="voir_statistiques"))
    return agent


def _demande_decidee(famille, *, heures: float, type_="responsable"):
    demande = Demande.objects.create(type=type_, famille=famille, statut=Demande.Statut.ACCEPTEE)
    maintenant = timezone.now()
    Demande.objects.filter(pk=demande.pk).update(
        cree_le=maintenant - datetime.timedelta(hours=heures), decide_le=maintenant
    )


def _peupler(n: int = 1):
    parents = [f.famille_avec_parent() for _ in range(4 * n)]
    for parent in parents[:n]:
        parent.last_login = timezone.now()
        parent.save(update_fields=["last_login"])
    regie = f.RegieFactory()
    agent = f.agent_ccas()
    for rang, parent in enumerate(parents[:n]):
        f.regler(parent.famille, regie, "30.00", mode="carte_en_ligne", origine=Reglement.Origine.EN_LIGNE)
        f.regler(parent.famille, regie, "90.00")
        inscription = f.InscriptionFactory(enfant=f.EnfantFactory(famille=parent.famille))
        aujourdhui = timezone.localdate()
        for jours, auteur in ((1, parent), (2, parent), (3, agent), (4, None)):
            f.ReservationFactory(
                inscription=inscription, date=aujourdhui + datetime.timedelta(days=jours), demandee_par=auteur
            )
        for heures in range(1, 11):
            _demande_decidee(parent.famille, heures=heures)
        Demande.objects.create(type="fiscales", famille=parent.famille)  # en attente : pas de délai
    return parents


def test_les_chiffres_de_l_annee():
    _peupler(1)
    lundi = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    ConnexionsSemaine.objects.create(semaine=lundi, connexions=7)
    stats = statistiques.statistiques_calculer(annee=statistiques.annees_proposees(timezone.localdate())[0])
    assert stats.semaines[-1] == (lundi, 7)
    assert stats.connexions == 7
    assert (stats.familles, stats.familles_connectees, stats.part_connectees) == (4, 1, "25\xa0%")
    assert (stats.encaisse_texte, stats.encaisse_en_ligne_texte, stats.part_en_ligne) == (
        "120,00\xa0€",
        "30,00\xa0€",
        "25\xa0%",
    )
    assert (stats.reservations_en_ligne, stats.reservations_agents, stats.reservations_autres) == (2, 1, 1)
    par_type = {ligne.type: ligne for ligne in stats.demandes}
    responsable = par_type["responsable"]
    assert (responsable.nombre, responsable.decidees) == (10, 10)
    assert responsable.mediane == datetime.timedelta(hours=5.5)  # délais de 1 à 10 h
    assert responsable.p90 == datetime.timedelta(hours=9)  # rang le plus proche : le 9e sur 10
    assert (par_type["fiscales"].nombre, par_type["fiscales"].decidees, par_type["fiscales"].p90_texte) == (
        1,
        0,
        "—",
    )


def test_une_annee_passee_ne_compte_pas_les_chiffres_d_aujourd_hui():
    _peupler(1)
    passee = statistiques.annees_proposees(timezone.localdate())[1]
    stats = statistiques.statistiques_calculer(annee=passee)
    assert (stats.encaisse, stats.reservations, stats.demandes, stats.familles_connectees) == (0, 0, [], 0)


@pytest.mark.parametrize(
    ("secondes", "texte"),
    [(30, "1 min"), (45 * 60, "45 min"), (5 * 3600, "5 h"), (3.5 * 86400, "3,5 j"), (4 * 86400, "4 j")],
)
def test_duree_texte(secondes, texte):
    assert statistiques.duree_texte(datetime.timedelta(seconds=secondes)) == texte


def test_la_connexion_d_une_famille_compte_dans_sa_semaine_pas_celle_d_un_agent(client):
    parent = f.famille_avec_parent()
    client.force_login(parent)
    client.force_login(parent)
    client.force_login(f.agent_ccas())
    lundi = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    assert list(ConnexionsSemaine.objects.values_list("semaine", "connexions")) == [(lundi, 2)]


def test_le_groupe_ccas_donne_les_statistiques(client):
    """Migration portail/0004_groupe_ccas_statistiques : tout agent du groupe CCAS les lit."""
    client.force_login(f.agent_ccas())
    assert client.get(URL).status_code == 200
    assert "Statistiques du portail" in client.get(reverse("admin:index")).content.decode()


def test_sans_la_permission_403(client):
    # Un membre du personnel hors du groupe CCAS (il ne traite que les demandes).
    agent = f.UtilisateurFactory(is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="view_demande"))
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.get(URL_CSV).status_code == 403
    assert "Statistiques du portail" not in client.get(reverse("admin:index")).content.decode()


def test_la_page_graphiques_accessibles_et_lien_depuis_l_accueil(client):
    _peupler(1)
    client.force_login(_agent_statistiques())
    page = client.get(URL).content.decode()
    assert '<svg class="graphique"' in page and "<title id=" in page and "<desc id=" in page
    assert 'aria-labelledby="svg-connexions-titre svg-connexions-desc"' in page
    assert "<caption>Demandes faites pendant l'année scolaire" in page
    assert "25\xa0%" in page and "120,00\xa0€" in page
    assert "cdn" not in page.lower() and "<script" not in page.split('id="content-main"')[1]
    assert URL in client.get(reverse("admin:index")).content.decode()


def test_annee_inconnue_revient_a_l_annee_en_cours(client):
    client.force_login(_agent_statistiques())
    courante = statistiques.annees_proposees(timezone.localdate())[0]
    assert client.get(URL, {"annee": "1990"}).context["stats"].annee == courante
    assert client.get(URL, {"annee": "abc"}).context["stats"].annee == courante


def test_csv(client):
    _peupler(1)
    client.force_login(_agent_statistiques())
    reponse = client.get(URL_CSV)
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in reponse["Content-Disposition"]
    texte = reponse.content.decode("utf-8")
    assert texte.startswith("\ufeffrubrique;libellé;valeur\r\n")
    assert "familles;part des familles connectées;25\xa0%\r\n" in texte
    assert "règlements;part des paiements en ligne;25\xa0%\r\n" in texte
    assert "Informations responsable — délai p90;9 h" in texte


@pytest.mark.parametrize("lignes", [1, 5])
def test_requetes_constantes(client, lignes):
    _peupler(lignes)
    client.force_login(_agent_statistiques())
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(URL).status_code == 200
    assert len(requetes) == REQUETES, "\n".join(q["sql"] for q in requetes.captured_queries)


def test_annee_passee_la_part_des_familles_est_expliquee(client):
    client.force_login(_agent_statistiques())
    passee = statistiques.annees_proposees(timezone.localdate())[1]
    note = "dernière connexion date de cette année-là"
    assert note in client.get(URL, {"annee": passee}).content.decode()
    assert note not in client.get(URL).content.decode()


def test_en_bref_accorde_au_singulier(client):
    """« 1 connexion des familles », « 0 réservation faite en ligne » (pas « 1 connexions »)."""
    lundi = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    ConnexionsSemaine.objects.create(semaine=lundi, connexions=1)
    client.force_login(_agent_statistiques())
    page = client.get(URL).content.decode()
    assert "<strong>1</strong> connexion des familles" in page
    assert "<strong>0</strong> réservation faite en ligne" in page
    assert "<strong>0</strong> réservation faite par les agents" in page
    ConnexionsSemaine.objects.filter(semaine=lundi).update(connexions=3)
    assert "<strong>3</strong> connexions des familles" in client.get(URL).content.decode()
