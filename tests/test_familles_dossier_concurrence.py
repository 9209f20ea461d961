"""Deux agents décident ensemble de la même pièce : une seule décision, une seule notification
(verrou de ligne sur le dépôt, effectif sur PostgreSQL ; SQLite sérialise et l'on réessaie)."""

import datetime
import time

import pytest
from django.db import connection
from django.utils import timezone

from commun.models import Audit
from demandes import services
from familles import services as familles_services
from messagerie.models import Fil
from tests import factories
from tests.aides import en_parallele

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fenetre_de_course_elargie(monkeypatch):
    """Entre la lecture du statut et la trace de la décision, on laisse l'autre agent lire : sans
    verrou, tous deux verraient la pièce en attente (PostgreSQL seulement, voir planning)."""
    if connection.vendor != "postgresql":
        return
    from commun import audit

    tracer = audit.audit_enregistrer

    def lent(**kwargs):
        time.sleep(0.3)
        return tracer(**kwargs)

    monkeypatch.setattr(audit, "audit_enregistrer", lent)


def _en_parallele(fonctions):
    return en_parallele(fonctions, erreurs=(familles_services.DossierErreur,))


def test_deux_agents_valident_et_refusent_ensemble_une_seule_decision():
    parent = factories.famille_avec_parent()
    piece = factories.piece_deposee(famille=parent.famille)
    # Des comptes du personnel sans groupe : une base vidée par un test transactionnel n'a plus
    # le groupe CCAS, et les services de décision ne lisent que la permission sanitaire.
    agents = [factories.UtilisateurFactory(is_staff=True), factories.UtilisateurFactory(is_staff=True)]
    fin = timezone.localdate() + datetime.timedelta(days=100)
    resultats = _en_parallele(
        [
            lambda: services.piece_accepter(piece=piece, agent=agents[0], valide_jusqu_au=fin),
            lambda: services.piece_refuser(piece=piece, agent=agents[1], motif="Illisible"),
        ]
    )
    erreurs = [r for r in resultats if isinstance(r, familles_services.DossierErreur)]
    assert len(erreurs) == 1 and erreurs[0].message == familles_services.MESSAGE_PIECE_DEJA_DECIDEE
    piece.refresh_from_db()
    assert piece.statut in ("validee", "refusee")
    assert (
        Audit.objects.filter(action__startswith="Pièce justificative ", famille=parent.famille)
        .exclude(action="Pièce justificative déposée")
        .count()
        == 1
    )
    assert Fil.objects.filter(famille=parent.famille).count() == 1
