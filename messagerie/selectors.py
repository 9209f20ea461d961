"""Lectures de la messagerie : toujours bornées à une famille (côté parent) ou aux structures
d'un agent (côté administration)."""

from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from commun.sql import executer
from familles.models import Famille
from messagerie import requetes
from messagerie.models import AgentStructure, Document, Fil, Information, LectureFil, Message, PieceJointe


# Un message reçu par la famille que le compte n'a pas lu : au-delà de sa lecture `ma_lecture`
# (la jointure d'une ligne par fil posée par `_fils`), ou sans lecture du tout.
def _non_lu_par_le_compte(compte) -> Q:
    """Un message du CCAS que ce compte n'a pas lu : au-delà de sa lecture du fil (ou sans
    lecture), et arrivé après la création du compte d'un second responsable
    (`Utilisateur.messages_anterieurs_jusqu_a`, 0 pour le premier)."""
    return (
        Q(messages__de_la_famille=False)
        & (Q(ma_lecture__isnull=True) | Q(messages__pk__gt=F("ma_lecture__dernier_lu")))
        & Q(messages__pk__gt=compte.messages_anterieurs_jusqu_a)
    )


def messages_non_lus_nombre(*, famille, compte) -> int:
    """Nombre de messages reçus que ce compte de la famille n'a pas lus, hors fils supprimés :
    le compteur de l'en-tête (`requetes.MESSAGES_NON_LUS`, une requête). Chaque responsable
    a le sien : ce qu'a lu l'autre parent reste non lu pour lui."""
    parametres = {
        "famille": famille.pk,
        "compte": compte.pk,
        "faux": False,
        "anterieurs": compte.messages_anterieurs_jusqu_a,
    }
    return executer(requetes.MESSAGES_NON_LUS, parametres)[0].nombre


def _fils(*, famille, compte) -> QuerySet[Fil]:
    return (
        Fil.objects.filter(famille=famille)
        .select_related("structure")
        .annotate(ma_lecture=FilteredRelation("lectures", condition=Q(lectures__compte=compte)))
        .annotate(
            non_lus=Count("messages", filter=_non_lu_par_le_compte(compte)),
            nombre_messages=Count("messages"),
        )
        .order_by("-date_dernier_message", "-pk")
    )


def fils_recus(*, famille, compte) -> QuerySet[Fil]:
    """Les fils où la famille a reçu au moins un message (écrits par la structure ou répondus),
    avec leurs non-lus pour ce compte."""
    recu = Message.objects.filter(fil=OuterRef("pk"), de_la_famille=False)
    return _fils(famille=famille, compte=compte).filter(Exists(recu), supprime_le__isnull=True)


def fils_envoyes(*, famille, compte) -> QuerySet[Fil]:
    """Les fils ouverts par la famille, avec le nombre de réponses reçues."""
    return (
        _fils(famille=famille, compte=compte)
        .filter(initie_par_famille=True, supprime_le__isnull=True)
        .annotate(nombre_reponses=Count("messages", filter=Q(messages__de_la_famille=False)))
    )


def fils_supprimes(*, famille, compte) -> QuerySet[Fil]:
    """Les fils que la famille a supprimés (elle peut les restaurer)."""
    return (
        _fils(famille=famille, compte=compte)
        .filter(supprime_le__isnull=False)
        .order_by("-supprime_le", "-pk")
    )


def fils(*, famille, compte=None) -> QuerySet[Fil]:
    """Tous les fils de la famille (pour ouvrir l'un d'eux : un autre foyer obtient 404).

    Avec `compte`, chaque fil porte de quoi marquer sa lecture sans autre requête
    (`services.fil_lire`) : `lu_jusqu_a` (le dernier message lu par ce compte, ou None ; au moins
    le dernier reçu avant la création du compte d'un second responsable),
    `dernier_recu` (le dernier message du CCAS) et `jamais_lu` (un message du CCAS que nul
    compte de la famille n'a encore ouvert)."""
    qs = Fil.objects.filter(famille=famille).select_related("structure")
    if compte is None:
        return qs
    recus = Message.objects.filter(fil=OuterRef("pk"), de_la_famille=False).order_by("-pk")
    lecture: Subquery | Greatest = Subquery(
        LectureFil.objects.filter(fil=OuterRef("pk"), compte=compte).values("dernier_lu_id")[:1],
        output_field=BigIntegerField(),
    )
    if compte.messages_anterieurs_jusqu_a:  # second responsable : les messages d'avant son compte
        anterieurs = Value(compte.messages_anterieurs_jusqu_a, output_field=BigIntegerField())
        lecture = Greatest(Coalesce(lecture, Value(0, output_field=BigIntegerField())), anterieurs)
    return qs.annotate(
        lu_jusqu_a=lecture,
        dernier_recu=Subquery(recus.values("pk")[:1]),
        jamais_lu=Exists(recus.filter(lu_le__isnull=True)),
    )


def fil_messages(*, fil: Fil) -> QuerySet[Message]:
    """Les messages d'un fil, dans l'ordre, avec leurs pièces jointes (deux requêtes) ; le
    responsable auteur de chaque message de la famille est joint (deux parents, un seul fil)."""
    return (
        Message.objects.filter(fil=fil)
        .select_related("auteur__responsable")
        .prefetch_related(Prefetch("pieces_jointes", queryset=PieceJointe.objects.order_by("pk")))
        .order_by("date_envoi", "pk")
    )


def fil_lectures(*, fil: Fil) -> QuerySet[LectureFil]:
    """Jusqu'où chaque compte de la famille a lu le fil (côté administration), avec le
    responsable de chaque compte (une requête)."""
    return LectureFil.objects.filter(fil=fil).select_related("compte__responsable").order_by("compte_id")


def pieces_jointes(*, famille) -> QuerySet[PieceJointe]:
    """Les pièces jointes des fils de la famille."""
    return PieceJointe.objects.filter(message__fil__famille=famille).select_related("message__fil")


def informations_publiees(*, jour=None) -> QuerySet[Information]:
    """Les informations affichées ce jour-là (publiées, pas encore expirées)."""
    jour = jour or timezone.localdate()
    return Information.objects.filter(date_publication__lte=jour).filter(
        Q(date_expiration__isnull=True) | Q(date_expiration__gte=jour)
    )


def documents_publies(*, jour=None) -> QuerySet[Document]:
    """Les formulaires téléchargeables ce jour-là (les mêmes pour toutes les familles)."""
    jour = jour or timezone.localdate()
    return Document.objects.filter(date_publication__lte=jour).filter(
        Q(date_expiration__isnull=True) | Q(date_expiration__gte=jour)
    )


# Côté administration


def structures_de_l_agent_ids(*, agent) -> list[int]:
    return list(structures_de_l_agent(agent=agent).values_list("structure_id", flat=True))


def structures_de_l_agent(*, agent) -> QuerySet[AgentStructure, Any]:
    """Les structures auxquelles l'agent est rattaché, en sous-requête (`.values("structure_id")`) :
    ses fils de messagerie, ses listes du jour (registre `enfants.structures_agent`)."""
    return AgentStructure.objects.filter(agent=agent).values("structure_id")


def fils_agent(*, agent) -> QuerySet[Fil]:
    """Les fils des structures de l'agent (tous pour un superutilisateur), non lus d'abord.

    Les messages du CCAS (sans structure) sont visibles de tous les agents. `non_lus` : les
    messages de la famille que la structure n'a pas lus, tenus sur le fil par la base
    (`messagerie.declencheurs`) ; l'ordre se lit par l'index `fil_liste_agent_idx`.
    """
    qs = (
        Fil.objects.select_related("structure", "famille")
        .prefetch_related("famille__responsables")
        .annotate(non_lus=F("non_lus_structure"))
    )
    if not agent.is_superuser:
        qs = qs.filter(Q(structure__in=structures_de_l_agent(agent=agent)) | Q(structure__isnull=True))
    return qs.order_by("-non_lus", "-date_dernier_message", "-pk")


def familles_destinataires(*, structure=None, activite=None) -> QuerySet[Famille]:
    """Les familles ayant un enfant inscrit (inscription en cours aujourd'hui) à la structure
    ou à l'activité visée par une diffusion."""
    if structure is None and activite is None:
        raise ValueError("Une diffusion vise une structure ou une activité.")
    aujourdhui = timezone.localdate()
    filtre = {
        "enfants__inscriptions__date_debut__lte": aujourdhui,
        "enfants__inscriptions__date_fin__gte": aujourdhui,
    }
    if activite is not None:
        filtre["enfants__inscriptions__activite"] = activite
    else:
        filtre["enfants__inscriptions__activite__structure"] = structure
    return Famille.objects.filter(**filtre).distinct().order_by("pk")
