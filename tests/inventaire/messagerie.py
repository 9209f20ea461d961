"""Pages de la messagerie (Boîte de réception, Infos./Documents)."""

from tests.factories import (
    DocumentFactory,
    FilFactory,
    InformationFactory,
    PieceJointeFactory,
    StructureFactory,
    fil_avec_messages,
)
from tests.inventaire import PagePortail


def _fil(parent) -> dict:
    fil = fil_avec_messages(famille=parent.famille)
    PieceJointeFactory(message=fil.messages.first())
    return {"pk": fil.pk}


def _fil_supprime(parent) -> dict:
    from django.utils import timezone

    fil = fil_avec_messages(famille=parent.famille, supprime_le=timezone.now())
    return {"pk": fil.pk}


def _piece_jointe(parent) -> dict:
    fil = fil_avec_messages(famille=parent.famille)
    return {"pk": PieceJointeFactory(message=fil.messages.first()).pk}


def _fils_volume(parent, n):
    # n fils de chaque sorte : reçus et envoyés (non supprimés), supprimés, ouverts par le CCAS.
    from django.utils import timezone

    for _ in range(n):
        fil_avec_messages(famille=parent.famille)
        fil_avec_messages(famille=parent.famille, supprime_le=timezone.now())
        FilFactory(famille=parent.famille, initie_par_famille=False)


def _messages_volume(parent, n):
    # Le fil préparé reçoit n messages (avec pièces jointes).
    from messagerie.models import Fil

    fil = Fil.objects.filter(famille=parent.famille).first()
    for _ in range(n):
        PieceJointeFactory(message__fil=fil, message__de_la_famille=False)


def _nouveau(parent) -> dict:
    StructureFactory(nom="Crèche")
    return {}


def _infos_volume(parent, n):
    for _ in range(n):
        InformationFactory(lien="https://www.leves.fr/")
        DocumentFactory()


def _document(parent) -> dict:
    return {"pk": DocumentFactory().pk}


PAGES = [
    PagePortail("messagerie:boite", requetes=5, volume=_fils_volume),
    PagePortail("messagerie:envoyes", requetes=5, volume=_fils_volume),
    PagePortail("messagerie:supprimes", requetes=5, volume=_fils_volume),
    PagePortail("messagerie:nouveau", requetes=4, formulaires=1, preparer=_nouveau),
    # Ouvrir un fil aux messages jamais lus : la lecture du compte (une instruction) et la
    # première lecture par la famille (`Message.lu_le`, pour le CCAS) dans une transaction ;
    # un fil déjà lu par ce compte se rouvre sans écriture (issue 22).
    PagePortail("messagerie:fil", requetes=10, formulaires=2, preparer=_fil, volume=_messages_volume),
    PagePortail("messagerie:fil_supprimer", requetes=6, preparer=_fil, methode="POST", html=False),
    PagePortail("messagerie:fil_restaurer", requetes=6, preparer=_fil_supprime, methode="POST", html=False),
    PagePortail("messagerie:piece_jointe", requetes=3, preparer=_piece_jointe, html=False),
    PagePortail("messagerie:infos", requetes=5, volume=_infos_volume),
    # Les formulaires sont communs à toutes les familles : une autre famille y a droit aussi
    # (pas de contrôle d'isolement pertinent pour cette URL).
    PagePortail("messagerie:document", requetes=3, preparer=_document, html=False, commune=True),
]
