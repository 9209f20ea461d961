"""Les recherches et les ordres des listes de l'administration réécrits pour le volume d'une
vraie ville (issue 22) donnent exactement les résultats de Django : mêmes lignes, même ordre
(SQLite et PostgreSQL)."""

import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from demandes.models import Demande
from enfants.models import Reservation
from familles.models import Famille
from messagerie import selectors
from messagerie.models import Fil
from tests.factories import (
    ActiviteFactory,
    EnfantFactory,
    FamilleFactory,
    FilFactory,
    InscriptionFactory,
    MessageFactory,
    ReservationFactory,
    ResponsableFactory,
)

pytestmark = pytest.mark.django_db


def _requete(agent):
    requete = RequestFactory().get("/")
    requete.user = agent
    return requete


def _comme_django(modele_admin, requete, queryset, terme):
    trouves, doublons = admin.ModelAdmin.get_search_results(modele_admin, requete, queryset, terme)
    return set((trouves.distinct() if doublons else trouves).values_list("pk", flat=True))


def _familles():
    bernard = ResponsableFactory(nom="BERNARD", prenom="Claire", email="claire.bernard@example.fr")
    ResponsableFactory(
        famille=bernard.famille, role="second", nom="MARTIN", prenom="Paul", email="paul@example.fr"
    )
    ResponsableFactory(nom="BERNARDIN", prenom="Luc", email="luc@example.fr")
    ResponsableFactory(nom="DUPONT", prenom="Bernard", email="dupont@example.fr")
    sans_responsable = FamilleFactory(numero="9000000004999")
    return bernard.famille, sans_responsable


TERMES = (
    "BERNARD",
    "bernard",
    "Claire",
    "BERNARD Claire",
    "BERNARD Paul",  # deux responsables de la même famille : Django ne la trouve pas
    '"claire.bernard"',
    "example.fr",
    "9000000004999",
    "0000",
    "DUPONT 2000",
    "INTROUVABLE",
    "",
)


@pytest.mark.parametrize("terme", TERMES)
def test_recherche_des_familles_comme_django(agent, terme):
    _familles()
    modele_admin = admin.site._registry[Famille]
    requete = _requete(agent)
    queryset = modele_admin.get_queryset(requete)
    trouves, doublons = modele_admin.get_search_results(requete, queryset, terme)
    assert doublons is False
    assert set(trouves.values_list("pk", flat=True)) == _comme_django(modele_admin, requete, queryset, terme)


def test_recherche_des_familles_sans_jointure(agent):
    famille, _ = _familles()
    modele_admin = admin.site._registry[Famille]
    requete = _requete(agent)
    trouves, _ = modele_admin.get_search_results(requete, modele_admin.get_queryset(requete), "BERNARD Paul")
    assert list(trouves) == []
    trouves, _ = modele_admin.get_search_results(requete, modele_admin.get_queryset(requete), "MARTIN Paul")
    assert list(trouves) == [famille]
    assert " DISTINCT " not in str(trouves.query).upper()


@pytest.mark.parametrize("seuil", [5000, 0], ids=["identifiants-en-liste", "sous-requetes"])
@pytest.mark.parametrize("terme", ["BERNARD", "Claire", "Léa", "0000", "INTROUVABLE"])
def test_recherche_des_demandes_comme_django(agent, terme, seuil, monkeypatch):
    from demandes.admin import DemandeAdmin

    monkeypatch.setattr(DemandeAdmin, "IDS_EN_LISTE_MAX", seuil)
    famille, _ = _familles()
    enfant = EnfantFactory(famille=famille, prenom="Léa", nom="BERNARD")
    for f in Famille.objects.all():
        Demande.objects.create(type="responsable", famille=f, donnees={})
    Demande.objects.create(type="enfant", famille=FamilleFactory(), enfant=enfant, donnees={})
    modele_admin = admin.site._registry[Demande]
    requete = _requete(agent)
    queryset = modele_admin.get_queryset(requete)
    trouves, _ = modele_admin.get_search_results(requete, queryset, terme)
    assert set(trouves.values_list("pk", flat=True)) == _comme_django(modele_admin, requete, queryset, terme)


def test_recherche_des_demandes_lie_les_familles_en_un_tableau(agent):
    """Les familles trouvées sont liées en un seul paramètre (`= ANY`) sur PostgreSQL, pas un par
    famille : 1 074 familles pour « BERNARD » au volume d'une vraie ville."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(30):
        Demande.objects.create(
            type="responsable",
            famille=ResponsableFactory(nom="BERNARD", prenom=f"n° {i}").famille,
            donnees={},
        )
    Demande.objects.create(type="responsable", famille=ResponsableFactory(nom="MARTIN").famille, donnees={})
    modele_admin = admin.site._registry[Demande]
    requete = _requete(agent)
    trouves, _ = modele_admin.get_search_results(requete, modele_admin.get_queryset(requete), "BERNARD")
    with CaptureQueriesContext(connection) as requetes:
        assert trouves.count() == 30
    if connection.vendor == "postgresql":
        assert "= ANY(" in requetes.captured_queries[0]["sql"]
        assert str(trouves.query).count("ANY(") == 1


def test_fils_ordonnes_par_nombre_de_non_lus(agent):
    deux = FilFactory(structure=None, objet="Deux non lus")
    un = FilFactory(structure=None, objet="Un non lu")
    aucun = FilFactory(structure=None, objet="Tout lu")
    for fil, non_lus, lus in ((deux, 2, 1), (un, 1, 3), (aucun, 0, 4)):
        for _ in range(non_lus):
            MessageFactory(fil=fil)
        for _ in range(lus):
            MessageFactory(fil=fil, lu_le=timezone.now())
        MessageFactory(fil=fil, de_la_famille=False)  # réponse de l'agent : jamais comptée
    # Le plus récent d'abord à nombre égal : le fil sans non-lu le plus récent passe après.
    Fil.objects.filter(pk=aucun.pk).update(date_dernier_message=timezone.now() + datetime.timedelta(days=1))
    fils = list(selectors.fils_agent(agent=agent))
    assert [(f.objet, f.non_lus) for f in fils] == [("Deux non lus", 2), ("Un non lu", 1), ("Tout lu", 0)]
    assert [f.objet for f in selectors.fils_agent(agent=agent).filter(non_lus__gt=0)] == [
        "Deux non lus",
        "Un non lu",
    ]


def test_rang_en_liste_attente_par_activite_et_par_jour(agent):
    jour = timezone.localdate() + datetime.timedelta(days=10)
    piscine, poney = ActiviteFactory(nom="Piscine"), ActiviteFactory(nom="Poney")
    attentes = []
    for activite in (piscine, poney, piscine):
        inscription = InscriptionFactory(activite=activite)
        attente = ReservationFactory(inscription=inscription, date=jour, etat=Reservation.Etat.EN_ATTENTE)
        attentes.append(attente)
    ReservationFactory(inscription=InscriptionFactory(activite=piscine), date=jour)  # acceptée
    modele_admin = admin.site._registry[Reservation]
    rangs = dict(modele_admin.get_queryset(_requete(agent)).values_list("pk", "rang"))
    assert [rangs[r.pk] for r in attentes] == [1, 1, 2]
    assert list(rangs.values()).count(None) == 1
