"""Dossier annuel, côté parent : accueil « À faire », Documents à fournir, consentements."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from familles import services
from familles.forms import MESSAGE_CONSENTEMENT_A_COCHER
from familles.models import Consentement, PieceJustificative
from portail.views import MESSAGE_CONSENTEMENTS_A_DONNER
from tests import factories

pytestmark = pytest.mark.django_db


def pdf(nom="page.pdf"):
    return SimpleUploadedFile(nom, factories.CONTENU_PDF, content_type="application/pdf")


def jpeg(nom="photo.jpg"):
    return SimpleUploadedFile(nom, factories.CONTENU_JPEG, content_type="image/jpeg")


def test_accueil_a_faire_liste_les_pieces_et_les_textes_avec_leur_lien(client_parent, parent):
    famille = parent.famille
    caf = factories.TypePieceFactory(nom="Attestation CAF")
    factories.piece_deposee(famille=famille, type_piece=caf, statut="refusee", motif="Illisible")
    enfant = factories.EnfantFactory(famille=famille, prenom="Léa")
    vaccins = factories.TypePieceFactory(nom="Carnet de vaccinations", concerne="enfant")
    version = factories.VersionTexteFactory(texte__titre="Règlement intérieur")
    page = client_parent.get(reverse("portail:accueil")).content.decode()
    debut = page.index("titre-a-faire")
    assert debut < page.index("titre-impayees")  # au-dessus des factures
    bloc = page[debut:]
    assert "Attestation CAF" in bloc and "Refusée : Illisible" in bloc
    assert f'href="{reverse("familles:pieces")}#piece-{caf.pk}"' in bloc
    assert "Carnet de vaccinations (Léa)" in bloc
    assert (
        f'href="{reverse("enfants:pieces", kwargs={"pk": enfant.pk})}#piece-{vaccins.pk}-{enfant.pk}"' in bloc
    )
    assert f'href="{reverse("familles:consentement", kwargs={"pk": version.texte.pk})}"' in bloc


def test_accueil_sans_rien_a_faire_n_a_pas_de_bloc(client_parent):
    assert "titre-a-faire" not in client_parent.get(reverse("portail:accueil")).content.decode()


def _remplir(famille, n):
    for i in range(n):
        enfant = factories.EnfantFactory(famille=famille)
        type_famille = factories.TypePieceFactory(nom=f"Piece-famille-{i}-")
        factories.piece_deposee(famille=famille, type_piece=type_famille, statut="refusee")
        factories.piece_deposee(
            famille=famille,
            type_piece=factories.TypePieceFactory(nom=f"Piece-enfant-{i}-", concerne="enfant"),
            enfant=enfant,
            statut="validee",
            valide_jusqu_au=timezone.localdate() + datetime.timedelta(days=5),
        )
        factories.VersionTexteFactory()


def test_l_accueil_a_un_nombre_de_requetes_constant_avec_le_bloc_a_faire(client_parent, parent):
    url = reverse("portail:accueil")
    _remplir(parent.famille, 1)
    client_parent.get(url)
    with CaptureQueriesContext(connection) as un:
        assert client_parent.get(url).content.decode().count("<li") > 0
    _remplir(parent.famille, 20)
    with CaptureQueriesContext(connection) as beaucoup:
        page = client_parent.get(url).content.decode()
    # Une pièce « de chaque enfant » est demandée aux 21 enfants : l'accueil en montre six lignes
    # au plus, puis le nombre du reste.
    from familles.a_faire import elements_a_faire
    from portail.views import A_FAIRE_AFFICHES

    total = len(elements_a_faire(famille=parent.famille))
    assert total > 21 and f"Et {total - A_FAIRE_AFFICHES} autres éléments" in page
    assert len(un) == len(beaucoup), "\n".join(q["sql"] for q in beaucoup.captured_queries)


def test_deposer_plusieurs_pages_dont_une_photo(client_parent, parent):
    type_piece = factories.TypePieceFactory(nom="Attestation d'assurance")
    url = reverse("familles:piece_deposer", kwargs={"type_pk": type_piece.pk})
    page = client_parent.get(url).content.decode()
    assert 'capture="environment"' in page and "multiple" in page
    reponse = client_parent.post(url, {"fichiers": [pdf("p1.pdf"), pdf("p2.pdf")], "photo_1": jpeg()})
    assert reponse.status_code == 302
    piece = PieceJustificative.objects.get(famille=parent.famille)
    assert sorted(f.nom for f in piece.fichiers.all()) == ["p1.pdf", "p2.pdf", "photo.jpg"]
    liste = client_parent.get(reverse("familles:pieces")).content.decode()
    assert "En cours de vérification" in liste and "p2.pdf" in liste
    fichier = piece.fichiers.first()
    telechargement = client_parent.get(reverse("familles:piece_fichier", kwargs={"pk": fichier.pk}))
    assert telechargement.status_code == 200
    assert telechargement["Content-Disposition"].startswith("attachment")
    assert b"".join(telechargement.streaming_content) == factories.CONTENU_PDF


def test_un_executable_renomme_est_refuse_et_le_formulaire_reaffiche(client_parent, parent):
    type_piece = factories.TypePieceFactory()
    url = reverse("familles:piece_deposer", kwargs={"type_pk": type_piece.pk})
    faux = SimpleUploadedFile("attestation.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)
    reponse = client_parent.post(url, {"fichiers": [faux]})
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert "resume-erreurs" in page and "n&#x27;est pas un fichier PDF, JPEG ou PNG" in page
    assert not PieceJustificative.objects.exists()


def test_une_famille_ne_lit_ni_ne_depose_les_pieces_d_une_autre(client_parent, parent, autre_parent):
    type_enfant = factories.TypePieceFactory(concerne="enfant")
    enfant_autre = factories.EnfantFactory(famille=autre_parent.famille)
    piece = factories.piece_deposee(famille=autre_parent.famille, type_piece=type_enfant, enfant=enfant_autre)
    fichier = piece.fichiers.get()
    assert client_parent.get(reverse("familles:piece_fichier", kwargs={"pk": fichier.pk})).status_code == 404
    assert client_parent.get(reverse("enfants:pieces", kwargs={"pk": enfant_autre.pk})).status_code == 404
    url = reverse("enfants:piece_deposer", kwargs={"pk": enfant_autre.pk, "type_pk": type_enfant.pk})
    assert client_parent.post(url, {"fichiers": [pdf()]}).status_code == 404
    assert PieceJustificative.objects.count() == 1
    # Un type d'enfant ne se dépose pas comme pièce de la famille.
    url = reverse("familles:piece_deposer", kwargs={"type_pk": type_enfant.pk})
    assert client_parent.post(url, {"fichiers": [pdf()]}).status_code == 404


def test_la_page_d_un_enfant_montre_ses_pieces(client_parent, parent):
    enfant = factories.EnfantFactory(famille=parent.famille, prenom="Tom")
    type_enfant = factories.TypePieceFactory(nom="Carnet de vaccinations", concerne="enfant")
    url = reverse("enfants:piece_deposer", kwargs={"pk": enfant.pk, "type_pk": type_enfant.pk})
    assert (
        client_parent.post(url, {"photo_1": jpeg("page1.jpg"), "photo_2": jpeg("page2.jpg")}).status_code
        == 302
    )
    page = client_parent.get(reverse("enfants:pieces", kwargs={"pk": enfant.pk})).content.decode()
    assert "Carnet de vaccinations" in page and "En cours de vérification" in page
    piece = PieceJustificative.objects.get()
    assert piece.enfant == enfant
    assert sorted(f.nom for f in piece.fichiers.all()) == ["page1.jpg", "page2.jpg"]


def test_accepter_un_reglement_case_a_cocher(client_parent, parent):
    version = factories.VersionTexteFactory(texte__titre="Règlement intérieur", contenu="Article 1 : …")
    url = reverse("familles:consentement", kwargs={"pk": version.texte.pk})
    reponse = client_parent.post(url, {})
    assert reponse.status_code == 200 and "resume-erreurs" in reponse.content.decode()
    assert MESSAGE_CONSENTEMENT_A_COCHER.replace("'", "&#x27;") in reponse.content.decode()
    assert client_parent.post(url, {"reponse": "on"}).status_code == 302
    consentement = Consentement.objects.get()
    assert consentement.accepte and consentement.version == version and consentement.utilisateur == parent
    assert "Accepté le" in client_parent.get(reverse("familles:consentements")).content.decode()


def test_la_connexion_demande_les_textes_a_accepter_sans_bloquer(client, parent, mot_de_passe):
    connexion = {"username": parent.username, "password": mot_de_passe}
    assert client.post(reverse("connexion"), connexion)["Location"] == reverse("portail:accueil")
    client.logout()
    version = factories.VersionTexteFactory(numero=1)
    reponse = client.post(reverse("connexion"), connexion)
    assert reponse["Location"] == reverse("familles:consentements")
    page = client.get(reponse["Location"]).content.decode()
    assert MESSAGE_CONSENTEMENTS_A_DONNER.replace("'", "&#x27;") in page
    # Les autres pages restent ouvertes.
    assert client.get(reverse("facturation:releve")).status_code == 200
    client.logout()
    # Une adresse demandée explicitement est servie.
    suivante = reverse("messagerie:boite")
    assert client.post(reverse("connexion") + f"?next={suivante}", connexion)["Location"] == suivante
    client.logout()
    # Acceptée : plus demandée ; une version 2 la redemande à la connexion suivante.
    services.consentement_donner(famille=parent.famille, version=version, accepte=True, utilisateur=parent)
    assert client.post(reverse("connexion"), connexion)["Location"] == reverse("portail:accueil")
    client.logout()
    services.texte_version_publier(
        texte=version.texte, contenu="Nouveau texte", en_vigueur_le=timezone.localdate(), agent=None
    )
    assert client.post(reverse("connexion"), connexion)["Location"] == reverse("familles:consentements")
