import pytest
from hypothesis import HealthCheck, settings

from tests.factories import MOT_DE_PASSE, agent_ccas, famille_avec_parent

# La suite tourne sur une machine partagée (CI, deux processus xdist) : la lenteur de génération
# des données dépend de la charge, pas du code. On garde toutes les autres vérifications de
# Hypothesis ; seules la limite de temps par exemple et le contrôle « génération lente » tombent.
settings.register_profile(
    "portail",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("portail")


@pytest.fixture(autouse=True)
def _reglages_de_test(settings, tmp_path):
    # Hachage rapide : les tests créent beaucoup de comptes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.FICHIERS_PRIVES_ROOT = tmp_path / "prive"
    settings.MEDIA_ROOT = tmp_path / "media"
    # Les tâches de fond (notifications) s'exécutent dès leur mise en file, après validation de
    # la transaction : un test qui veut voir la file la remplace (DummyBackend).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # Heures calmes des SMS : hors de toute journée, sauf pour les tests qui les vérifient.
    settings.RAPPELS_SMS_HEURE_DEBUT, settings.RAPPELS_SMS_HEURE_FIN = 0, 24
    settings.SMS_BACKEND = "messagerie.sms.ConsoleSMS"
    # Le cache par famille (commun.cache_famille) : d'un test à l'autre, une famille peut
    # reprendre le même identifiant et la même version (base annulée) ; chaque test part à vide.
    from django.core.cache import cache

    cache.clear()
    settings.SMS_FICHIER = ""
    from messagerie.sms import ConsoleSMS

    ConsoleSMS.envoyes.clear()


@pytest.fixture
def parent(db):
    return famille_avec_parent()


@pytest.fixture
def autre_parent(db):
    return famille_avec_parent()


@pytest.fixture
def client_parent(client, parent):
    client.force_login(parent)
    return client


@pytest.fixture
def agent(db):
    return agent_ccas()


@pytest.fixture
def mot_de_passe():
    return MOT_DE_PASSE
