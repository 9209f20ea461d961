"""Campagnes d'inscription : le dossier de campagne d'une famille (« Dossier 2027-2028 »)."""

from tests.inventaire import PagePortail


def _campagne(parent) -> dict:
    """Une campagne ouverte qui demande une pièce et un texte ; un enfant sans choix encore."""
    from tests.factories import CampagneFactory, EnfantFactory, TypePieceFactory, VersionTexteFactory

    campagne = CampagneFactory()
    campagne.pieces_requises.set([TypePieceFactory(nom="Attestation d'assurance", concerne="enfant")])
    campagne.consentements_requis.set([VersionTexteFactory(texte__titre="Règlement intérieur").texte])
    EnfantFactory(famille=parent.famille, prenom="Léa")
    return {"pk": campagne.pk}


def _volume(parent, n) -> None:
    # n enfants de plus, chacun avec une demande d'inscription, une inscription et une pièce.
    from demandes.models import Demande
    from enfants.models import Campagne
    from tests.factories import EnfantFactory, InscriptionFactory, piece_deposee

    campagne = Campagne.objects.order_by("-pk").first()
    activite = campagne.activites.get()
    type_piece = campagne.pieces_requises.get()
    for i in range(n):
        enfant = EnfantFactory(famille=parent.famille, prenom=f"Enfant {i}")
        Demande.objects.create(
            famille=parent.famille,
            enfant=enfant,
            type="inscription_activite",
            donnees={"activite": activite.pk, "campagne": campagne.pk},
        )
        InscriptionFactory(
            enfant=enfant, activite=activite, date_debut=campagne.periode_debut, date_fin=campagne.periode_fin
        )
        piece_deposee(famille=parent.famille, type_piece=type_piece, enfant=enfant, statut="refusee")


PAGES = [
    # La campagne est publiée par le CCAS (commune à toutes les familles) ; le dossier montré
    # est celui de la famille connectée (tests/test_campagnes_dossier.py : isolement). Le menu de
    # Mon compte lit les campagnes ouvertes (lien « Dossier 2027-2028 ») : une requête.
    PagePortail(
        "demandes:campagne", preparer=_campagne, volume=_volume, commune=True, requetes=15, formulaires=3
    ),
]
