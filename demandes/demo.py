"""Données de démonstration : des demandes de la famille DUPONT (en attente, refusée, acceptée)."""

from django.db import transaction

from demandes import registre, services
from demandes.models import Demande
from familles.demo import IDENTIFIANT_AGENT, IDENTIFIANT_DUPONT, NUMERO_DUPONT
from familles.models import Famille, Utilisateur


def _demander(famille, parent, type_code, changements, enfant=None):
    type_ = registre.type_demande(type_code)
    _, initiales = registre.valeurs_actuelles(type_, famille=famille, enfant=enfant)
    data = {nom: registre.serialiser(v) for nom, v in initiales.items() if v not in (None, False)}
    data.update(changements)
    formulaire = type_.construire(famille=famille, enfant=enfant, data=data)
    return services.demande_creer(
        famille=famille, type_code=type_code, formulaire=formulaire, enfant=enfant, auteur=parent
    )


@transaction.atomic
def creer() -> list:
    famille = Famille.objects.get(numero=NUMERO_DUPONT)
    parent = Utilisateur.objects.get(username=IDENTIFIANT_DUPONT)
    agent = Utilisateur.objects.get(username=IDENTIFIANT_AGENT)
    Demande.objects.filter(famille=famille).delete()
    # Les réservations et absences en attente du planning (démo des enfants) : dans la file.
    from demandes.types_planning import file_completer

    file_completer(famille=famille)
    # La place proposée aux DUPONT (enfants.demo) : le message de la boîte de réception, envoyé
    # après le nettoyage de la boîte par messagerie.demo.
    from demandes.types_planning import prevenir_place_proposee
    from enfants.models import Reservation

    for reservation in Reservation.objects.filter(
        inscription__enfant__famille=famille, etat=Reservation.Etat.PROPOSEE
    ):
        prevenir_place_proposee(Reservation, reservation_id=reservation.pk)
    acceptee = _demander(famille, parent, "caf", {"quotient_familial": "870"})
    services.demande_accepter(demande=acceptee, agent=agent)
    refusee = _demander(
        famille,
        parent,
        "fiscales",
        {"revenu_fiscal_reference": "31250", "nombre_parts": "2.5", "annee_fiscale": "2024"},
    )
    services.demande_refuser(
        demande=refusee,
        agent=agent,
        motif="Avis d'imposition manquant : merci de le déposer à l'accueil du CCAS.",
    )
    _demander(famille, parent, "responsable", {"telephone_mobile": "06 11 22 33 44"})
    lea = famille.enfants.filter(prenom="LÉA").first()
    if lea is not None:
        _demander(famille, parent, "enfant_autorisations", {"rentrer_seul": True}, enfant=lea)
    # Les demandes d'inscription aux activités viennent avec la campagne (demandes.demo_campagnes).
    return []
