"""Données de démonstration du dossier annuel (après les enfants) : les types de pièces du CCAS,
une pièce refusée et une validée pour la famille DUPONT, le règlement intérieur en version 2 à
accepter (la version 1 l'avait été) et le droit à l'image déjà accepté."""

import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from familles import services
from familles.demo import IDENTIFIANT_AGENT, IDENTIFIANT_DUPONT, NUMERO_DUPONT
from familles.models import (
    Consentement,
    FichierPiece,
    PieceJustificative,
    TexteConsentement,
    TypePiece,
    Utilisateur,
    VersionTexte,
)

TYPES = (
    {
        "nom": "Justificatif de ressources",
        "description": (
            "Attestation de quotient familial CAF ou MSA de moins de trois mois, ou dernier avis "
            "d'imposition."
        ),
        "concerne": TypePiece.Concerne.FAMILLE,
        "ordre": 1,
    },
    {
        "nom": "Attestation d'assurance responsabilité civile",
        "description": "Pour l'année scolaire en cours, au nom d'un responsable.",
        "concerne": TypePiece.Concerne.FAMILLE,
        "ordre": 2,
    },
    {
        "nom": "Carnet de vaccinations",
        "description": "Les pages des vaccinations obligatoires, avec le nom de l'enfant.",
        "concerne": TypePiece.Concerne.ENFANT,
        "sanitaire": True,
        "ordre": 3,
    },
    {
        "nom": "Jugement fixant la résidence de l'enfant",
        "description": "Quand les parents sont séparés : la décision du juge aux affaires familiales.",
        "concerne": TypePiece.Concerne.ENFANT,
        "condition": TypePiece.Condition.PARENTS_SEPARES,
        "duree_validite_mois": 120,
        "ordre": 4,
    },
    {
        "nom": "PAI signé par le médecin",
        "description": "Le projet d'accueil individualisé en cours, signé.",
        "concerne": TypePiece.Concerne.ENFANT,
        "condition": TypePiece.Condition.PAI,
        "sanitaire": True,
        "ordre": 5,
    },
)

REGLEMENT_V1 = (
    "Article 1 — Les accueils périscolaires et de loisirs reçoivent les enfants scolarisés de "
    "3 à 11 ans.\n\nArticle 2 — Les réservations se font sur le Portail Famille au plus tard deux "
    "jours ouvrés avant le jour d'accueil, avant midi."
)
REGLEMENT_V2 = REGLEMENT_V1 + (
    "\n\nArticle 3 (nouveau) — Une absence non signalée deux jours ouvrés à l'avance est facturée, "
    "sauf certificat médical."
)
DROIT_IMAGE = (
    "J'autorise le CCAS à photographier mon enfant pendant les activités et à utiliser ces photos "
    "dans le journal municipal et sur le site de la ville, sans autre diffusion."
)


def png_page(*, largeur: int = 210, hauteur: int = 297) -> bytes:
    """Une « photo » de page : un PNG blanc bordé de gris, écrit à la main (aucune dépendance)."""
    import struct
    import zlib

    def bloc(nature: bytes, donnees: bytes) -> bytes:
        return (
            struct.pack(">I", len(donnees))
            + nature
            + donnees
            + struct.pack(">I", zlib.crc32(nature + donnees))
        )

    lignes = bytearray()
    for y in range(hauteur):
        lignes.append(0)
        for x in range(largeur):
            bord = (
                x < 6
                or y < 6
                or x >= largeur - 6
                or y >= hauteur - 6
                or (y % 24 == 0 and 20 < x < largeur - 20)
            )
            lignes += b"\x99\x99\x99" if bord else b"\xff\xff\xff"
    entete = struct.pack(">IIBBBBB", largeur, hauteur, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + bloc(b"IHDR", entete)
        + bloc(b"IDAT", zlib.compress(bytes(lignes)))
        + bloc(b"IEND", b"")
    )


def _depot(*, famille, type_piece, parent, enfant=None, statut, **champs):
    piece = PieceJustificative.objects.create(
        famille=famille, enfant=enfant, type_piece=type_piece, deposee_par=parent, statut=statut, **champs
    )
    contenu = png_page()
    FichierPiece.objects.create(
        piece=piece,
        fichier=ContentFile(contenu, name="page.png"),
        nom="photo-page-1.png",
        type_mime="image/png",
        taille=len(contenu),
    )
    return piece


@transaction.atomic
def creer() -> list:
    aujourdhui = timezone.localdate()
    types = {}
    for champs in TYPES:
        nom = champs["nom"]
        types[nom], _ = TypePiece.objects.update_or_create(nom=nom, defaults=champs)
    parent = Utilisateur.objects.select_related("famille").get(username=IDENTIFIANT_DUPONT)
    agent = Utilisateur.objects.get(username=IDENTIFIANT_AGENT)
    famille = parent.famille
    if famille.numero != NUMERO_DUPONT:
        raise RuntimeError(f"{IDENTIFIANT_DUPONT} n'est pas la famille {NUMERO_DUPONT} de la démonstration")
    PieceJustificative.objects.filter(famille=famille).delete()
    ressources = _depot(
        famille=famille, type_piece=types["Justificatif de ressources"], parent=parent, statut="en_attente"
    )
    services.piece_refuser(
        piece=ressources,
        agent=agent,
        motif="L'attestation a plus de trois mois : envoyez celle du mois en cours (espace allocataire CAF).",
    )
    assurance = _depot(
        famille=famille,
        type_piece=types["Attestation d'assurance responsabilité civile"],
        parent=parent,
        statut="en_attente",
    )
    services.piece_valider(
        piece=assurance, agent=agent, valide_jusqu_au=aujourdhui + datetime.timedelta(days=240)
    )
    enfant = famille.enfants.order_by("date_naissance").first()
    if enfant is not None:
        # Pièce de santé : l'agent de démonstration n'est pas habilité à la vérifier ; elle est
        # enregistrée déjà validée (par un agent habilité).
        _depot(
            famille=famille,
            type_piece=types["Carnet de vaccinations"],
            parent=parent,
            enfant=enfant,
            statut="validee",
            valide_jusqu_au=aujourdhui + datetime.timedelta(days=365),
            decidee_le=timezone.now(),
        )

    dernier = famille.enfants.order_by("date_naissance").last()
    if dernier is not None:
        # Une pièce à vérifier dans la file des agents.
        _depot(
            famille=famille,
            type_piece=types["Jugement fixant la résidence de l'enfant"],
            parent=parent,
            enfant=dernier,
            statut="en_attente",
        )

    Consentement.objects.filter(famille=famille).delete()
    VersionTexte.objects.filter(
        texte__titre__in=["Règlement intérieur des accueils", "Droit à l'image"]
    ).delete()
    reglement, _ = TexteConsentement.objects.update_or_create(
        titre="Règlement intérieur des accueils", defaults={"type": TexteConsentement.Type.REGLEMENT}
    )
    image, _ = TexteConsentement.objects.update_or_create(
        titre="Droit à l'image", defaults={"type": TexteConsentement.Type.DROIT_IMAGE, "refus_possible": True}
    )
    v1 = services.texte_version_publier(
        texte=reglement,
        contenu=REGLEMENT_V1,
        en_vigueur_le=aujourdhui - datetime.timedelta(days=300),
        agent=agent,
    )
    services.consentement_donner(famille=famille, version=v1, accepte=True, utilisateur=parent)
    services.texte_version_publier(
        texte=reglement, contenu=REGLEMENT_V2, en_vigueur_le=aujourdhui, agent=agent
    )
    v_image = services.texte_version_publier(
        texte=image, contenu=DROIT_IMAGE, en_vigueur_le=aujourdhui - datetime.timedelta(days=300), agent=agent
    )
    services.consentement_donner(famille=famille, version=v_image, accepte=True, utilisateur=parent)
    _conditions_reservation(
        assurance=types["Attestation d'assurance responsabilité civile"], reglement=reglement
    )
    return []


def _conditions_reservation(*, assurance, reglement) -> None:
    """Conditions d'accès à la réservation (`enfants.conditions`) : l'ALSH des vacances à la
    journée demande l'attestation d'assurance validée et le règlement en vigueur (la version 2,
    que la famille DUPONT n'a pas encore acceptée : son planning le dit). Le modèle des
    activités vient de la relation : `familles` n'importe pas `enfants`."""
    activites = TypePiece._meta.get_field("activites_exigeantes").related_model._default_manager
    for activite in activites.filter(nom="ALSH Vacances journée"):
        activite.pieces_exigees.add(assurance)
        activite.textes_exiges.add(reglement)
