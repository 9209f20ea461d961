from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commun.fichiers import ERREUR_TAILLE, ERREUR_TYPE
from messagerie.models import Fil, PieceJointe
from tests.factories import (
    CONTENU_JPEG,
    CONTENU_PDF,
    CONTENU_PNG,
    PieceJointeFactory,
    StructureFactory,
    fil_avec_messages,
)

pytestmark = pytest.mark.django_db

EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode"


def _envoyer(client, *fichiers):
    creche = StructureFactory(nom="Crèche")
    return client.post(
        reverse("messagerie:nouveau"),
        {
            "structure": creche.pk,
            "objet": "Certificat",
            "texte": "Voici le certificat.",
            "pieces_jointes": list(fichiers),
        },
    )


def test_pdf_jpeg_png_acceptes_et_ranges_hors_des_fichiers_publics(client_parent, parent, settings):
    reponse = _envoyer(
        client_parent,
        SimpleUploadedFile("certificat médical.pdf", CONTENU_PDF, "application/pdf"),
        SimpleUploadedFile("photo.JPG", CONTENU_JPEG, "image/jpeg"),
        SimpleUploadedFile("../../etc/passwd.png", CONTENU_PNG, "image/png"),
    )
    assert reponse.status_code == 302
    pieces = list(PieceJointe.objects.order_by("pk"))
    assert [p.type_mime for p in pieces] == ["application/pdf", "image/jpeg", "image/png"]
    assert [p.nom for p in pieces] == ["certificat_medical.pdf", "photo.jpg", "passwd.png"]
    for piece in pieces:
        chemin = Path(piece.fichier.path)
        assert chemin.is_relative_to(Path(settings.FICHIERS_PRIVES_ROOT))
        assert not chemin.is_relative_to(Path(settings.MEDIA_ROOT))
        assert piece.nom not in chemin.name  # nom de stockage aléatoire


def test_un_executable_renomme_est_refuse(client_parent, parent):
    reponse = _envoyer(client_parent, SimpleUploadedFile("facture.pdf", EXECUTABLE, "application/pdf"))
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert ERREUR_TYPE.format(nom="facture.pdf").replace("'", "&#x27;") in page
    # Rien n'est perdu : l'objet et le texte sont réaffichés, rien n'est enregistré.
    assert 'value="Certificat"' in page and "Voici le certificat." in page
    assert not Fil.objects.exists() and not PieceJointe.objects.exists()


def test_un_fichier_texte_deguise_en_image_est_refuse(client_parent, parent):
    reponse = _envoyer(
        client_parent, SimpleUploadedFile("photo.png", b"<script>alert(1)</script>", "image/png")
    )
    assert reponse.status_code == 200
    assert not PieceJointe.objects.exists()


def test_un_fichier_trop_volumineux_est_refuse(client_parent, parent, settings):
    settings.MESSAGERIE_PIECE_JOINTE_TAILLE_MAX = 1024 * 1024
    gros = CONTENU_PDF + b"0" * (1024 * 1024)
    reponse = _envoyer(client_parent, SimpleUploadedFile("gros.pdf", gros, "application/pdf"))
    assert reponse.status_code == 200
    assert ERREUR_TAILLE.format(nom="gros.pdf", taille_max="1") in reponse.content.decode()
    assert not PieceJointe.objects.exists()


def test_trop_de_fichiers_refuses(client_parent, parent, settings):
    settings.MESSAGERIE_PIECES_JOINTES_NOMBRE_MAX = 1
    reponse = _envoyer(
        client_parent,
        SimpleUploadedFile("a.pdf", CONTENU_PDF, "application/pdf"),
        SimpleUploadedFile("b.pdf", CONTENU_PDF, "application/pdf"),
    )
    assert reponse.status_code == 200
    assert "Vous pouvez joindre 1 fichiers au plus." in reponse.content.decode()
    assert not Fil.objects.exists()


def test_la_famille_telecharge_sa_piece_jointe(client_parent, parent):
    fil = fil_avec_messages(famille=parent.famille)
    piece = PieceJointeFactory(message=fil.messages.first())
    reponse = client_parent.get(reverse("messagerie:piece_jointe", args=[piece.pk]))
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content) == CONTENU_PDF
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == 'attachment; filename="certificat.pdf"'
    assert reponse["X-Content-Type-Options"] == "nosniff"


def test_une_autre_famille_ne_peut_pas_telecharger(client, parent, autre_parent):
    fil = fil_avec_messages(famille=parent.famille)
    piece = PieceJointeFactory(message=fil.messages.first())
    client.force_login(autre_parent)
    assert client.get(reverse("messagerie:piece_jointe", args=[piece.pk])).status_code == 404


def test_un_visiteur_non_connecte_est_renvoye_a_la_connexion(client, parent):
    fil = fil_avec_messages(famille=parent.famille)
    piece = PieceJointeFactory(message=fil.messages.first())
    reponse = client.get(reverse("messagerie:piece_jointe", args=[piece.pk]))
    assert reponse.status_code == 302 and reverse("connexion") in reponse["Location"]


def test_la_piece_jointe_est_visible_dans_le_fil(client_parent, parent):
    fil = fil_avec_messages(famille=parent.famille)
    piece = PieceJointeFactory(message=fil.messages.first())
    page = client_parent.get(reverse("messagerie:fil", args=[fil.pk])).content.decode()
    assert reverse("messagerie:piece_jointe", args=[piece.pk]) in page


def test_un_fichier_disparu_du_disque_donne_404_et_non_500(client_parent, parent):
    fil = fil_avec_messages(famille=parent.famille)
    piece = PieceJointeFactory(message=fil.messages.first())
    Path(piece.fichier.path).unlink()
    assert client_parent.get(reverse("messagerie:piece_jointe", args=[piece.pk])).status_code == 404
