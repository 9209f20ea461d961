#!/usr/bin/env python
"""Ajoute le dossier annuel à une base de volume (`manage.py generer_volume`) pour les mesures :
les types de pièces et les textes de la démonstration, et pour la famille lourde une pièce
refusée, une validée et un règlement à relire (v1 acceptée, v2 en vigueur). Le bloc « À faire »
de l'accueil est alors mesuré avec ce qu'il lit chez une vraie famille.

    DATABASE_URL=postgres://… .venv/bin/python scripts/volume_dossier.py
"""

import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._production import django_demarrer  # noqa: E402

django_demarrer()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from familles import services  # noqa: E402
from familles.demo_dossier import DROIT_IMAGE, REGLEMENT_V1, REGLEMENT_V2, TYPES, _depot  # noqa: E402
from familles.models import TexteConsentement, TypePiece, Utilisateur  # noqa: E402
from portail.management.commands.generer_volume import IDENTIFIANT_LOURDE  # noqa: E402


@transaction.atomic
def main() -> None:
    aujourdhui = timezone.localdate()
    types = {c["nom"]: TypePiece.objects.update_or_create(nom=c["nom"], defaults=c)[0] for c in TYPES}
    parent = Utilisateur.objects.select_related("famille").get(username=IDENTIFIANT_LOURDE)
    agent = Utilisateur.objects.filter(is_superuser=True).first() or parent
    famille = parent.famille
    refusee = _depot(
        famille=famille, type_piece=types["Justificatif de ressources"], parent=parent, statut="en_attente"
    )
    services.piece_refuser(piece=refusee, agent=agent, motif="Attestation de plus de trois mois.")
    assurance = _depot(
        famille=famille,
        type_piece=types["Attestation d'assurance responsabilité civile"],
        parent=parent,
        statut="en_attente",
    )
    services.piece_valider(
        piece=assurance, agent=agent, valide_jusqu_au=aujourdhui + datetime.timedelta(days=240)
    )
    reglement, _ = TexteConsentement.objects.get_or_create(
        titre="Règlement intérieur des accueils", defaults={"type": TexteConsentement.Type.REGLEMENT}
    )
    image, _ = TexteConsentement.objects.get_or_create(
        titre="Droit à l'image", defaults={"type": TexteConsentement.Type.DROIT_IMAGE, "refus_possible": True}
    )
    avant = aujourdhui - datetime.timedelta(days=300)
    v1 = services.texte_version_publier(
        texte=reglement, contenu=REGLEMENT_V1, en_vigueur_le=avant, agent=agent
    )
    services.consentement_donner(famille=famille, version=v1, accepte=True, utilisateur=parent)
    services.texte_version_publier(
        texte=reglement, contenu=REGLEMENT_V2, en_vigueur_le=aujourdhui, agent=agent
    )
    v_image = services.texte_version_publier(
        texte=image, contenu=DROIT_IMAGE, en_vigueur_le=avant, agent=agent
    )
    services.consentement_donner(famille=famille, version=v_image, accepte=True, utilisateur=parent)
    print(
        f"Dossier annuel ajouté : {len(types)} types de pièces, 2 textes ; famille « {IDENTIFIANT_LOURDE} »."
    )


if __name__ == "__main__":
    main()
