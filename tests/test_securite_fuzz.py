"""Chaque formulaire du portail, rempli au hasard (Hypothesis) : jamais d'erreur 500, et un
formulaire refusé (réaffiché avec ses erreurs) n'écrit rien en base.

Les formulaires sont lus dans les pages de l'inventaire (tests/inventaire) et dans les pages
publiques : un nouveau formulaire est fuzzé sans rien ajouter ici.
"""

import io

import pytest
from django.apps import apps
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.formulaires import formulaires
from tests.inventaire import pages
from tests.qualite.visites import url_de_page

pytestmark = pytest.mark.django_db

EXEMPLES = 15
# Les réglages de chaque test : peu d'exemples (la suite reste rapide), pas de délai par exemple
# (une requête au portail), et les fixtures de fonction partagées entre exemples voulues.
FUZZ = settings(
    max_examples=EXEMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Tables que toute requête peut toucher sans que ce soit une écriture métier.
TABLES_IGNOREES = {"sessions", "axes", "admin", "otp_totp", "django_otp", "contenttypes", "auth"}

TEXTES = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e309",
            "NaN",
            "2015-02-30",
            "31/02/2015",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "🙂" * 5,
            "FR76 3000 6000 0112 3456 7890 189",
            "9" * 40,
        ]
    ),
    st.just("x" * 100_000),
)


def valeur(champ):
    if champ.type in {"select", "radio"} and champ.options:
        return st.one_of(st.sampled_from(champ.options), TEXTES)
    if champ.type == "checkbox":
        return st.one_of(st.sampled_from(champ.options or ["on"]), TEXTES)
    if champ.type == "file":
        return st.sampled_from([b"%PDF-1.4\n%fin", b"MZ\x90\x00executable", b"", b"\x89PNG\r\n"])
    return TEXTES


def compter_lignes():
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label not in TABLES_IGNOREES and not m._meta.proxy and m._meta.managed
    }


def formulaires_a_remplir(html: str):
    """Les formulaires POST d'une page, hors déconnexion (en-tête de chaque page)."""
    return [
        f
        for f in formulaires(html)
        if f.methode == "post" and reverse("deconnexion") not in f.action and "/logout/" not in f.action
    ]


def fuzzer(client, url, donnees):
    page = client.get(url, follow=True)
    assert page.status_code == 200, url
    cibles = formulaires_a_remplir(page.content.decode())
    url_finale = page.redirect_chain[-1][0] if page.redirect_chain else url
    for formulaire in cibles:
        action = formulaire.action or url_finale
        envoi = {}
        for champ in formulaire.champs.values():
            if champ.nom == "csrfmiddlewaretoken" or (champ.type == "hidden"):
                envoi[champ.nom] = champ.options[0] if champ.options else ""
                continue
            # Un champ sur quatre environ manque à l'envoi.
            if donnees.draw(st.sampled_from([True, True, True, False])):
                brut = donnees.draw(valeur(champ))
                if champ.type == "file":
                    fichier = io.BytesIO(brut)
                    fichier.name = donnees.draw(st.sampled_from(["piece.pdf", "a.exe", "../x.png"]))
                    envoi[champ.nom] = fichier
                else:
                    envoi[champ.nom] = brut.replace("\x00", "") if isinstance(brut, str) else brut
        avant = compter_lignes()
        reponse = client.post(action, envoi)
        assert reponse.status_code < 500, (action, envoi)
        if reponse.status_code == 200:
            assert compter_lignes() == avant, f"écriture partielle sur un refus : {action}"
    return len(cibles)


PAGES_AVEC_FORMULAIRES = [p for p in pages().values() if p.html and p.methode == "GET"]


@pytest.mark.parametrize("page", PAGES_AVEC_FORMULAIRES, ids=lambda p: p.nom)
def test_le_fuzzer_trouve_les_formulaires_que_declare_l_inventaire(client, parent, page):
    """Une page dont un formulaire a disparu (ou qui en gagne un) ne passe pas le fuzzing sans
    le dire : le fuzzer trouve exactement `PagePortail(formulaires=N)` formulaires."""
    client.force_login(parent)
    url = url_de_page(page, parent)
    reponse = client.get(url, follow=True)
    assert reponse.status_code == 200, url
    trouves = formulaires_a_remplir(reponse.content.decode())
    assert len(trouves) == page.formulaires, (
        f"{page.nom} : {len(trouves)} formulaire(s) à remplir, l'inventaire en déclare "
        f"{page.formulaires} (`formulaires=` dans tests/inventaire/) : "
        f"{[f.action or '(même page)' for f in trouves]}"
    )


@pytest.mark.parametrize("page", PAGES_AVEC_FORMULAIRES, ids=lambda p: p.nom)
@FUZZ
@given(donnees=st.data())
def test_formulaires_du_portail(client, parent, page, donnees):
    client.force_login(parent)
    url = url_de_page(page, parent)
    assert fuzzer(client, url, donnees) >= min(page.formulaires, 1)


@FUZZ
@given(donnees=st.data())
def test_formulaires_publics(client, parent, donnees):
    from django.core.cache import cache

    cache.clear()
    for nom in ("connexion", "mot_de_passe_oublie"):
        assert fuzzer(client, reverse(nom), donnees) >= 1


@FUZZ
@given(donnees=st.data())
def test_formulaires_de_mot_de_passe(client, parent, donnees):
    from familles.models import Utilisateur

    # Chaque exemple repart du même état : un exemple précédent a pu changer le mot de passe
    # (la session ouverte avec l'ancien ne vaut plus) ou s'arrêter au milieu (Hypothesis
    # interrompt un exemple à court de données), et Hypothesis rejoue les exemples.
    Utilisateur.objects.filter(pk=parent.pk).update(doit_changer_mot_de_passe=False)
    parent.refresh_from_db()
    client.force_login(parent)
    assert fuzzer(client, reverse("mot_de_passe_changer"), donnees) == 1
    Utilisateur.objects.filter(pk=parent.pk).update(doit_changer_mot_de_passe=True)
    parent.refresh_from_db()
    client.force_login(parent)
    assert fuzzer(client, reverse("mot_de_passe_nouveau"), donnees) == 1
    Utilisateur.objects.filter(pk=parent.pk).update(doit_changer_mot_de_passe=False)


@pytest.fixture
def objets_de_l_administration(parent):
    """Une demande en attente, une activité avec un enfant inscrit, un fil de messages."""
    from tests.factories import (
        ActiviteFactory,
        EnfantFactory,
        InscriptionFactory,
        demande_creer,
        fil_avec_messages,
    )

    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})
    activite = ActiviteFactory()
    InscriptionFactory(enfant=EnfantFactory(famille=parent.famille), activite=activite)
    fil = fil_avec_messages(famille=parent.famille)
    return {
        "refuser": reverse("admin:demandes_demande_refuser", args=[demande.pk]),
        "demande": reverse("admin:demandes_demande_change", args=[demande.pk]),
        "pointage": reverse("admin:enfants_activite_pointage", args=[activite.pk]),
        "fil": reverse("admin:messagerie_fil_change", args=[fil.pk]),
        "ecrire": reverse("admin:messagerie_fil_add"),
        "diffusion": reverse("admin:messagerie_diffusion_add"),
    }


@FUZZ
@given(donnees=st.data())
def test_vues_personnalisees_de_l_administration(client, objets_de_l_administration, donnees):
    """Les vues propres au portail dans l'administration (refus motivé, pointage, réponse dans
    un fil, écrire à une famille, diffusion), fuzzées avec un agent du superutilisateur."""
    from tests.factories import UtilisateurFactory

    agent = UtilisateurFactory(is_staff=True, is_superuser=True)
    client.force_login(agent)
    for url in objets_de_l_administration.values():
        fuzzer(client, url, donnees)


def test_autocompletion_avec_une_valeur_qui_n_est_pas_un_identifiant(client):
    """Trouvé par le fuzzing : « : » dans un champ d'autocomplétion faisait une erreur 500 au
    réaffichage du formulaire (widget de Django) ; le formulaire se réaffiche avec son erreur."""
    from messagerie.models import Fil
    from tests.factories import UtilisateurFactory

    client.force_login(UtilisateurFactory(is_staff=True, is_superuser=True))
    reponse = client.post(
        reverse("admin:messagerie_fil_add"), {"famille": ":", "objet": "Essai", "texte": "Bonjour"}
    )
    assert reponse.status_code == 200
    assert not Fil.objects.exists()
