"""Le nombre de non-lus par la structure, tenu sur chaque fil par la base (`messagerie.declencheurs`,
issue 22) : juste après chaque sorte d'écriture d'un message, quelle qu'en soit la source."""

import pytest
from django.db import connection
from django.utils import timezone

from messagerie import declencheurs, services
from messagerie.models import Fil, Message
from tests.factories import FilFactory, MessageFactory

pytestmark = pytest.mark.django_db


def _compte_reel(fil) -> int:
    return Message.objects.filter(fil=fil, de_la_famille=True, lu_le__isnull=True).count()


def _tenu(fil) -> int:
    return Fil.objects.values_list("non_lus_structure", flat=True).get(pk=fil.pk)


def test_un_message_de_la_famille_compte_celui_du_ccas_non():
    fil = FilFactory()
    MessageFactory(fil=fil)
    MessageFactory(fil=fil)
    MessageFactory(fil=fil, de_la_famille=False)
    MessageFactory(fil=fil, lu_le=timezone.now())
    assert _tenu(fil) == 2 == _compte_reel(fil)


def test_lu_par_la_structure_remet_a_zero():
    fil = FilFactory()
    MessageFactory.create_batch(3, fil=fil)
    autre = FilFactory(famille=fil.famille)
    MessageFactory(fil=autre)
    assert services.fil_marquer_lu_par_la_structure(fil=fil) == 3
    assert _tenu(fil) == 0
    assert _tenu(autre) == 1  # l'autre fil n'est pas touché


def test_ecritures_en_masse_update_suppression_et_deplacement():
    fil, autre = FilFactory(), FilFactory()
    Message.objects.bulk_create(
        [Message(fil=fil, de_la_famille=True, texte=f"n° {i}") for i in range(5)]
        + [Message(fil=autre, de_la_famille=True, texte="autre")]
    )
    assert (_tenu(fil), _tenu(autre)) == (5, 1)
    # Un message remis non lu (QuerySet.update, comme une correction en base).
    premier = Message.objects.filter(fil=fil).order_by("pk").first()
    Message.objects.filter(pk=premier.pk).update(lu_le=timezone.now())
    assert _tenu(fil) == 4
    Message.objects.filter(pk=premier.pk).update(lu_le=None)
    assert _tenu(fil) == 5
    # Un message déplacé d'un fil à l'autre : les deux fils sont recomptés.
    Message.objects.filter(pk=premier.pk).update(fil=autre)
    assert (_tenu(fil), _tenu(autre)) == (4, 2)
    # Supprimé (un seul, puis tous par la suppression du fil).
    Message.objects.filter(fil=fil).order_by("pk").first().delete()
    assert _tenu(fil) == 3
    autre.delete()
    assert not Message.objects.filter(fil_id=autre.pk).exists()
    assert _tenu(fil) == 3 == _compte_reel(fil)


def _compter_les_reecritures_des_fils(curseur):
    """Un déclencheur de test qui note chaque ligne de fil réécrite (dans la transaction du test)."""
    curseur.execute("CREATE TABLE test_fils_reecrits (fil_id bigint)")
    if connection.vendor == "postgresql":
        curseur.execute(
            "CREATE FUNCTION test_fils_reecrits() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO test_fils_reecrits VALUES (NEW.id); RETURN NULL; END $$"
        )
        curseur.execute(
            "CREATE TRIGGER test_fils_reecrits AFTER UPDATE ON messagerie_fil "
            "FOR EACH ROW EXECUTE FUNCTION test_fils_reecrits()"
        )
    else:
        curseur.execute(
            "CREATE TRIGGER test_fils_reecrits AFTER UPDATE ON messagerie_fil FOR EACH ROW "
            "BEGIN INSERT INTO test_fils_reecrits VALUES (NEW.id); END"
        )


def test_un_message_du_ccas_ne_reecrit_pas_le_fil():
    """Le déclencheur ne réécrit pas un fil dont le compte ne change pas (ni sa ligne, ni la
    version de la famille par elle) ; il réécrit celui dont le compte change."""
    fil = FilFactory()
    MessageFactory(fil=fil)
    with connection.cursor() as curseur:
        _compter_les_reecritures_des_fils(curseur)
        MessageFactory(fil=fil, de_la_famille=False)
        MessageFactory(fil=fil, lu_le=timezone.now())
        curseur.execute("SELECT COUNT(*) FROM test_fils_reecrits")
        assert curseur.fetchone()[0] == 0
        MessageFactory(fil=fil)
        curseur.execute("SELECT fil_id FROM test_fils_reecrits")
        assert [ligne[0] for ligne in curseur.fetchall()] == [fil.pk]
    assert _tenu(fil) == 2


def test_recompter_tout_repare_un_compte_faux():
    fil = FilFactory()
    MessageFactory.create_batch(2, fil=fil)
    with connection.cursor() as curseur:
        # Une base restaurée sans les déclencheurs, par exemple.
        curseur.execute("UPDATE messagerie_fil SET non_lus_structure = 7 WHERE id = %s", [fil.pk])
    assert _tenu(fil) == 7
    assert declencheurs.recompter_tout() == 1
    assert _tenu(fil) == 2


def test_installer_est_reentrant_et_les_declencheurs_sont_la():
    assert declencheurs.installer() > 0
    assert declencheurs.installer() > 0  # sans erreur : DROP IF EXISTS puis CREATE
    if connection.vendor == "postgresql":
        requete = "SELECT tgname FROM pg_trigger WHERE tgname LIKE %s"
    else:
        requete = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s"
    with connection.cursor() as curseur:
        curseur.execute(requete, [f"{declencheurs.NOM}%"])
        noms = {ligne[0] for ligne in curseur.fetchall()}
    assert noms == {f"{declencheurs.NOM}_{s}" for s in "iud"}
    fil = FilFactory()
    MessageFactory(fil=fil)
    assert _tenu(fil) == 1
