"""Dossier annuel : Documents à fournir (Mon compte et chaque enfant), règlements et consentements."""

from tests.inventaire import PagePortail


def _types(parent):
    """Les types de pièces de la démonstration : une pièce de famille, une par enfant."""
    from tests.factories import TypePieceFactory

    return (
        TypePieceFactory(nom="Attestation de quotient familial", concerne="famille"),
        TypePieceFactory(nom="Carnet de vaccinations", concerne="enfant", sanitaire=True),
    )


def _pieces(parent) -> dict:
    from tests.factories import EnfantFactory, piece_deposee

    famille_type, enfant_type = _types(parent)
    piece_deposee(famille=parent.famille, type_piece=famille_type, statut="refusee")
    enfant = EnfantFactory(famille=parent.famille)
    piece_deposee(famille=parent.famille, type_piece=enfant_type, enfant=enfant, statut="validee")
    return {}


def _pieces_volume(parent, n) -> None:
    # n types de plus (et autant d'enfants), chacun avec des dépôts : refusé, puis en attente.
    from tests.factories import EnfantFactory, TypePieceFactory, piece_deposee

    for i in range(n):
        type_famille = TypePieceFactory(nom=f"Pièce de la famille n° {i}")
        type_enfant = TypePieceFactory(nom=f"Pièce de chaque enfant n° {i}", concerne="enfant")
        enfant = EnfantFactory(famille=parent.famille)
        piece_deposee(famille=parent.famille, type_piece=type_famille, statut="refusee")
        piece_deposee(famille=parent.famille, type_piece=type_famille)
        piece_deposee(famille=parent.famille, type_piece=type_enfant, enfant=enfant, statut="refusee")


def _deposer(parent) -> dict:
    famille_type, _ = _types(parent)
    return {"type_pk": famille_type.pk}


def _depots_volume(parent, n) -> None:
    # n dépôts de la pièce (historique), chacun de deux pages.
    from familles.models import TypePiece
    from tests.factories import FichierPieceFactory, piece_deposee

    type_piece = TypePiece.objects.get(nom="Attestation de quotient familial")
    for _ in range(n):
        FichierPieceFactory(
            piece=piece_deposee(famille=parent.famille, type_piece=type_piece, statut="refusee")
        )


def _fichier(parent) -> dict:
    from tests.factories import piece_deposee

    famille_type, _ = _types(parent)
    return {"pk": piece_deposee(famille=parent.famille, type_piece=famille_type).fichiers.get().pk}


def _enfant_pieces(parent) -> dict:
    from tests.factories import EnfantFactory, piece_deposee

    _, enfant_type = _types(parent)
    enfant = EnfantFactory(famille=parent.famille)
    piece_deposee(famille=parent.famille, type_piece=enfant_type, enfant=enfant, statut="refusee")
    return {"pk": enfant.pk}


def _enfant_pieces_volume(parent, n) -> None:
    from enfants.models import Enfant
    from tests.factories import TypePieceFactory, piece_deposee

    # L'enfant de la page : celui que `_enfant_pieces` a créé avec une pièce refusée.
    enfant = Enfant.objects.filter(famille=parent.famille, pieces__isnull=False).order_by("-pk").first()
    for i in range(n):
        type_enfant = TypePieceFactory(nom=f"Pièce de chaque enfant n° {i}", concerne="enfant")
        piece_deposee(famille=parent.famille, type_piece=type_enfant, enfant=enfant, statut="refusee")
        piece_deposee(famille=parent.famille, type_piece=type_enfant, enfant=enfant)


def _enfant_deposer(parent) -> dict:
    from tests.factories import EnfantFactory

    _, enfant_type = _types(parent)
    enfant = EnfantFactory(famille=parent.famille)
    return {"pk": enfant.pk, "type_pk": enfant_type.pk}


def _textes(parent) -> dict:
    from tests.factories import VersionTexteFactory

    VersionTexteFactory(texte__titre="Règlement intérieur des accueils")
    VersionTexteFactory(texte__titre="Droit à l'image", texte__type="droit_image", texte__refus_possible=True)
    return {}


def _textes_volume(parent, n) -> None:
    from familles import services
    from familles.models import VersionTexte
    from tests.factories import VersionTexteFactory

    for i in range(n):
        version = VersionTexteFactory(texte__titre=f"Texte n° {i}")
        services.consentement_donner(
            famille=parent.famille, version=version, accepte=True, utilisateur=parent
        )
    assert VersionTexte.objects.count() > n


def _texte(parent) -> dict:
    from tests.factories import VersionTexteFactory

    return {"pk": VersionTexteFactory(texte__titre="Règlement intérieur des accueils").texte.pk}


def _texte_libre(parent) -> dict:
    from tests.factories import VersionTexteFactory

    version = VersionTexteFactory(
        texte__titre="Droit à l'image", texte__type="droit_image", texte__refus_possible=True
    )
    return {"pk": version.texte.pk}


PAGES = [
    # Le menu de Mon compte lit les campagnes ouvertes (lien « Dossier 2027-2028 ») : une requête.
    PagePortail("familles:pieces", requetes=8, preparer=_pieces, volume=_pieces_volume),
    # Les types de pièces et les textes sont communs à toutes les familles : chacune dépose ou
    # répond pour elle-même (aucune donnée de la famille propriétaire dans la page de l'autre).
    PagePortail(
        "familles:piece_deposer",
        requetes=8,
        formulaires=1,
        preparer=_deposer,
        volume=_depots_volume,
        commune=True,
    ),
    PagePortail("familles:piece_fichier", requetes=3, preparer=_fichier, html=False),
    PagePortail("enfants:pieces", requetes=8, preparer=_enfant_pieces, volume=_enfant_pieces_volume),
    PagePortail("enfants:piece_deposer", requetes=7, formulaires=1, preparer=_enfant_deposer),
    PagePortail("familles:consentements", requetes=7, preparer=_textes, volume=_textes_volume),
    PagePortail("familles:consentement", requetes=8, formulaires=1, preparer=_texte, commune=True),
]
