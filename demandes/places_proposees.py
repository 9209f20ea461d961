"""Les places proposées en cours (listes d'attente), au bloc « À faire » de l'accueil.

Deux sortes, lues en UNE requête (UNION) : un jour réservé en liste d'attente dont une place
s'est libérée (`Reservation.Etat.PROPOSEE`), et une demande d'inscription en liste d'attente à
qui une place d'activité est proposée (`Demande.Statut.PROPOSEE`). Seules celles dont la date
limite n'est pas passée : une place expirée passe au suivant, la famille n'a plus rien à faire.
Chaque ligne est urgente (un délai court) et mène à la page de réponse.
"""

import datetime
import unicodedata

from django.db.models import CharField, DateField, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from commun import cache_famille
from demandes.models import Demande
from demandes.selectors import CODE_INSCRIPTION
from enfants import calendrier
from enfants.models import Activite, Reservation
from enfants.services.planning import texte_limite
from familles.a_faire import ElementAFaire, fournisseur_enregistrer

ORDRE_PLACES = 5
JOUR = "jour"
INSCRIPTION = "inscription"


def _a_l_activite(nom: str) -> str:
    """« à l'ALSH du mercredi » (élision devant une voyelle ou un h), « à l'activité Cantine » sinon."""
    initiale = unicodedata.normalize("NFD", nom[:1]).lower()[:1]
    if initiale and initiale in "aeiouyh":
        return f"à l'{nom}"
    return f"à l'activité {nom}"


def places_proposees(*, famille, maintenant: datetime.datetime) -> list[dict]:
    """Les places proposées à la famille et encore à accepter, la plus pressée d'abord (une requête)."""
    jours = (
        Reservation.objects.filter(
            inscription__enfant__famille=famille,
            etat=Reservation.Etat.PROPOSEE,
            proposition_limite__gt=maintenant,
        )
        .order_by()
        .annotate(
            sorte=Value(JOUR, output_field=CharField()),
            objet=F("pk"),
            limite=F("proposition_limite"),
            prenom=F("inscription__enfant__prenom"),
            activite_nom=F("inscription__activite__nom"),
            jour=F("date"),
        )
        .values("sorte", "objet", "limite", "prenom", "activite_nom", "jour")
    )
    activites = Activite.objects.filter(pk=OuterRef("activite_pk")).values("nom")[:1]
    inscriptions = (
        Demande.objects.filter(
            famille=famille,
            type=CODE_INSCRIPTION,
            statut=Demande.Statut.PROPOSEE,
            proposition_limite__gt=maintenant,
        )
        .order_by()
        .annotate(activite_pk=Cast(KT("donnees__activite"), IntegerField()))
        .annotate(
            sorte=Value(INSCRIPTION, output_field=CharField()),
            objet=F("pk"),
            limite=F("proposition_limite"),
            prenom=F("enfant__prenom"),
            activite_nom=Subquery(activites, output_field=CharField()),
            jour=Value(None, output_field=DateField()),
        )
        .values("sorte", "objet", "limite", "prenom", "activite_nom", "jour")
    )
    return list(jours.union(inscriptions, all=True).order_by("limite", "sorte", "objet"))


def _element(place: dict) -> ElementAFaire:
    activite = _a_l_activite(place["activite_nom"] or "")
    prenom = place["prenom"] or ""
    detail = f"À accepter avant le {texte_limite(place['limite'])}."
    if place["sorte"] == JOUR:
        return ElementAFaire(
            # Le jour avant l'activité : « à l'ALSH du mercredi le mercredi 6 janvier » se lisait mal.
            libelle=f"Place proposée pour {prenom} le {calendrier.date_longue(place['jour'])} {activite}",
            url=reverse("enfants:proposition", kwargs={"pk": place["objet"]}),
            detail=detail,
            ordre=ORDRE_PLACES,
            urgent=True,
        )
    return ElementAFaire(
        libelle=f"Place proposée {activite} pour {prenom} (inscription)",
        url=reverse("demandes:proposition", kwargs={"pk": place["objet"]}),
        detail=detail,
        ordre=ORDRE_PLACES,
        urgent=True,
    )


def _a_faire(*, famille, jour) -> list[ElementAFaire]:
    places = places_proposees(famille=famille, maintenant=timezone.now())
    for place in places:
        # Passé le délai, la place n'est plus à accepter : l'accueil ne la garde pas au-delà.
        cache_famille.echeance(place["limite"])
    return [_element(place) for place in places]


fournisseur_enregistrer(_a_faire)
