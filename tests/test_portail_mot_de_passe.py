"""Mots de passe : règles du guide, changement imposé, cadenas, mot de passe oublié."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from familles import demo
from familles.validators import MESSAGE_CHIFFRE, MESSAGE_MAJUSCULE, MESSAGE_MINUSCULE
from portail.forms import (
    MESSAGE_ANCIEN_INCORRECT,
    MESSAGE_CONFIRMATION_DIFFERENTE,
    MESSAGE_NOUVEAU_IDENTIQUE,
)

pytestmark = pytest.mark.django_db

URL_NOUVEAU = reverse("mot_de_passe_nouveau")
URL_CHANGER = reverse("mot_de_passe_changer")


@pytest.fixture
def parent_temporaire(db):
    demo.creer()
    from familles.models import Utilisateur

    return Utilisateur.objects.get(username=demo.IDENTIFIANT_MARTIN)


def se_connecter(client, identifiant, mot_de_passe):
    return client.post(reverse("connexion"), {"username": identifiant, "password": mot_de_passe})


def test_premiere_connexion_impose_un_nouveau_mot_de_passe(client, parent_temporaire):
    se_connecter(client, demo.IDENTIFIANT_MARTIN, demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN)
    for url in (reverse("portail:accueil"), URL_CHANGER, "/compte/"):
        reponse = client.get(url)
        assert reponse.status_code == 302
        assert reponse["Location"] == URL_NOUVEAU
    page = client.get(URL_NOUVEAU).content.decode()
    assert "Choisir un nouveau mot de passe" in page


def test_changement_impose_puis_acces_au_portail(client, parent_temporaire):
    se_connecter(client, demo.IDENTIFIANT_MARTIN, demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN)
    nouveau = "Lapin-Vert-2026"
    reponse = client.post(URL_NOUVEAU, {"nouveau_mot_de_passe": nouveau, "confirmation": nouveau})
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("portail:accueil")
    assert client.get(reverse("portail:accueil")).status_code == 200
    parent_temporaire.refresh_from_db()
    assert not parent_temporaire.doit_changer_mot_de_passe
    assert parent_temporaire.check_password(nouveau)


def test_le_mot_de_passe_temporaire_ne_peut_pas_etre_repris(client, parent_temporaire):
    se_connecter(client, demo.IDENTIFIANT_MARTIN, demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN)
    temporaire = demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN
    reponse = client.post(URL_NOUVEAU, {"nouveau_mot_de_passe": temporaire, "confirmation": temporaire})
    assert reponse.status_code == 200
    assert MESSAGE_NOUVEAU_IDENTIQUE in reponse.content.decode()
    parent_temporaire.refresh_from_db()
    assert parent_temporaire.doit_changer_mot_de_passe


@pytest.mark.parametrize(
    ("mot", "message"),
    [
        ("Court1a", "Ce mot de passe est trop court. Il doit contenir au minimum 8 caractères."),
        ("sansmajuscule1", MESSAGE_MAJUSCULE),
        ("SANSMINUSCULE1", MESSAGE_MINUSCULE),
        ("SansChiffreIci", MESSAGE_CHIFFRE),
        ("Password1", "Ce mot de passe est trop courant."),
    ],
)
def test_chaque_regle_refusee_avec_son_message(client, parent_temporaire, mot, message):
    se_connecter(client, demo.IDENTIFIANT_MARTIN, demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN)
    reponse = client.post(URL_NOUVEAU, {"nouveau_mot_de_passe": mot, "confirmation": mot})
    assert reponse.status_code == 200
    page = reponse.content.decode().replace("&#x27;", "'")
    assert message in page
    parent_temporaire.refresh_from_db()
    assert parent_temporaire.check_password(demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN)


def test_mot_de_passe_trop_proche_de_l_identifiant(client, parent_temporaire):
    se_connecter(client, demo.IDENTIFIANT_MARTIN, demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN)
    mot = "Sophie.Martin1"
    reponse = client.post(URL_NOUVEAU, {"nouveau_mot_de_passe": mot, "confirmation": mot})
    assert "trop semblable" in reponse.content.decode()


def test_confirmation_differente(client, parent_temporaire):
    se_connecter(client, demo.IDENTIFIANT_MARTIN, demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN)
    reponse = client.post(
        URL_NOUVEAU, {"nouveau_mot_de_passe": "Lapin-Vert-2026", "confirmation": "Lapin-Vert-2027"}
    )
    assert MESSAGE_CONFIRMATION_DIFFERENTE in reponse.content.decode()


def test_longue_phrase_de_passe_acceptee(client_parent, parent):
    phrase = "Le petit Chat de la voisine dort sur le toit depuis 2019 et rêve de souris !" * 2
    assert len(phrase) > 64
    reponse = client_parent.post(
        URL_CHANGER,
        {"ancien_mot_de_passe": "Portail2026Ok", "nouveau_mot_de_passe": phrase, "confirmation": phrase},
    )
    assert reponse.status_code == 302
    parent.refresh_from_db()
    assert parent.check_password(phrase)


def test_cadenas_ancien_mot_de_passe_requis(client_parent, parent):
    reponse = client_parent.post(
        URL_CHANGER,
        {
            "ancien_mot_de_passe": "PasLeBon2026",
            "nouveau_mot_de_passe": "Lapin-Vert-2026",
            "confirmation": "Lapin-Vert-2026",
        },
    )
    assert MESSAGE_ANCIEN_INCORRECT in reponse.content.decode()
    parent.refresh_from_db()
    assert parent.check_password("Portail2026Ok")


def test_changer_garde_cette_session_et_ferme_les_autres(parent):
    ici, ailleurs = Client(), Client()
    for client in (ici, ailleurs):
        assert se_connecter(client, parent.username, "Portail2026Ok").status_code == 302
        assert client.get(reverse("portail:accueil")).status_code == 200
    reponse = ici.post(
        URL_CHANGER,
        {
            "ancien_mot_de_passe": "Portail2026Ok",
            "nouveau_mot_de_passe": "Lapin-Vert-2026",
            "confirmation": "Lapin-Vert-2026",
        },
    )
    assert reponse.status_code == 302
    assert ici.get(reverse("portail:accueil")).status_code == 200
    assert ailleurs.get(reverse("portail:accueil")).status_code == 302


def test_oubli_message_neutre_et_courriel_envoye(client, parent):
    reponse = client.post(reverse("mot_de_passe_oublie"), {"email": parent.email}, follow=True)
    page_existant = reponse.content.decode()
    assert len(mail.outbox) == 1
    assert parent.username in mail.outbox[0].body
    reponse = client.post(reverse("mot_de_passe_oublie"), {"email": "inconnu@example.fr"}, follow=True)
    assert len(mail.outbox) == 1
    assert (
        reponse.content.decode()
        .replace(reponse.wsgi_request.META.get("CSRF_COOKIE", ""), "")
        .count("Si cette adresse correspond")
        == page_existant.count("Si cette adresse correspond")
        == 1
    )


def lien_du_courriel():
    return re.search(r"http://[^/]+(/mot-de-passe/reinitialiser/\S+/)", mail.outbox[-1].body)[1]


def test_reinitialisation_puis_lien_reutilise(client, parent):
    parent.doit_changer_mot_de_passe = True
    parent.save()
    client.post(reverse("mot_de_passe_oublie"), {"email": parent.email})
    lien = lien_du_courriel()
    formulaire = client.get(lien, follow=True)
    url_formulaire = formulaire.redirect_chain[-1][0]
    reponse = client.post(
        url_formulaire, {"nouveau_mot_de_passe": "Lapin-Vert-2026", "confirmation": "Lapin-Vert-2026"}
    )
    assert reponse.status_code == 302
    parent.refresh_from_db()
    assert parent.check_password("Lapin-Vert-2026")
    assert not parent.doit_changer_mot_de_passe
    # Le même lien ne sert pas deux fois.
    encore = Client().get(lien, follow=True)
    assert "Lien invalide ou expiré" in encore.content.decode()


def test_lien_expire(client, parent, settings):
    client.post(reverse("mot_de_passe_oublie"), {"email": parent.email})
    lien = lien_du_courriel()
    settings.PASSWORD_RESET_TIMEOUT = -1
    reponse = client.get(lien, follow=True)
    assert "Lien invalide ou expiré" in reponse.content.decode()


def test_deconnexion_ferme_la_session_cote_serveur(client_parent):
    cle = client_parent.session.session_key
    client_parent.post(reverse("deconnexion"))
    assert not Session.objects.filter(session_key=cle).exists()
    assert SESSION_KEY not in client_parent.session


def test_changement_impose_aucun_onglet_ni_lien_qui_ne_mene_nulle_part(client, parent_temporaire):
    """Tant que le mot de passe est temporaire, tout renvoie vers le changement : la page ne
    montre ni les onglets ni un lien qui y ramènerait."""
    se_connecter(client, demo.IDENTIFIANT_MARTIN, demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN)
    page = client.get(URL_NOUVEAU).content.decode()
    assert 'aria-label="Onglets du portail"' not in page
    assert "Mes données" not in page and "Infos./Documents" not in page
    liens = set(re.findall(r'<a [^>]*href="(/[^"#]*)', page))
    assert liens, "la page garde ses liens utiles (pages légales)"
    for lien in liens:
        reponse = client.get(lien)
        assert not (reponse.status_code == 302 and reponse["Location"] == URL_NOUVEAU), (
            f"le lien {lien} ramène à la page de changement"
        )
    # On peut toujours se déconnecter.
    assert 'action="/deconnexion/"' in page


# --- Critères affichés avant la saisie : chaque règle qui peut refuser (issue 15) ------------


def _criteres_affiches(html: str) -> list[str]:
    liste = html.split('id="regles-mot-de-passe"', 1)[1].split("</ul>", 1)[0]
    return [" ".join(c.split()) for c in re.findall(r"<li>(.*?)</li>", liste, re.S)]


# Pour chaque règle : un mot de passe qu'elle seule refuse, et le critère affiché qui l'annonce.
REFUS_ANNONCES = [
    ("Court1a", "8 caractères minimum"),
    ("sansmajuscule1", "Au moins 1 majuscule"),
    ("SANSMINUSCULE1", "Au moins 1 minuscule"),
    ("SansChiffreIci", "Au moins 1 caractère numérique"),
    ("Azerty123", "Pas un mot de passe trop courant (comme « Azerty123 »)"),
    (
        "Sophie.Martin1",
        "Pas trop proche de votre identifiant, de vos nom et prénom ou de votre adresse email",
    ),
    (demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN, "Différent de votre mot de passe actuel"),
]


@pytest.mark.parametrize(("mot", "critere"), REFUS_ANNONCES)
def test_chaque_refus_est_annonce_avant_la_saisie(client, parent_temporaire, mot, critere):
    se_connecter(client, demo.IDENTIFIANT_MARTIN, demo.MOT_DE_PASSE_TEMPORAIRE_MARTIN)
    assert critere in _criteres_affiches(client.get(URL_NOUVEAU).content.decode())
    reponse = client.post(URL_NOUVEAU, {"nouveau_mot_de_passe": mot, "confirmation": mot})
    assert reponse.status_code == 200 and 'id="resume-erreurs"' in reponse.content.decode()


def test_les_trois_pages_affichent_tous_les_criteres(client, parent):
    from portail.forms import criteres_mot_de_passe

    client.force_login(parent)
    criteres = criteres_mot_de_passe()
    assert criteres[:4] == [
        "8 caractères minimum",
        "Au moins 1 majuscule",
        "Au moins 1 minuscule",
        "Au moins 1 caractère numérique",
    ]  # l'ordre du guide des familles
    assert len(criteres) == 7
    assert _criteres_affiches(client.get(URL_CHANGER).content.decode()) == [
        *criteres,
        "Différent de votre mot de passe actuel",
    ]
    client.logout()
    client.post(reverse("mot_de_passe_oublie"), {"email": parent.email})
    page = client.get(lien_du_courriel(), follow=True).content.decode()
    assert _criteres_affiches(page)[:7] == criteres


def test_un_validateur_sans_critere_affiche_est_refuse(settings):
    from django.contrib.auth import password_validation
    from django.core.exceptions import ImproperlyConfigured

    from portail.forms import criteres_mot_de_passe

    settings.AUTH_PASSWORD_VALIDATORS = [
        *settings.AUTH_PASSWORD_VALIDATORS,
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
        {"NAME": "tests.test_portail_mot_de_passe.ValidateurInconnu"},
    ]
    password_validation.get_default_password_validators.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="ValidateurInconnu n'a pas de critère"):
            criteres_mot_de_passe()
    finally:
        password_validation.get_default_password_validators.cache_clear()


class ValidateurInconnu:
    def validate(self, password, user=None):
        pass
