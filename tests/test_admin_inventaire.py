"""L'inventaire de l'administration, comme celui du portail (`tests/inventaire/`) : chaque liste et
chaque fiche que l'agent du CCAS de démonstration peut ouvrir, avec son nombre **exact** de
requêtes SQL (issue 22). Une requête de plus (une ligne qui relit sa famille, un filtre qui
compte une table) fait échouer le test ; une nouvelle administration visible de l'agent doit y
être déclarée. Que ces nombres ne grandissent pas avec les lignes : tests/test_admin_requetes.py
(listes) et tests/test_admin_fiches_requetes.py (fiches à formulaires en ligne) ; les temps au
volume d'une vraie ville : scripts/bench_admin.py.

Les nombres comptent tout ce que fait la page : session, compte, permissions (deux requêtes),
puis la page elle-même ; la fiche est celle du premier objet (par clé) que l'agent voit."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.qualite.jeux import completer_administration, parent_demo

pytestmark = pytest.mark.django_db

# (liste, fiche) : nombre de requêtes ; fiche None pour une administration dont l'agent ne voit
# aucun objet (démonstration complétée par `completer_administration`).
INVENTAIRE: dict[str, tuple[int, int | None]] = {
    "commun.audit": (9, 8),
    "demandes.demande": (10, 13),
    "enfants.absence": (9, 8),
    "enfants.activite": (8, 10),
    "enfants.campagne": (7, 11),
    "enfants.dossiercampagne": (9, 10),
    "enfants.enfant": (8, 16),
    "enfants.fermeture": (10, 9),
    "enfants.inscription": (9, 10),
    "enfants.presence": (7, 10),
    "enfants.reservation": (7, 17),
    "enfants.structure": (7, 6),
    "facturation.evenementpaiement": (8, 6),
    "facturation.facture": (8, 10),
    "facturation.paiementenligne": (8, 8),
    "facturation.regie": (7, 7),
    "facturation.reglement": (8, 9),
    "familles.consentement": (11, 10),
    "familles.famille": (8, 16),
    "familles.piecejustificative": (12, 10),
    "familles.texteconsentement": (9, 8),
    "familles.typepiece": (7, 5),
    "familles.utilisateur": (9, 11),
    "messagerie.agentstructure": (8, 7),
    "messagerie.attestationenvoyee": (9, 7),
    "messagerie.diffusion": (7, 6),
    "messagerie.document": (7, 5),
    "messagerie.fermetureexceptionnelle": (10, 6),
    "messagerie.fil": (8, 14),
    "messagerie.information": (9, 5),
    "messagerie.notification": (10, 8),
}

TIERCES = ("axes", "django_tasks_database", "otp_totp")


def _agent():
    from familles.demo import IDENTIFIANT_AGENT
    from familles.models import Famille, Utilisateur

    parent_demo()
    completer_administration(*Famille.objects.order_by("numero")[:2])
    return Utilisateur.objects.get(username=IDENTIFIANT_AGENT)


def _visibles(agent):
    requete = RequestFactory().get("/admin/")
    requete.user = agent
    for modele, modele_admin in sorted(admin.site._registry.items(), key=lambda m: m[0]._meta.label_lower):
        if modele._meta.app_label in TIERCES or not modele_admin.has_view_or_change_permission(requete):
            continue
        premier = modele_admin.get_queryset(requete).order_by("pk").first()
        yield modele._meta.label_lower, modele, premier


def _compter(client, url) -> int:
    """Les requêtes d'une page déjà ouverte une fois : sans ce que Django garde ensuite pour tout
    le processus (types de contenu), qui dépend des pages et des tests passés avant."""
    client.get(url)
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
    assert reponse.status_code == 200, (url, reponse.status_code)
    return len(requetes)


def test_chaque_page_de_l_administration_a_son_nombre_exact_de_requetes(client):
    agent = _agent()
    client.force_login(agent)
    mesures: dict[str, tuple[int, int | None]] = {}
    for nom, modele, premier in _visibles(agent):
        app, model = modele._meta.app_label, modele._meta.model_name
        liste = _compter(client, reverse(f"admin:{app}_{model}_changelist"))
        fiche = None
        if premier is not None:
            fiche = _compter(client, reverse(f"admin:{app}_{model}_change", args=[premier.pk]))
        mesures[nom] = (liste, fiche)
    differences = {
        nom: (INVENTAIRE.get(nom), mesure) for nom, mesure in mesures.items() if INVENTAIRE.get(nom) != mesure
    }
    en_trop = sorted(set(INVENTAIRE) - set(mesures))
    assert not differences, "déclaré → mesuré (liste, fiche) :\n" + "\n".join(
        f"    {nom!r}: {mesure},  # déclaré : {declare}"
        for nom, (declare, mesure) in sorted(differences.items())
    )
    assert not en_trop, f"déclarées mais invisibles de l'agent : {en_trop}"
    assert len(mesures) >= 25
