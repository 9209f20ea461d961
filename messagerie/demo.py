"""Données de démonstration : l'agent rattaché aux structures, un échange avec la famille DUPONT,
une information et un formulaire du CCAS."""

import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from enfants.models import Structure
from familles.demo import IDENTIFIANT_AGENT, IDENTIFIANT_DUPONT, NUMERO_DUPONT
from familles.models import Famille, Utilisateur
from messagerie import services
from messagerie.models import AgentStructure, Document, Fil, Information


def pdf_simple(texte: str) -> bytes:
    """Un PDF d'une page avec une ligne de texte (ASCII), écrit à la main : pas de dépendance."""
    flux = f"BT /F1 14 Tf 72 770 Td ({texte}) Tj ET".encode()
    objets = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(flux)).encode() + b" >>\nstream\n" + flux + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    sortie = bytearray(b"%PDF-1.4\n")
    positions = []
    for numero, objet in enumerate(objets, start=1):
        positions.append(len(sortie))
        sortie += f"{numero} 0 obj\n".encode() + objet + b"\nendobj\n"
    debut_xref = len(sortie)
    sortie += f"xref\n0 {len(objets) + 1}\n0000000000 65535 f \n".encode()
    for position in positions:
        sortie += f"{position:010d} 00000 n \n".encode()
    sortie += (
        f"trailer\n<< /Size {len(objets) + 1} /Root 1 0 R >>\nstartxref\n{debut_xref}\n%%EOF\n"
    ).encode()
    return bytes(sortie)


@transaction.atomic
def creer() -> list:
    agent = Utilisateur.objects.get(username=IDENTIFIANT_AGENT)
    parent = Utilisateur.objects.get(username=IDENTIFIANT_DUPONT)
    dupont = Famille.objects.get(numero=NUMERO_DUPONT)
    for structure in Structure.objects.all():
        AgentStructure.objects.get_or_create(agent=agent, structure=structure)

    Fil.objects.filter(famille=dupont).delete()
    alsh = Structure.objects.filter(type=Structure.Type.ALSH).first()
    if alsh is not None:
        fil = services.fil_creer_par_famille(
            famille=dupont,
            auteur=parent,
            structure=alsh,
            objet="Sortie du mercredi",
            texte="Bonjour,\nTOM doit-il apporter un pique-nique pour la sortie de mercredi ?\n"
            "Merci, Jean DUPONT",
        )
        services.message_structure_repondre(
            fil=fil,
            agent=agent,
            texte="Bonjour,\nOui, un pique-nique et une casquette.\nL'équipe de l'accueil de loisirs",
        )
    services.message_systeme_envoyer(
        famille=dupont,
        objet="Bienvenue sur le Portail Famille",
        texte="Vous pouvez désormais écrire aux structures depuis la boîte de réception.",
    )

    aujourdhui = timezone.localdate()
    Information.objects.update_or_create(
        titre="Inscriptions aux vacances d'été",
        defaults={
            "texte": "Les inscriptions à l'accueil de loisirs pour l'été ouvrent le 2 mai.",
            "lien": "https://www.leves.fr/",
            "date_publication": aujourdhui,
            "date_expiration": aujourdhui + datetime.timedelta(days=60),
        },
    )
    if not Document.objects.filter(titre="Fiche sanitaire de liaison").exists():
        document = Document(titre="Fiche sanitaire de liaison", date_publication=aujourdhui)
        services.document_enregistrer(
            document=document,
            fichier=ContentFile(pdf_simple("Fiche sanitaire de liaison - CCAS"), name="fiche.pdf"),
        )
    return []
