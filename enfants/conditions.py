"""Les conditions d'accès à la réservation, réglées par activité : un registre.

Chaque condition est une fonction enregistrée ici, appelée avec `inscriptions=` (celles d'une
même famille, activité et enfant chargés), `jour=` (le jour réservé) et `maintenant=` ; elle
renvoie, par inscription (`{inscription.pk: [Manque, …]}`), ce qui manque pour réserver ce
jour-là, chaque manque avec son libellé précis et le lien vers l'étape qui le règle. Elle lit
en nombre de requêtes constant quel que soit le nombre d'inscriptions (le bandeau du planning
l'appelle pour toutes à la fois), et aucune quand aucune activité n'a son réglage.

`enfants` vérifie les pièces (`Activite.pieces_exigees`) et les textes
(`Activite.textes_exiges`) ; `facturation`, au-dessus, enregistre les impayés
(`Activite.blocage_impayes_jours`) dans son `AppConfig.ready()` :

    from enfants.conditions import condition_enregistrer

    @condition_enregistrer("impayes")
    def impayes(*, inscriptions, jour, maintenant) -> dict[int, list[Manque]]: ...

L'inscription elle-même (acceptée par le service) est exigée avant : une réservation part
d'une `Inscription`, qui n'existe qu'une fois la demande d'inscription acceptée.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from enfants import calendrier
from enfants.models import Activite, DonneesSanitaires, Inscription
from familles.models import (
    Consentement,
    PieceJustificative,
    Responsable,
    TexteConsentement,
    TypePiece,
    VersionTexte,
)

ENTETE = "Pour réserver le {jour} ({activite}), il manque : "
ENTETE_JOURS = "Pour réserver les {jours} ({activite}), il manque : "
ENTETE_BANDEAU = "Pour réserver ({activite}), il manque : "

LIEN_PIECES = "Documents à fournir"
LIEN_TEXTES = "Règlements et consentements"


@dataclass(frozen=True)
class Manque:
    """Ce qui manque pour réserver : « l'attestation d'assurance valable ce jour-là », et le lien
    vers la page qui le règle (`lien_texte` : le titre de cette page)."""

    libelle: str
    url: str
    lien_texte: str


class MessageConditions(str):
    """Le refus, en texte (services, tests, journaux), qui sait aussi se montrer en HTML avec
    ses liens : les gabarits appellent `__html__` (comme pour un texte marqué sûr), chaque morceau
    venant des données étant échappé par `format_html`."""

    entete: str
    manques: tuple[Manque, ...]
    activite: str

    def __new__(cls, entete: str, manques: Iterable[Manque], *, activite: str = ""):
        manques = tuple(manques)
        texte = entete + " ; ".join(f"{m.libelle} ({m.lien_texte})" for m in manques) + "."
        objet = super().__new__(cls, texte)
        objet.entete = entete
        objet.manques = manques
        objet.activite = activite
        return objet

    def __str__(self):  # garde le type (ValidationError.messages passe par str())
        return self

    def __html__(self) -> str:
        liens = format_html_join(
            " ; ", '{} (<a href="{}">{}</a>)', ((m.libelle, m.url, m.lien_texte) for m in self.manques)
        )
        return format_html("{}{}.", self.entete, liens)


Condition = Callable[..., dict[int, list[Manque]]]
_CONDITIONS: dict[str, Condition] = {}


def condition_enregistrer(nom: str) -> Callable[[Condition], Condition]:
    """Enregistre une condition d'accès à la réservation (sous un nom : idempotent)."""

    def enregistrer(fonction: Condition) -> Condition:
        _CONDITIONS[nom] = fonction
        return fonction

    return enregistrer


def manques(
    *, inscriptions: list[Inscription], jour: datetime.date, maintenant: datetime.datetime | None = None
) -> dict[int, list[Manque]]:
    """Ce qui manque à chaque inscription pour réserver ce jour-là (les inscriptions sans manque
    sont absentes du résultat), toutes conditions enregistrées confondues, dans leur ordre."""
    maintenant = maintenant or timezone.now()
    resultat: dict[int, list[Manque]] = {}
    if not inscriptions:
        return resultat
    for _nom, condition in sorted(_CONDITIONS.items()):
        for pk, liste in condition(inscriptions=inscriptions, jour=jour, maintenant=maintenant).items():
            if liste:
                resultat.setdefault(pk, []).extend(liste)
    return resultat


def conditions_reservation_verifier(
    *, inscription: Inscription, activite: Activite, jour: datetime.date, maintenant: datetime.datetime
) -> None:
    """Refuse (ValidationError, code « conditions ») la réservation de ce jour s'il manque une
    pièce, un texte accepté ou le règlement d'une facture : le message dit tout ce qui manque,
    avec les liens (`MessageConditions`)."""
    inscription.activite = activite
    _exigences_lire(activite)
    if not activite.a_des_conditions:
        return
    manquants = manques(inscriptions=[inscription], jour=jour, maintenant=maintenant).get(inscription.pk)
    if manquants:
        entete = ENTETE.format(jour=calendrier.date_longue(jour), activite=activite.nom)
        raise ValidationError(MessageConditions(entete, manquants, activite=activite.nom), code="conditions")


def _exigences_lire(activite: Activite) -> None:
    """Pose `exige_pieces` et `exige_textes` sur l'activité (une requête, deux EXISTS) : sans
    condition, rien d'autre n'est lu."""
    if hasattr(activite, "exige_pieces") and hasattr(activite, "exige_textes"):
        return
    lignes = Activite.objects.filter(pk=activite.pk).annotate(
        pieces=Exists(Activite.pieces_exigees.through.objects.filter(activite_id=OuterRef("pk"))),
        textes=Exists(Activite.textes_exiges.through.objects.filter(activite_id=OuterRef("pk"))),
    )
    activite.exige_pieces, activite.exige_textes = lignes.values_list("pieces", "textes").get()


def bandeau(
    *, inscriptions: list[Inscription], jour: datetime.date, maintenant: datetime.datetime | None = None
) -> list[MessageConditions]:
    """Les messages « Pour réserver (activité), il manque : … » du planning, avant toute demande.
    Seules les activités qui ont une condition sont lues (`Activite.a_des_conditions`, d'après
    `exige_pieces` et `exige_textes` posés par le planning) : aucune requête sans condition."""
    concernees = [i for i in inscriptions if i.activite.a_des_conditions]
    par_inscription = manques(inscriptions=concernees, jour=jour, maintenant=maintenant)
    messages, vus = [], set()
    for inscription in concernees:
        manquants = par_inscription.get(inscription.pk)
        cle = (inscription.activite_id, tuple(manquants or ()))
        if manquants and cle not in vus:
            vus.add(cle)
            entete = ENTETE_BANDEAU.format(activite=inscription.activite.nom)
            messages.append(MessageConditions(entete, manquants, activite=inscription.activite.nom))
    return messages


def refus_regrouper(refus: list[tuple[datetime.date, str]]) -> list[str]:
    """Les refus d'une demande de plusieurs jours, dans l'ordre : ceux des conditions qui disent
    la même chose pour plusieurs jours sont regroupés en un seul message (« Pour réserver les
    mercredi 6 janvier 2027, mercredi 13 janvier 2027 (…), il manque : … ») ; les autres
    restent un par jour."""
    groupes: dict[tuple, list[datetime.date]] = {}
    ordre: list[tuple | str] = []
    for jour, raison in refus:
        if isinstance(raison, MessageConditions):
            cle = (raison.activite, raison.manques)
            if cle not in groupes:
                groupes[cle] = []
                ordre.append(cle)
            groupes[cle].append(jour)
        else:
            ordre.append(raison)
    messages: list[str] = []
    for element in ordre:
        if isinstance(element, str):
            messages.append(element)
            continue
        activite, manquants = element
        jours = groupes[element]
        if len(jours) == 1:
            entete = ENTETE.format(jour=calendrier.date_longue(jours[0]), activite=activite)
        else:
            textes_jours = ", ".join(calendrier.date_longue(j) for j in jours)
            entete = ENTETE_JOURS.format(jours=textes_jours, activite=activite)
        messages.append(MessageConditions(entete, manquants, activite=activite))
    return messages


# --- Les conditions d'`enfants` : pièces et textes -------------------------------------------


def _famille_id(inscriptions: list[Inscription]) -> int:
    familles = {i.enfant.famille_id for i in inscriptions}
    if len(familles) != 1:
        raise ValueError("Les inscriptions d'une seule famille à la fois.")
    return familles.pop()


def _url_piece(type_piece: TypePiece, enfant) -> str:
    if type_piece.concerne == TypePiece.Concerne.ENFANT:
        return reverse("enfants:pieces", kwargs={"pk": enfant.pk}) + f"#piece-{type_piece.pk}-{enfant.pk}"
    return reverse("familles:pieces") + f"#piece-{type_piece.pk}"


def _libelle_piece(type_piece: TypePiece, enfant, depots: list[PieceJustificative], jour) -> str:
    """Ce qui manque, précisément : à fournir, en cours de vérification, valable seulement
    jusqu'à une date antérieure, refusée."""
    nom = f"« {type_piece.nom} »"
    if type_piece.concerne == TypePiece.Concerne.ENFANT:
        nom += f" de {enfant.prenom}"
    if any(d.statut == PieceJustificative.Statut.EN_ATTENTE for d in depots):
        return f"{nom} valable ce jour-là (la pièce envoyée est en cours de vérification)"
    validees = [d for d in depots if d.statut == PieceJustificative.Statut.VALIDEE and d.valide_jusqu_au]
    if validees:
        fin = max(d.valide_jusqu_au for d in validees if d.valide_jusqu_au)
        return f"{nom} valable ce jour-là (la pièce validée expire le {fin:%d/%m/%Y})"
    if depots and depots[0].statut == PieceJustificative.Statut.REFUSEE:
        return f"{nom} valable ce jour-là (la pièce envoyée a été refusée : {depots[0].motif})"
    return f"{nom} valable ce jour-là"


def _pieces_demandees_a(types: list[TypePiece], inscriptions: list[Inscription]) -> tuple[bool, set[int]]:
    """Pour les pièces demandées sous condition : un parent est séparé ou divorcé, et les
    enfants (parmi ceux des inscriptions) qui ont un PAI. Aucune requête sans telle pièce."""
    conditions = {t.condition for t in types}
    separes = False
    if TypePiece.Condition.PARENTS_SEPARES in conditions:
        separes = Responsable.objects.filter(
            famille_id=_famille_id(inscriptions),
            situation__in=(Responsable.Situation.SEPARE, Responsable.Situation.DIVORCE),
        ).exists()
    avec_pai: set[int] = set()
    if TypePiece.Condition.PAI in conditions:
        avec_pai = set(
            DonneesSanitaires.objects.filter(
                enfant_id__in={i.enfant_id for i in inscriptions}, pai=True
            ).values_list("enfant_id", flat=True)
        )
    return separes, avec_pai


@condition_enregistrer("pieces")
def pieces(*, inscriptions: list[Inscription], jour: datetime.date, maintenant) -> dict[int, list[Manque]]:
    """Chaque pièce exigée par l'activité : un dépôt validé qui couvre le jour (celui de
    l'enfant pour une pièce de l'enfant). Deux requêtes (les types exigés, les dépôts de la
    famille pour ces types), aucune si l'on sait déjà qu'aucune activité n'exige de pièce
    (`exige_pieces`)."""
    concernees = {i.activite_id for i in inscriptions if getattr(i.activite, "exige_pieces", True)}
    if not concernees:
        return {}
    lien = Activite.pieces_exigees.through
    exigees: dict[int, list[TypePiece]] = {}
    for ligne in (
        lien.objects.filter(activite_id__in=concernees, typepiece__actif=True)
        .select_related("typepiece")
        .order_by("typepiece__ordre", "typepiece__nom")
    ):
        exigees.setdefault(ligne.activite_id, []).append(ligne.typepiece)
    if not exigees:
        return {}
    types = {t.pk: t for liste in exigees.values() for t in liste}
    famille_id = _famille_id(inscriptions)
    depots: dict[tuple[int, int | None], list[PieceJustificative]] = {}
    for depot in PieceJustificative.objects.filter(
        famille_id=famille_id, type_piece__in=list(types)
    ).order_by("-deposee_le", "-pk"):
        depots.setdefault((depot.type_piece_id, depot.enfant_id), []).append(depot)
    separes, avec_pai = _pieces_demandees_a(list(types.values()), inscriptions)
    resultat: dict[int, list[Manque]] = {}
    for inscription in inscriptions:
        for type_piece in exigees.get(inscription.activite_id, []):
            if type_piece.condition == TypePiece.Condition.PARENTS_SEPARES and not separes:
                continue
            if type_piece.condition == TypePiece.Condition.PAI and inscription.enfant_id not in avec_pai:
                continue
            de_l_enfant = type_piece.concerne == TypePiece.Concerne.ENFANT
            les_depots = depots.get((type_piece.pk, inscription.enfant_id if de_l_enfant else None), [])
            if any(
                d.statut == PieceJustificative.Statut.VALIDEE
                and d.valide_jusqu_au
                and d.valide_jusqu_au >= jour
                for d in les_depots
            ):
                continue
            resultat.setdefault(inscription.pk, []).append(
                Manque(
                    libelle=_libelle_piece(type_piece, inscription.enfant, les_depots, jour),
                    url=_url_piece(type_piece, inscription.enfant),
                    lien_texte=LIEN_PIECES,
                )
            )
    return resultat


@condition_enregistrer("textes")
def textes(*, inscriptions: list[Inscription], jour: datetime.date, maintenant) -> dict[int, list[Manque]]:
    """Chaque texte exigé par l'activité (actif, avec une version en vigueur aujourd'hui) : la
    dernière réponse de la famille à sa version courante est « j'accepte ». Deux requêtes (les
    textes et leur version courante, les réponses de la famille), aucune si l'on sait déjà
    qu'aucune activité n'exige de texte (`exige_textes`)."""
    concernees = {i.activite_id for i in inscriptions if getattr(i.activite, "exige_textes", True)}
    if not concernees:
        return {}
    aujourdhui = timezone.localdate(maintenant)
    lien = Activite.textes_exiges.through
    courantes = VersionTexte.objects.filter(
        texte=OuterRef("texteconsentement_id"), en_vigueur_le__lte=aujourdhui
    ).order_by("-numero")
    # Des liaisons annotées de la version courante (le modèle ne les décrit pas : Any).
    qs: Any = (
        lien.objects.filter(activite_id__in=concernees, texteconsentement__actif=True)
        .select_related("texteconsentement")
        .annotate(
            version_id=Subquery(courantes.values("pk")[:1]),
            version_numero=Subquery(courantes.values("numero")[:1]),
        )
        .order_by("texteconsentement__type", "texteconsentement__titre", "pk")
    )
    lignes = [ligne for ligne in qs if ligne.version_id is not None]  # sans version : rien à accepter
    if not lignes:
        return {}
    famille_id = _famille_id(inscriptions)
    derniere: dict[int, bool] = {}
    for version_id, accepte in (
        Consentement.objects.filter(
            famille_id=famille_id, version_id__in=[ligne.version_id for ligne in lignes]
        )
        .order_by("version_id", "-date", "-pk")
        .values_list("version_id", "accepte")
    ):
        derniere.setdefault(version_id, accepte)
    resultat: dict[int, list[Manque]] = {}
    for inscription in inscriptions:
        for ligne in lignes:
            if ligne.activite_id != inscription.activite_id or derniere.get(ligne.version_id):
                continue
            texte: TexteConsentement = ligne.texteconsentement
            refuse = derniere.get(ligne.version_id) is False
            libelle = f"« {texte.titre} », version {ligne.version_numero}, à accepter"
            if refuse:
                libelle += " (vous l'avez refusé)"
            resultat.setdefault(inscription.pk, []).append(
                Manque(
                    libelle=libelle,
                    url=reverse("familles:consentement", kwargs={"pk": texte.pk}),
                    lien_texte=LIEN_TEXTES,
                )
            )
    return resultat


__all__ = [
    "Manque",
    "MessageConditions",
    "bandeau",
    "condition_enregistrer",
    "conditions_reservation_verifier",
    "manques",
    "refus_regrouper",
]
