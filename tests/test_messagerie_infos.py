import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from messagerie import selectors
from messagerie.models import Document
from tests.factories import CONTENU_PDF, CONTENU_PNG, DocumentFactory, InformationFactory

pytestmark = pytest.mark.django_db


def _jours(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def test_informations_affichees_entre_publication_et_expiration(client_parent):
    InformationFactory(
        titre="En cours",
        date_publication=_jours(-3),
        date_expiration=_jours(0),
        lien="https://www.leves.fr/ccas",
    )
    InformationFactory(titre="Sans fin", date_publication=_jours(-30))
    InformationFactory(titre="Pas encore", date_publication=_jours(1))
    InformationFactory(titre="Expirée", date_publication=_jours(-10), date_expiration=_jours(-1))
    assert [i.titre for i in selectors.informations_publiees()] == ["En cours", "Sans fin"]
    page = client_parent.get(reverse("messagerie:infos")).content.decode()
    assert "En cours" in page and "Sans fin" in page and 'href="https://www.leves.fr/ccas"' in page
    assert "Pas encore" not in page and "Expirée" not in page


def test_formulaires_publies_selon_leurs_dates(client_parent):
    publie = DocumentFactory(titre="Fiche sanitaire", date_publication=datetime.date(2026, 1, 5))
    futur = DocumentFactory(titre="Inscriptions été", date_publication=_jours(2))
    expire = DocumentFactory(titre="Ancien", date_publication=_jours(-20), date_expiration=_jours(-1))
    page = client_parent.get(reverse("messagerie:infos")).content.decode()
    assert "Fiche sanitaire" in page and "05/01/2026" in page
    assert "Inscriptions été" not in page and "Ancien" not in page
    assert client_parent.get(reverse("messagerie:document", args=[publie.pk])).status_code == 200
    for doc in (futur, expire):
        assert client_parent.get(reverse("messagerie:document", args=[doc.pk])).status_code == 404


def test_telechargement_d_un_formulaire(client_parent):
    doc = DocumentFactory(titre="Fiche sanitaire de liaison")
    reponse = client_parent.get(reverse("messagerie:document", args=[doc.pk]))
    assert b"".join(reponse.streaming_content) == CONTENU_PDF
    assert reponse["Content-Disposition"] == 'attachment; filename="Fiche_sanitaire_de_liaison.pdf"'
    assert reponse["X-Content-Type-Options"] == "nosniff"


def test_infos_reservees_aux_familles_connectees(client):
    assert client.get(reverse("messagerie:infos")).status_code == 302


def test_le_lien_infos_documents_est_dans_l_en_tete(client_parent):
    page = client_parent.get(reverse("portail:accueil")).content.decode()
    assert f'href="{reverse("messagerie:infos")}"' in page and "Infos./Documents" in page


def _deposer(client, agent, titre, nom_fichier, contenu):
    """L'agent dépose un document (annoncé comme PDF) dans l'administration, daté du 01/02/2026."""
    client.force_login(agent)
    return client.post(
        reverse("admin:messagerie_document_add"),
        {
            "titre": titre,
            "date_publication": "01/02/2026",
            "fichier": SimpleUploadedFile(nom_fichier, contenu, "application/pdf"),
        },
    )


def test_l_agent_publie_un_formulaire_pdf(client, agent, settings):
    reponse = _deposer(client, agent, "Règlement intérieur", "reglement.pdf", CONTENU_PDF)
    assert reponse.status_code == 302
    doc = Document.objects.get()
    assert doc.date_publication == datetime.date(2026, 2, 1) and doc.taille == len(CONTENU_PDF)
    assert str(settings.FICHIERS_PRIVES_ROOT) in doc.fichier.path
    assert client.get(reverse("admin:messagerie_document_telecharger", args=[doc.pk])).status_code == 200


def test_la_fiche_d_un_formulaire_s_ouvre_et_garde_son_fichier(client, agent):
    """La fiche d'un document publié : le fichier actuel en lien vers le téléchargement de
    l'administration (le stockage privé n'a pas d'URL publique : la fiche répondait 500), et une
    modification des dates sans nouveau fichier garde le fichier."""
    _deposer(client, agent, "Règlement intérieur", "reglement.pdf", CONTENU_PDF)
    doc = Document.objects.get()
    url = reverse("admin:messagerie_document_change", args=[doc.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    telecharger = reverse("admin:messagerie_document_telecharger", args=[doc.pk])
    assert f'Fichier actuel : <a href="{telecharger}">Reglement_interieur.pdf</a>' in html
    assert doc.fichier.name.split("/")[-1] not in html  # le nom stocké, aléatoire
    fichier_avant = doc.fichier.name
    reponse = client.post(url, {"titre": "Règlement intérieur 2027", "date_publication": "01/03/2026"})
    assert reponse.status_code == 302
    doc.refresh_from_db()
    assert (doc.titre, doc.fichier.name) == ("Règlement intérieur 2027", fichier_avant)


def test_un_formulaire_qui_n_est_pas_un_pdf_est_refuse(client, agent):
    reponse = _deposer(client, agent, "Image", "faux.pdf", CONTENU_PNG)
    assert reponse.status_code == 200
    assert "n&#x27;est pas un fichier PDF" in reponse.content.decode()
    assert not Document.objects.exists()


def test_budget_de_requetes_infos(client_parent, django_assert_max_num_queries):
    InformationFactory()
    DocumentFactory()
    with django_assert_max_num_queries(20) as un:
        client_parent.get(reverse("messagerie:infos"))
    for _ in range(30):
        InformationFactory()
        DocumentFactory()
    with django_assert_max_num_queries(len(un.captured_queries)):
        client_parent.get(reverse("messagerie:infos"))
