"""Un GET n'écrit jamais : toute action qui change un état passe par un POST (jeton CSRF).

Chaque URL du portail — toutes les pages de l'inventaire (tests/inventaire), actions en POST seul
comprises, et les URL publiques hors inventaire — est demandée en GET ; chaque ligne de chaque
table métier est comparée avant et après, champ par champ (pas seulement le nombre de lignes).
Une seule exception, déclarée ici : ouvrir un fil de messages note la date de lecture de ses
messages (comme on ouvre un courrier) et jusqu'où ce compte l'a lu (`LectureFil`, une ligne par
fil et par compte), ce qui n'est pas une décision de la famille.
"""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import EnfantFactory, famille_avec_parent
from tests.inventaire import pages
from tests.urls_portail import ESPACES_PORTAIL

pytestmark = pytest.mark.django_db

# Tables qu'une requête touche sans que ce soit une donnée du portail (sessions, journal des
# connexions d'axes…).
APPLICATIONS_IGNOREES = {"sessions", "axes", "admin", "contenttypes"}
LECTURES_PERMISES = {
    ("messagerie.Message", "lu_le"),
    ("messagerie.LectureFil", "lignes"),
    ("messagerie.LectureFil", "dernier_lu_id"),
    ("messagerie.LectureFil", "lu_le"),
}
# Les versions des données par famille (commun.versions) : tenues par des déclencheurs, elles ne
# bougent qu'avec une autre écriture, que la comparaison voit elle-même.
MODELES_DERIVES = {"commun.Version"}


def photographier() -> dict:
    """Chaque ligne de chaque table, par modèle et par clé primaire."""
    etat = {}
    for modele in apps.get_models():
        if modele._meta.app_label in APPLICATIONS_IGNOREES or modele._meta.proxy or not modele._meta.managed:
            continue
        if modele._meta.label in MODELES_DERIVES:
            continue
        champs = [f.attname for f in modele._meta.concrete_fields]
        lignes = modele._default_manager.order_by().values_list("pk", *champs)
        etat[modele._meta.label] = (champs, {pk: valeurs for pk, *valeurs in lignes})
    return etat


def ecritures(avant: dict, apres: dict) -> set[tuple[str, str]]:
    """(modèle, champ) de tout ce qui a changé ; (modèle, « lignes ») si des lignes sont
    apparues ou ont disparu."""
    changees = set()
    for label, (champs, lignes_avant) in avant.items():
        lignes_apres = apres[label][1]
        if lignes_avant.keys() != lignes_apres.keys():
            changees.add((label, "lignes"))
        for cle in lignes_avant.keys() & lignes_apres.keys():
            for champ, a, b in zip(champs, lignes_avant[cle], lignes_apres[cle], strict=True):
                if a != b:
                    changees.add((label, champ))
    return changees


def verifier_get(client, url):
    avant = photographier()
    reponse = client.get(url)
    interdites = ecritures(avant, photographier()) - LECTURES_PERMISES
    assert not interdites, f"GET {url} ({reponse.status_code}) a écrit : {sorted(interdites)}"
    return reponse


@pytest.mark.parametrize("page", list(pages().values()), ids=lambda p: p.nom)
def test_un_get_sur_une_page_du_portail_n_ecrit_rien(client, page):
    parent = famille_avec_parent()
    client.force_login(parent)
    url = reverse(page.nom, kwargs=page.preparer(parent))
    if page.query:
        from urllib.parse import urlencode

        url += "?" + urlencode(page.query)
    reponse = verifier_get(client, url)
    if page.methode == "POST":
        assert reponse.status_code == 405, url


def urls_hors_portail():
    """Les URL nommées hors des espaces du portail et de l'administration."""
    resultat = []

    def parcourir(motifs, espace):
        for motif in motifs:
            if isinstance(motif, URLResolver):
                if motif.app_name != "admin":
                    parcourir(motif.url_patterns, motif.namespace or espace)
            elif isinstance(motif, URLPattern) and motif.name and espace not in ESPACES_PORTAIL:
                nom = f"{espace}:{motif.name}" if espace else motif.name
                resultat.append((nom, list(motif.pattern.converters)))

    parcourir(get_resolver().url_patterns, None)
    return resultat


@pytest.mark.parametrize(("nom", "parametres"), urls_hors_portail(), ids=lambda v: str(v))
@pytest.mark.parametrize("connecte", [False, True], ids=["anonyme", "parent"])
def test_un_get_sur_une_url_publique_n_ecrit_rien(client, nom, parametres, connecte):
    from enfants import services as enfants_services

    parent = famille_avec_parent()
    flux = enfants_services.flux_calendrier_obtenir(enfant=EnfantFactory(famille=parent.famille))
    valeurs = {"jeton": flux.jeton, "pk": 1, "uidb64": "MQ", "token": "x-y"}
    if connecte:
        client.force_login(parent)
    verifier_get(client, reverse(nom, kwargs={p: valeurs[p] for p in parametres}))


def test_le_controle_voit_chaque_ecriture(parent):
    """Démonstration : une écriture (champ modifié, ligne ajoutée) est vue ; la lecture d'un
    message, seule permise, aussi, mais elle est écartée par LECTURES_PERMISES."""
    from django.utils import timezone

    from familles.models import Famille
    from messagerie.models import Message
    from tests.factories import fil_avec_messages

    fil = fil_avec_messages(famille=parent.famille)
    avant = photographier()
    Famille.objects.filter(pk=parent.famille_id).update(quotient_familial=1)
    EnfantFactory(famille=parent.famille)
    Message.objects.filter(fil=fil).update(lu_le=timezone.now())
    vues = ecritures(avant, photographier())
    assert {
        ("familles.Famille", "quotient_familial"),
        ("enfants.Enfant", "lignes"),
        ("messagerie.Message", "lu_le"),
    } <= vues
    assert vues - LECTURES_PERMISES
