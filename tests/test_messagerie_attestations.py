"""Envoi en masse des attestations de frais de garde : un message par famille, PDF joint, une
seule fois par famille et par année."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from commun.models import Audit
from messagerie.models import AttestationEnvoyee, Fil, PieceJointe
from tests.factories import EnfantFactory, RegieFactory, famille_avec_parent, regler
from tests.test_facturation_attestations import facture_avec_lignes

pytestmark = pytest.mark.django_db
J = datetime.date


def _famille_avec_garde(montant="42.00", naissance=J(2022, 5, 1), annee=2025):
    famille = famille_avec_parent().famille
    regie = RegieFactory()
    enfant = EnfantFactory(famille=famille, prenom="Léa", nom="MARTIN", date_naissance=naissance)
    facture = facture_avec_lignes(famille, regie, J(annee, 3, 31), [(enfant, "garde", montant)])
    regler(famille, regie, montant, date=J(annee, 4, 10), factures=[facture])
    return famille


def _lancer(*options):
    sortie = io.StringIO()
    call_command("attestations_fiscales", *options, stdout=sortie)
    return sortie.getvalue()


@pytest.fixture(autouse=True)
def siret(settings):
    settings.CCAS_SIRET = "262 800 123 00017"


def test_envoi_une_fois_par_famille_avec_le_pdf(django_capture_on_commit_callbacks):
    a = _famille_avec_garde("42.00")
    b = _famille_avec_garde("10.00")
    trop_grand = _famille_avec_garde("99.00", naissance=J(2018, 5, 1))  # 6 ans au 1er janvier 2025
    sortie = _lancer("--annee", "2025", "--dry-run")
    assert "2 familles" in sortie and AttestationEnvoyee.objects.count() == 0 and Fil.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=False):
        sortie = _lancer("--annee", "2025")
    assert "2 familles" in sortie
    assert set(AttestationEnvoyee.objects.values_list("famille_id", "montant")) == {
        (a.pk, Decimal("42.00")),
        (b.pk, Decimal("10.00")),
    }
    fil = Fil.objects.get(famille=a)
    assert fil.objet == "Attestation de frais de garde 2025" and fil.structure is None
    piece = PieceJointe.objects.get(message__fil=fil)
    assert piece.type_mime == "application/pdf" and piece.nom.endswith(".pdf")
    with piece.fichier.open("rb") as f:
        texte = re.sub(r"[ \n]+", " ", "\n".join(p.extract_text() for p in PdfReader(f).pages))
    assert "Léa MARTIN" in texte and "42,00\u00a0€" in texte and "Case 7GA" in texte
    assert not Fil.objects.filter(famille=trop_grand).exists()
    assert Audit.objects.filter(famille=a, action="envoi de l'attestation fiscale").count() == 1

    # Relancée : rien de nouveau.
    sortie = _lancer("--annee", "2025")
    assert "envoyées : 0 famille" in sortie and "déjà envoyées (ignorées) : 2" in sortie
    assert AttestationEnvoyee.objects.count() == 2 and Fil.objects.count() == 2


def test_annee_pas_finie_ou_siret_manquant_refuse(settings):
    _famille_avec_garde(annee=2026)
    with pytest.raises(CommandError, match="n'est pas finie"):
        _lancer("--annee", str(datetime.date.today().year))
    settings.CCAS_SIRET = ""
    with pytest.raises(CommandError, match="CCAS_SIRET"):
        _lancer("--annee", "2025")
    assert Fil.objects.count() == 0


def test_service_idempotent():
    from messagerie import services

    famille = _famille_avec_garde()
    assert services.attestation_fiscale_envoyer(famille=famille, annee=2025) is not None
    assert services.attestation_fiscale_envoyer(famille=famille, annee=2025) is None
    assert services.attestation_fiscale_envoyer(famille=famille, annee=2024) is None  # rien en 2024
    assert Fil.objects.filter(famille=famille).count() == 1


# --- Administration : l'envoi d'une année, permission dédiée -------------------------------------


def test_admin_envoi_d_une_annee_en_tache_de_fond(
    client, agent, settings, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    # La tâche de fond s'exécute aussitôt mise en file (en production : `manage.py db_worker`).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    famille = _famille_avec_garde("42.00")
    url = reverse("admin:messagerie_attestationenvoyee_envoyer")
    client.force_login(agent)
    assert url in client.get(reverse("admin:messagerie_attestationenvoyee_changelist")).content.decode()
    # Année pas finie : refusée, le formulaire est réaffiché avec l'erreur, rien n'est envoyé.
    reponse = client.post(url, {"annee": str(datetime.date.today().year)})
    assert reponse.status_code == 200 and "pas finie" in reponse.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(url, {"annee": "2025"})
    assert reponse.status_code == 302
    assert AttestationEnvoyee.objects.get().famille == famille
    assert (
        Audit.objects.filter(action="envoi en masse des attestations fiscales demandé", auteur=agent).count()
        == 1
    )
    assert Audit.objects.get(action="envoi de l'attestation fiscale").auteur == agent


def test_admin_envoi_sans_la_permission_refuse(client):
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    from tests.factories import UtilisateurFactory

    agent = UtilisateurFactory(is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="view_attestationenvoyee"))
    _famille_avec_garde()
    client.force_login(agent)
    url = reverse("admin:messagerie_attestationenvoyee_envoyer")
    assert url not in client.get(reverse("admin:messagerie_attestationenvoyee_changelist")).content.decode()
    assert client.post(url, {"annee": "2025"}).status_code == 403
    assert AttestationEnvoyee.objects.count() == 0
