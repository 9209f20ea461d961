"""Lectures des demandes, toujours bornées à une famille."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from demandes import registre
from demandes.models import Demande
from enfants.planning import rang_texte

# Les demandes pas encore terminées, montrées quelle que soit leur date.
STATUTS_EN_COURS = (Demande.Statut.EN_ATTENTE, Demande.Statut.LISTE_ATTENTE, Demande.Statut.PROPOSEE)


def demandes(*, famille) -> QuerySet[Demande]:
    """Les demandes de la famille (annulées comprises), l'enfant joint."""
    return Demande.objects.filter(famille=famille).select_related("enfant")


def demandes_recentes(*, famille, cote: str, categorie: str | None = None) -> QuerySet[Demande]:
    """Liste des demandes : toutes celles en attente, et les décidées depuis moins d'un mois."""
    depuis = timezone.now() - timedelta(days=getattr(settings, "DEMANDES_DUREE_AFFICHAGE_JOURS", 31))
    codes = [t.code for t in registre.types(cote) if not categorie or t.categorie == categorie]
    return (
        demandes(famille=famille)
        # Qui l'a faite (« Par JEANNE DUPONT », « Fait par l'accueil du CCAS ») : jointures.
        .select_related("cree_par__responsable")
        .filter(type__in=codes)
        .exclude(statut=Demande.Statut.ANNULEE)
        .filter(Q(statut__in=STATUTS_EN_COURS) | Q(cree_le__gte=depuis) | Q(decide_le__gte=depuis))
        .order_by("-cree_le", "-pk")
    )


# --- Listes d'attente des demandes d'inscription ---

CODE_INSCRIPTION = "inscription_activite"


def position_texte(position: int) -> str:
    """3 → « En liste d'attente : 3e position » ; 1 → « … : 1re position »."""
    return f"En liste d'attente : {rang_texte(position)}"


def liste_attente(*, activite_id: int) -> QuerySet[Demande]:
    """Les demandes d'inscription à l'activité en liste d'attente, dans l'ordre d'arrivée
    (date de la demande, puis numéro) : la première est la prochaine servie."""
    return Demande.objects.filter(
        type=CODE_INSCRIPTION, statut=Demande.Statut.LISTE_ATTENTE, donnees__activite=activite_id
    ).order_by("cree_le", "pk")


def position_en_liste_attente(*, demande: Demande) -> int:
    """La position (1 = la prochaine servie) d'une demande en liste d'attente (une requête)."""
    avant = liste_attente(activite_id=demande.donnees["activite"]).filter(
        Q(cree_le__lt=demande.cree_le) | Q(cree_le=demande.cree_le, pk__lt=demande.pk)
    )
    return avant.count() + 1


def positions_en_liste_attente(*, demandes) -> dict[int, int]:
    """{pk: position} des demandes en liste d'attente parmi `demandes` : une requête, quel que
    soit leur nombre (aucune s'il n'y en a pas)."""
    en_liste = [
        d for d in demandes if d.statut == Demande.Statut.LISTE_ATTENTE and d.type == CODE_INSCRIPTION
    ]
    if not en_liste:
        return {}
    activites = {d.donnees.get("activite") for d in en_liste}
    rangs: dict[int, int] = {}
    compteurs: dict[int, int] = {}
    for pk, activite in (
        Demande.objects.filter(
            type=CODE_INSCRIPTION, statut=Demande.Statut.LISTE_ATTENTE, donnees__activite__in=list(activites)
        )
        .order_by("cree_le", "pk")
        .values_list("pk", "donnees__activite")
    ):
        compteurs[activite] = compteurs.get(activite, 0) + 1
        rangs[pk] = compteurs[activite]
    return {d.pk: rangs[d.pk] for d in en_liste if d.pk in rangs}
