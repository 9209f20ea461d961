"""Dossier annuel, côté agents : file de vérification des pièces, types et textes dans l'administration."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from commun.models import Audit
from familles.models import VersionTexte
from messagerie.models import Fil
from tests import factories

pytestmark = pytest.mark.django_db


def _url(nom, *args):
    return reverse(f"admin:familles_piecejustificative_{nom}", args=args)


def test_la_file_montre_les_pieces_en_attente_d_abord_et_les_fichiers_dans_la_page(client, agent, parent):
    ancienne = factories.piece_deposee(famille=parent.famille, statut="validee")
    en_attente = factories.piece_deposee(famille=parent.famille)
    client.force_login(agent)
    liste = client.get(_url("changelist")).content.decode()
    assert liste.index(f"{_url('change', en_attente.pk)}") < liste.index(f"{_url('change', ancienne.pk)}")
    detail = client.get(_url("change", en_attente.pk)).content.decode()
    fichier = en_attente.fichiers.get()
    url_fichier = _url("fichier", en_attente.pk, fichier.pk)
    assert f'<iframe class="apercu-piece" src="{url_fichier}"' in detail
    assert "Valider" in detail and "Refuser" in detail
    reponse = client.get(url_fichier)
    assert reponse.status_code == 200 and reponse["Content-Disposition"].startswith("inline")
    assert reponse["X-Frame-Options"] == "SAMEORIGIN"
    # Le fichier d'une autre pièce ne se lit pas par l'adresse de celle-ci.
    autre = factories.piece_deposee(famille=parent.famille)
    assert client.get(_url("fichier", en_attente.pk, autre.fichiers.get().pk)).status_code == 404


def test_valider_avec_une_date_previent_la_famille(client, agent, parent, django_capture_on_commit_callbacks):
    piece = factories.piece_deposee(famille=parent.famille)
    fin = timezone.localdate() + datetime.timedelta(days=200)
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(_url("valider", piece.pk), {"valide_jusqu_au": fin.isoformat()})
    assert reponse.status_code == 302
    piece.refresh_from_db()
    assert piece.statut == "validee" and piece.valide_jusqu_au == fin and piece.decidee_par == agent
    fil = Fil.objects.get(famille=parent.famille)
    assert "validée" in fil.objet and f"{fin:%d/%m/%Y}" in fil.messages.get().texte
    [courriel] = mail.outbox
    assert "Documents à fournir" in courriel.body and piece.type_piece.nom not in courriel.body
    assert Audit.objects.filter(action="Pièce justificative validée", auteur=agent).exists()


def test_refuser_demande_un_motif_et_le_transmet(client, agent, parent, django_capture_on_commit_callbacks):
    piece = factories.piece_deposee(famille=parent.famille)
    client.force_login(agent)
    reponse = client.post(_url("refuser", piece.pk), {"motif": ""}, follow=True)
    assert "Indiquez le motif du refus." in reponse.content.decode()
    piece.refresh_from_db()
    assert piece.statut == "en_attente"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("refuser", piece.pk), {"motif": "Attestation de plus de trois mois"})
    piece.refresh_from_db()
    assert piece.statut == "refusee"
    assert "Motif : Attestation de plus de trois mois" in Fil.objects.get().messages.get().texte
    assert "trois mois" not in mail.outbox[0].body  # le motif ne part pas par courriel
    # Déjà décidée : une seconde décision est refusée.
    client.post(_url("valider", piece.pk), {"valide_jusqu_au": timezone.localdate().isoformat()})
    piece.refresh_from_db()
    assert piece.statut == "refusee"


def test_une_piece_de_sante_est_cachee_a_l_agent_sans_habilitation(client, agent, parent):
    vaccins = factories.TypePieceFactory(nom="Carnet de vaccinations", concerne="enfant", sanitaire=True)
    enfant = factories.EnfantFactory(famille=parent.famille)
    piece = factories.piece_deposee(famille=parent.famille, type_piece=vaccins, enfant=enfant)
    client.force_login(agent)
    assert "Carnet de vaccinations" not in client.get(_url("changelist")).content.decode()
    assert client.get(_url("change", piece.pk)).status_code in (302, 404)
    assert client.get(_url("fichier", piece.pk, piece.fichiers.get().pk)).status_code == 404
    client.post(_url("valider", piece.pk), {"valide_jusqu_au": timezone.localdate().isoformat()})
    piece.refresh_from_db()
    assert piece.statut == "en_attente"
    client.force_login(factories.agent_sante())
    assert client.get(_url("change", piece.pk)).status_code == 200


def test_publier_un_texte_et_une_nouvelle_version(client, agent):
    client.force_login(agent)
    url = reverse("admin:familles_texteconsentement_add")
    donnees = {
        "type": "reglement",
        "titre": "Règlement intérieur de l'ALSH",
        "actif": "on",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    reponse = client.post(url, donnees)
    assert reponse.status_code == 200  # sans première version : refusé
    donnees.update(
        {"nouvelle_version": "Article 1", "en_vigueur_le": timezone.localdate().strftime("%d/%m/%Y")}
    )
    assert client.post(url, donnees).status_code == 302
    version = VersionTexte.objects.get()
    assert version.numero == 1 and version.publiee_par == agent
    url = reverse("admin:familles_texteconsentement_change", args=[version.texte.pk])
    donnees.update(
        {"nouvelle_version": "Article 1 modifié", "versions-TOTAL_FORMS": "1", "versions-INITIAL_FORMS": "1"}
    )
    donnees["versions-0-id"] = str(version.pk)
    donnees["versions-0-texte"] = str(version.texte.pk)
    assert client.post(url, donnees).status_code == 302
    assert list(VersionTexte.objects.values_list("numero", "contenu")) == [
        (2, "Article 1 modifié"),
        (1, "Article 1"),
    ]
    assert Audit.objects.filter(action="Version 2 publiée", auteur=agent).exists()


def test_les_droits_du_groupe_ccas(agent):
    for droit in (
        "familles.add_typepiece",
        "familles.change_piecejustificative",
        "familles.add_texteconsentement",
        "familles.view_consentement",
    ):
        assert agent.has_perm(droit), droit
    assert not agent.has_perm("familles.delete_piecejustificative")
    assert not agent.has_perm("familles.change_consentement")
