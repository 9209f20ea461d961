"""`commun.expressions.DansTableau` : les mêmes lignes que `__in`, un seul paramètre sur
PostgreSQL, aucune requête pour une liste vide."""

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from commun.expressions import DansTableau
from familles.models import Famille
from tests.factories import FamilleFactory

pytestmark = pytest.mark.django_db


def test_memes_lignes_que_in_et_un_seul_parametre():
    familles = FamilleFactory.create_batch(5)
    voulues = [familles[0].pk, familles[3].pk, familles[4].pk, 10**9]
    with CaptureQueriesContext(connection) as requetes:
        trouvees = set(Famille.objects.filter(DansTableau(F("pk"), voulues)).values_list("pk", flat=True))
    assert trouvees == set(Famille.objects.filter(pk__in=voulues).values_list("pk", flat=True))
    assert trouvees == {familles[0].pk, familles[3].pk, familles[4].pk}
    sql = requetes.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_dans_un_ou_avec_une_autre_condition():
    a, b, c = FamilleFactory.create_batch(3)
    filtre = Q(DansTableau(F("pk"), [a.pk])) | Q(numero=c.numero)
    assert set(Famille.objects.filter(filtre).values_list("pk", flat=True)) == {a.pk, c.pk}
    # Une liste vide : ce côté du OU ne trouve rien, l'autre reste.
    filtre = Q(DansTableau(F("pk"), [])) | Q(numero=b.numero)
    assert list(Famille.objects.filter(filtre).values_list("pk", flat=True)) == [b.pk]


def test_liste_vide_aucune_requete():
    FamilleFactory()
    with CaptureQueriesContext(connection) as requetes:
        assert list(Famille.objects.filter(DansTableau(F("pk"), []))) == []
    assert len(requetes) == 0
