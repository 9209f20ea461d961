"""Le bloc « À faire » de l'accueil : ce qui reste à faire à la famille, de toutes les applications.

Chaque application ajoute ses éléments par un fournisseur enregistré ici (dans son
`AppConfig.ready()`, ou à l'import de son module) :

    from familles.a_faire import ElementAFaire, fournisseur_enregistrer

    def _campagnes(*, famille, jour):
        return [ElementAFaire(libelle="Dossier 2027-2028 : 2 étapes sur 5", url=..., ordre=10)]

    fournisseur_enregistrer(_campagnes)

Un fournisseur lit en nombre de requêtes constant (le bloc a un budget fixe, testé) ; il renvoie
des `ElementAFaire` que l'accueil trie par `ordre` (10 campagnes, 20 pièces, 30 consentements).
`familles` n'importe personne : les applications au-dessus s'enregistrent auprès de lui.

Deux fournisseurs qui ont besoin de la même lecture (l'état des pièces : le bloc en liste les
manquantes, l'avancement d'une campagne en compte les demandées) la partagent par
`lecture_partagee` : faite une fois par calcul du bloc, jamais gardée d'un calcul à l'autre.
"""

import datetime
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from familles import selectors

ORDRE_CAMPAGNES = 10
ORDRE_PIECES = 20
ORDRE_CONSENTEMENTS = 30


@dataclass(frozen=True)
class ElementAFaire:
    """Une ligne du bloc « À faire » : ce qu'il faut faire et le lien vers l'étape."""

    libelle: str
    url: str
    detail: str = ""
    ordre: int = 50
    # Mise en avant (pièce refusée, expirée) : affichée comme une alerte.
    urgent: bool = False


Fournisseur = Callable[..., Iterable[ElementAFaire]]
_FOURNISSEURS: list[Fournisseur] = []
# Les lectures partagées du calcul en cours (None hors d'un calcul du bloc).
_LECTURES: ContextVar[dict | None] = ContextVar("a_faire_lectures", default=None)


def lecture_partagee(cle: tuple, lire: Callable[[], Any]) -> Any:
    """`lire()`, faite une seule fois par calcul du bloc pour une même clé (hors calcul : à chaque appel)."""
    lectures = _LECTURES.get()
    if lectures is None:
        return lire()
    if cle not in lectures:
        lectures[cle] = lire()
    return lectures[cle]


def pieces_manquantes_partagees(*, famille, jour) -> list:
    """`selectors.pieces_manquantes`, lue une fois pour tous les fournisseurs du bloc."""
    return lecture_partagee(
        ("pieces_manquantes", famille.pk, jour),
        lambda: selectors.pieces_manquantes(famille=famille, jour=jour),
    )


def fournisseur_enregistrer(fournisseur: Fournisseur) -> Fournisseur:
    """Ajoute un fournisseur d'éléments (appelé avec `famille=` et `jour=`) ; idempotent."""
    if fournisseur not in _FOURNISSEURS:
        _FOURNISSEURS.append(fournisseur)
    return fournisseur


def elements_a_faire(*, famille, jour: datetime.date | None = None) -> list[ElementAFaire]:
    """Tout ce qui reste à faire à la famille : l'urgent (pièce refusée, expirée) d'abord, puis par
    `ordre` ; à égalité, l'ordre du fournisseur (tri stable)."""
    jour = jour or timezone.localdate()
    elements = []
    jeton = _LECTURES.set({})
    try:
        for fournisseur in _FOURNISSEURS:
            elements.extend(fournisseur(famille=famille, jour=jour))
    finally:
        _LECTURES.reset(jeton)
    return sorted(elements, key=lambda e: (not e.urgent, e.ordre))


def _url_piece(etat) -> str:
    if etat.enfant is None:
        return reverse("familles:pieces") + f"#{etat.ancre}"
    return reverse("enfants:pieces", kwargs={"pk": etat.enfant.pk}) + f"#{etat.ancre}"


LIBELLES_PIECE = {
    selectors.EtatPiece.A_FOURNIR: "à fournir",
    selectors.EtatPiece.REFUSEE: "refusée",
    selectors.EtatPiece.EXPIREE: "expirée",
    selectors.EtatPiece.EXPIRE_BIENTOT: "expire bientôt",
}


def _pieces(*, famille, jour) -> list[ElementAFaire]:
    elements = []
    # La lecture partagée avec l'avancement des campagnes (demandes.campagnes).
    for etat in pieces_manquantes_partagees(famille=famille, jour=jour):
        pour = f" ({etat.enfant.prenom})" if etat.enfant is not None else ""
        code = etat.code
        if code == etat.REFUSEE:
            detail = f"Refusée : {etat.refusee.motif}"
        elif code == etat.EXPIRE_BIENTOT:
            detail = f"Valable jusqu'au {etat.validee.valide_jusqu_au:%d/%m/%Y} : envoyez la nouvelle."
        elif code == etat.EXPIREE:
            detail = f"Expirée le {etat.validee.valide_jusqu_au:%d/%m/%Y}."
        else:
            detail = "À fournir."
        elements.append(
            ElementAFaire(
                libelle=f"{etat.type_piece.nom}{pour}",
                url=_url_piece(etat),
                detail=detail,
                ordre=ORDRE_PIECES,
                urgent=code in (etat.REFUSEE, etat.EXPIREE),
            )
        )
    return elements


def _consentements(*, famille, jour) -> list[ElementAFaire]:
    elements = []
    for texte in selectors.consentements_a_lire(famille=famille, jour=jour):
        action = "à lire : acceptez ou refusez" if texte.refus_possible else "à lire et accepter"
        if texte.deja_repondu:
            detail = f"Nouvelle version {texte.version_numero} {action}."
        else:
            detail = f"{action.capitalize()}."
        elements.append(
            ElementAFaire(
                libelle=texte.titre,
                url=reverse("familles:consentement", kwargs={"pk": texte.pk}),
                detail=detail,
                ordre=ORDRE_CONSENTEMENTS,
            )
        )
    return elements


fournisseur_enregistrer(_pieces)
fournisseur_enregistrer(_consentements)
