"""Pages du planning (onglet « Mes enfants ») : agenda du mois et demandes."""

import datetime

from enfants import services
from tests.factories import ActiviteFactory, EnfantFactory, InscriptionFactory, ReservationFactory
from tests.inventaire import PagePortail

MOIS = datetime.date(2015, 4, 1)


def _inscription(parent, **kwargs):
    enfant = EnfantFactory(famille=parent.famille, prenom="LÉA", nom="DUPONT")
    activite = ActiviteFactory(nom="ALSH Mercredi après-midi", jours_ouverture="2")
    return InscriptionFactory(enfant=enfant, activite=activite, jours_reguliers="", **kwargs)


def _planning(parent):
    inscription = _inscription(parent)
    ReservationFactory(inscription=inscription, date=datetime.date(2015, 4, 8))
    services.flux_calendrier_obtenir(enfant=inscription.enfant)
    return {"pk": inscription.enfant_id, "annee": MOIS.year, "mois": MOIS.month}


def _planning_volume(parent, n):
    # n inscriptions d'un même enfant, chacune avec des réservations et une absence dans le mois.
    enfant = EnfantFactory(famille=parent.famille)
    for _ in range(n):
        inscription = InscriptionFactory(enfant=enfant, activite=ActiviteFactory(),
                                         jours_reguliers="0")
        for jour in (7, 8, 9):
            ReservationFactory(inscription=inscription, date=datetime.date(2015, 4, jour))
    return {"pk": enfant.pk, "annee": MOIS.year, "mois": MOIS.month}


def _enfant(parent):
    return {"pk": _inscription(parent).enfant_id}


def _formulaire(parent):
    return {"pk": _inscription(parent).pk}


PAGES = [
    PagePortail("enfants:planning", preparer=_planning, volume=_planning_volume),
    PagePortail("enfants:planning_courant", preparer=_enfant, html=False),
    PagePortail("enfants:reservation_demander", preparer=_formulaire,
                query={"date": "2015-04-08"}),
    PagePortail("enfants:periode_reserver", preparer=_formulaire, query={"date": "2015-04-08"}),
    PagePortail("enfants:absence_declarer", preparer=_formulaire, query={"date": "2015-04-08"}),
    PagePortail("enfants:flux_renouveler", preparer=_enfant, html=False, methode="POST"),
]
