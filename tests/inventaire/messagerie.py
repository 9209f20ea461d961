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
    PagePortail("messagerie:boite", volume=_fils_volume),
    PagePortail("messagerie:envoyes", volume=_fils_volume),
    PagePortail("messagerie:supprimes", volume=_fils_volume),
    PagePortail("messagerie:nouveau", preparer=_nouveau),
    PagePortail("messagerie:fil", preparer=_fil, volume=_messages_volume),
    PagePortail("messagerie:fil_supprimer", preparer=_fil, methode="POST", html=False),
    PagePortail("messagerie:fil_restaurer", preparer=_fil_supprime, methode="POST", html=False),
    PagePortail("messagerie:piece_jointe", preparer=_piece_jointe, html=False),
    PagePortail("messagerie:infos", volume=_infos_volume),
    # Les formulaires sont communs à toutes les familles : une autre famille y a droit aussi
    # (pas de contrôle d'isolement pertinent pour cette URL).
    PagePortail("messagerie:document", preparer=_document, html=False, commune=True),
]
