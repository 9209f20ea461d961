import pytest

from tests.factories import MOT_DE_PASSE, agent_ccas, famille_avec_parent


@pytest.fixture(autouse=True)
def _reglages_de_test(settings, tmp_path):
    # Hachage rapide : les tests créent beaucoup de comptes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.FICHIERS_PRIVES_ROOT = tmp_path / "prive"
    settings.MEDIA_ROOT = tmp_path / "media"


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
