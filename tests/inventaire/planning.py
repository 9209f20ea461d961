"""Pages du planning (onglet « Mes enfants ») : agenda du mois et demandes."""

import datetime

from django.utils import timezone

from enfants import services
from tests.factories import (
    AbsenceFactory,
    ActiviteFactory,
    EnfantFactory,
    InscriptionFactory,
    ReservationFactory,
)
from tests.inventaire import PagePortail

# Le mois prochain : des jours encore réservables (cases à cocher de la vue téléphone, menu du
# jour) et des absences encore annulables sont rendus, donc contrôlés.
MOIS = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _inscription(parent, **kwargs):
    enfant = EnfantFactory(famille=parent.famille, prenom="LÉA", nom="DUPONT")
    activite = ActiviteFactory(nom="ALSH Mercredi après-midi", jours_ouverture="2")
    return InscriptionFactory(enfant=enfant, activite=activite, jours_reguliers="", **kwargs)


def _mercredis():
    jour = MOIS + datetime.timedelta(days=(2 - MOIS.weekday()) % 7)
    return [jour + datetime.timedelta(days=7 * n) for n in range(3)]


def _planning(parent):
    inscription = _inscription(parent)
    reserve, absent, _libre = _mercredis()
    ReservationFactory(inscription=inscription, date=reserve)
    ReservationFactory(inscription=inscription, date=absent)
    AbsenceFactory(inscription=inscription, date=absent, etat="en_cours")
    # Listes d'attente (une autre activité du mercredi) : un rang (« 1re position ») et une
    # place proposée (lien, limite).
    sortie = InscriptionFactory(
        enfant=inscription.enfant, activite=ActiviteFactory(nom="Sortie nature", jours_ouverture="2")
    )
    ReservationFactory(inscription=sortie, date=reserve, etat="en_attente")
    ReservationFactory(
        inscription=sortie,
        date=absent,
        etat="proposee",
        proposee_le=timezone.now(),
        proposition_limite=timezone.now() + datetime.timedelta(hours=24),
    )
    services.flux_calendrier_obtenir(enfant=inscription.enfant)
    return {"pk": inscription.enfant_id, "annee": MOIS.year, "mois": MOIS.month}


def _planning_volume(parent, n):
    # n inscriptions d'un même enfant, chacune avec des réservations et une absence dans le mois.
    enfant = EnfantFactory(famille=parent.famille)
    for _ in range(n):
        inscription = InscriptionFactory(enfant=enfant, activite=ActiviteFactory(), jours_reguliers="0")
        for jour in (7, 8, 9):
            ReservationFactory(inscription=inscription, date=MOIS.replace(day=jour))
        AbsenceFactory(inscription=inscription, date=MOIS.replace(day=8), etat="en_cours")
    return {"pk": enfant.pk, "annee": MOIS.year, "mois": MOIS.month}


def _enfant(parent):
    return {"pk": _inscription(parent).enfant_id}


def _formulaire(parent):
    return {"pk": _inscription(parent).pk}


def _absence(parent):
    inscription = _inscription(parent)
    jour = _mercredis()[1]
    ReservationFactory(inscription=inscription, date=jour)
    return {"pk": AbsenceFactory(inscription=inscription, date=jour, etat="en_cours").pk}


def _proposition(parent):
    # Une place libérée proposée à la famille (liste d'attente), encore à accepter.
    maintenant = timezone.now()
    reservation = ReservationFactory(
        inscription=_inscription(parent),
        date=_mercredis()[2],
        etat="proposee",
        proposee_le=maintenant,
        proposition_limite=maintenant + datetime.timedelta(hours=24),
    )
    return {"pk": reservation.pk}


PAGES = [
    PagePortail("enfants:planning", requetes=4, formulaires=3, preparer=_planning, volume=_planning_volume),
    PagePortail("enfants:planning_courant", requetes=3, preparer=_enfant, html=False),
    PagePortail(
        "enfants:reservation_demander",
        requetes=4,
        formulaires=1,
        preparer=_formulaire,
        query={"date": "2015-04-08"},
    ),
    PagePortail(
        "enfants:periode_reserver",
        requetes=4,
        formulaires=1,
        preparer=_formulaire,
        query={"date": "2015-04-08"},
    ),
    # Un jour passé : l'avertissement « hors délai, facturée sauf certificat » est rendu.
    PagePortail(
        "enfants:absence_declarer",
        requetes=4,
        formulaires=1,
        preparer=_formulaire,
        query={"date": "2015-04-08"},
    ),
    PagePortail("enfants:absence_annuler", requetes=4, formulaires=1, preparer=_absence),
    PagePortail("enfants:proposition", requetes=4, formulaires=1, preparer=_proposition),
    PagePortail("enfants:jours_reserver", requetes=3, preparer=_formulaire, html=False, methode="POST"),
    PagePortail("enfants:flux_renouveler", requetes=10, preparer=_enfant, html=False, methode="POST"),
]
