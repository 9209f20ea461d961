"""Le webhook de paiement ne répond jamais 500, quoi qu'il reçoive (même validement signé) :

- corps illisible (JSON invalide, trop profond, pas un objet, trop gros) : 400, rien d'écrit ;
- événement lisible mais invalide (identifiant de plus de 255 caractères, type de plus de 100,
  caractère nul, session absente) : enregistré une fois, non traité, signalé « à vérifier »,
  réponse 200 (Stripe ne le renverra pas) ;
- horodatage de signature loin dans le futur : refusé comme un horodatage trop ancien.
"""

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturation import paiement
from facturation.models import EvenementPaiement, Reglement
from tests.test_facturation_paiement import SECRET, signer

pytestmark = pytest.mark.django_db

URL = "/paiements/stripe/webhook/"


@pytest.fixture(autouse=True)
def _cles_stripe(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_cle"
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def poster(client, corps: bytes, *, horodatage=None):
    return client.post(
        URL,
        corps,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signer(corps, horodatage=horodatage),
    )


def evenement(**champs) -> dict:
    donnees = {
        "id": "evt_1",
        "object": "event",
        "type": paiement.COMPLETED,
        "data": {"object": {"id": "cs_1", "amount_total": 1000, "currency": "eur", "payment_status": "paid"}},
    }
    donnees.update(champs)
    return donnees


def test_corps_imbrique_sur_100_000_niveaux(client):
    corps = b'{"id": "evt_1", "type": "x", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert poster(client, corps).status_code == 400
    assert not EvenementPaiement.objects.exists()


@pytest.mark.parametrize(
    "corps", [b"[1, 2]", b"42", b'"evt"', b"null", b"{", b"\xff\xfe", b'{"id": "evt_1"}\x00']
)
def test_corps_illisible_ou_qui_n_est_pas_un_objet(client, corps):
    assert poster(client, corps).status_code == 400
    assert not EvenementPaiement.objects.exists()


def test_corps_trop_gros(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    corps = json.dumps(evenement(remplissage="x" * 20_000)).encode()
    assert poster(client, corps).status_code == 400
    assert not EvenementPaiement.objects.exists()


@pytest.mark.parametrize(
    ("champs", "motif"),
    [
        ({"id": "evt_" + "x" * 300}, "identifiant d'événement invalide (texte de 304 caractères)"),
        ({"id": "evt_\u0000nul"}, "identifiant d'événement invalide (caractère de contrôle)"),
        ({"id": "evt_\ud800"}, "identifiant d'événement invalide"),
        ({"id": 12}, "identifiant d'événement invalide (nombre)"),
        ({"id": {"a": 1}}, "identifiant d'événement invalide (objet)"),
        ({"type": "checkout." + "x" * 150}, "type d'événement invalide (texte de 159 caractères)"),
        ({"type": "checkout.session.completed\u0000"}, "type d'événement invalide (caractère de contrôle)"),
        ({"data": []}, "session absente ou invalide"),
        ({"data": {"object": {"id": "cs_\u0000"}}}, "session absente ou invalide"),
        ({"data": {"object": ["cs_1"]}}, "session absente ou invalide"),
    ],
)
def test_evenement_invalide_enregistre_a_verifier_sans_traitement(client, champs, motif):
    corps = json.dumps(evenement(**champs)).encode()
    for _ in range(2):  # rejoué : toujours un seul enregistrement
        assert poster(client, corps).status_code == 200
    stocke = EvenementPaiement.objects.get()
    assert stocke.signale and stocke.statut == EvenementPaiement.Statut.IGNORE
    assert motif in stocke.motif and "à vérifier" in stocke.motif
    assert "\x00" not in stocke.evenement_id + stocke.type + stocke.session_id
    assert len(stocke.evenement_id) <= 255 and len(stocke.type) <= 100
    assert not Reglement.objects.exists()


@pytest.mark.parametrize("decalage", [301, 3600, 10**9])
def test_horodatage_dans_le_futur_refuse(client, decalage):
    corps = json.dumps(evenement()).encode()
    assert poster(client, corps, horodatage=int(time.time()) + decalage).status_code == 400
    assert not EvenementPaiement.objects.exists()


def test_horodatage_juste_present_accepte(client):
    corps = json.dumps(evenement(type="payment_intent.created")).encode()
    assert poster(client, corps, horodatage=int(time.time()) + 5).status_code == 200


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda enfants: st.lists(enfants, max_size=4) | st.dictionaries(st.text(max_size=8), enfants, max_size=4),
    max_leaves=20,
)
CHAMPS = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON | st.text(max_size=400),
        "type": JSON
        | st.sampled_from([paiement.COMPLETED, paiement.ASYNC_OK, paiement.ASYNC_ECHEC, paiement.EXPIRED]),
        "data": JSON
        | st.fixed_dictionaries(
            {
                "object": JSON
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "id",
                            "amount_total",
                            "currency",
                            "payment_status",
                            "metadata",
                            "customer_details",
                            "client_reference_id",
                            "customer_email",
                        ]
                    ),
                    JSON,
                )
            }
        ),
    },
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(donnees=JSON | CHAMPS)
def test_aucun_contenu_signe_ne_fait_d_erreur_500(client, donnees):
    """N'importe quel JSON, validement signé : 200 ou 400, jamais 500 (le client de test lève
    l'exception d'une erreur 500) ; ce qui est enregistré tient en base."""
    reponse = poster(client, json.dumps(donnees).encode())
    assert reponse.status_code in (200, 400)
    for stocke in EvenementPaiement.objects.all():
        assert len(stocke.evenement_id) <= 255 and len(stocke.type) <= 100
