"""Administration des demandes : un agent refuse une demande d'inscription en liste d'attente
(motif, message à la famille, journal ; les suivantes y gagnent un rang), et la liste montre la
position en liste d'attente de chaque demande d'inscription, sans requête par ligne."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commun.models import Audit
from demandes import selectors, services
from demandes.models import Demande
from messagerie.models import Message
from tests.test_inscriptions_acceptation import LISTE, _demandes, _occuper, _texte, activite, campagne  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def attente(agent, activite, campagne):  # noqa: F811
    _occuper(activite, campagne, 2)
    demandes = _demandes(activite, campagne, 3)
    for demande in demandes:
        services.demande_accepter(demande=demande, agent=agent)
    assert {d.statut for d in Demande.objects.filter(pk__in=[d.pk for d in demandes])} == {"liste_attente"}
    return demandes


def test_l_agent_refuse_une_demande_en_liste_d_attente(
    client, agent, attente, django_capture_on_commit_callbacks
):
    premiere, seconde, troisieme = attente
    client.force_login(agent)
    detail = _texte(client.get(reverse("admin:demandes_demande_change", args=[premiere.pk])))
    assert "Refuser…" in detail and 'name="_accepter"' not in detail
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(
            reverse("admin:demandes_demande_refuser", args=[premiere.pk]),
            {"motif": "Pas de place avant l'été : inscrivez-le à la garderie du soir."},
            follow=True,
        )
    assert reponse.status_code == 200
    premiere.refresh_from_db()
    assert premiere.statut == Demande.Statut.REFUSEE
    assert premiere.motif == "Pas de place avant l'été : inscrivez-le à la garderie du soir."
    assert premiere.decide_par == agent
    message = Message.objects.filter(fil__famille=premiere.famille).latest("pk")
    assert "a été refusée" in message.texte and "garderie du soir" in message.texte
    audit = Audit.objects.filter(objet__startswith=f"Demande n° {premiere.pk} ").latest("pk")
    assert "Demande refusée (elle était en liste d'attente)" in audit.action
    # Les suivantes gagnent un rang ; aucune place ne s'est libérée (rien n'est proposé).
    seconde.refresh_from_db()
    assert seconde.statut == Demande.Statut.LISTE_ATTENTE
    assert selectors.position_en_liste_attente(demande=seconde) == 1
    assert selectors.position_en_liste_attente(demande=troisieme) == 2


def test_une_demande_acceptee_ne_se_refuse_pas(agent, activite, campagne, parent):  # noqa: F811
    from tests.aides_inscriptions import demander, enfant_de

    demande = demander(parent, enfant_de(parent), activite, campagne)
    demande = services.demande_accepter(demande=demande, agent=agent)
    assert demande.statut == Demande.Statut.ACCEPTEE
    with pytest.raises(services.DemandeDejaTraitee):
        services.demande_refuser(demande=demande, agent=agent, motif="Trop tard")


def test_la_liste_montre_la_position_sans_requete_par_ligne(client, agent, attente, activite, campagne):  # noqa: F811
    client.force_login(agent)
    client.get(LISTE)
    with CaptureQueriesContext(connection) as trois:
        html = _texte(client.get(LISTE, {"statut__exact": "liste_attente"}))
    assert "column-position_attente" in html
    for rang in ("1re position", "2e position", "3e position"):
        assert f'<td class="field-position_attente">{rang}</td>' in html, rang
    plus = _demandes(activite, campagne, 3)
    for demande in plus:
        services.demande_accepter(demande=demande, agent=agent)
    with CaptureQueriesContext(connection) as six:
        html = _texte(client.get(LISTE, {"statut__exact": "liste_attente"}))
    assert '<td class="field-position_attente">6e position</td>' in html
    assert len(six) == len(trois)
    # Une demande hors liste d'attente : un tiret.
    _demandes(activite, campagne, 1)
    html = _texte(client.get(LISTE, {"statut__exact": "en_attente"}))
    assert 'class="field-position_attente">—</td>' in html
