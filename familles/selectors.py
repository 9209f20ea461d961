"""Lectures du dossier de la famille : pièces justificatives et consentements.

Toujours bornées à une famille (`famille=`), en nombre de requêtes constant quel que soit le
nombre d'enfants, de types ou de dépôts. Les enfants et les structures sont lus par les relations
inverses (`famille.enfants`) : `familles` n'importe pas `enfants`.

API pour les autres applications (campagnes, inscriptions) :
- `pieces_etat(famille=)` : chaque pièce demandée à la famille et à chaque enfant, avec son état ;
- `pieces_manquantes(famille=)` : celles qui restent à faire (à fournir, refusées, expirées ou
  qui expirent dans `PIECES_ALERTE_JOURS` jours, sans nouveau dépôt en vérification) ;
- `piece_valide_le(famille=, type_piece=, jour=, enfant=None)` : une pièce validée couvre ce jour ;
- `pieces_valides_le(famille=, jour=)` : les couples (type, enfant) couverts ce jour (une requête) ;
- `consentements_etat(famille=)`, `consentements_a_donner(famille=)` : les textes en vigueur et
  la réponse de la famille à leur version courante ;
- `consentement_accepte(famille=, texte=)` : la version courante est acceptée ;
- `famille_habite_la_commune(famille=)` : le titulaire du compte habite la commune.
"""

import datetime
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Exists, Prefetch, Q, QuerySet
from django.utils import timezone

from commun.sql import executer, instance
from familles import requetes
from familles.models import (
    Consentement,
    Famille,
    FichierPiece,
    PieceJustificative,
    Responsable,
    TexteConsentement,
    TypePiece,
    VersionTexte,
)

SITUATIONS_SEPAREES = (Responsable.Situation.SEPARE, Responsable.Situation.DIVORCE)


# --- Pièces justificatives ---------------------------------------------------------------


@dataclass
class EtatPiece:
    """Une pièce demandée (un type, pour la famille ou pour un enfant) et où elle en est."""

    A_FOURNIR = "a_fournir"
    EN_VERIFICATION = "en_verification"
    VALIDEE = "validee"
    EXPIRE_BIENTOT = "expire_bientot"
    REFUSEE = "refusee"
    EXPIREE = "expiree"

    type_piece: TypePiece
    enfant: Any  # enfants.Enfant, ou None pour une pièce de la famille
    jour: datetime.date
    # Les dépôts de ce type (pour cet enfant), le plus récent d'abord.
    depots: list[PieceJustificative] = field(default_factory=list)

    @property
    def en_cours(self) -> PieceJustificative | None:
        return next((d for d in self.depots if d.statut == PieceJustificative.Statut.EN_ATTENTE), None)

    @property
    def validee(self) -> PieceJustificative | None:
        """Le dépôt validé qui couvre le plus loin (échu ou non)."""
        validees = [d for d in self.depots if d.statut == PieceJustificative.Statut.VALIDEE]
        return max(validees, key=lambda d: (d.valide_jusqu_au, d.deposee_le), default=None)

    @property
    def dernier_decide(self) -> PieceJustificative | None:
        statuts = (PieceJustificative.Statut.VALIDEE, PieceJustificative.Statut.REFUSEE)
        return next((d for d in self.depots if d.statut in statuts), None)

    @property
    def refusee(self) -> PieceJustificative | None:
        """Le dernier dépôt décidé, s'il est refusé."""
        dernier = self.dernier_decide
        return dernier if dernier and dernier.statut == PieceJustificative.Statut.REFUSEE else None

    @property
    def code(self) -> str:
        if self.en_cours is not None:
            return self.EN_VERIFICATION
        validee = self.validee
        fin = validee.valide_jusqu_au if validee is not None else None
        valable = fin is not None and fin >= self.jour
        alerte = self.jour + datetime.timedelta(days=settings.PIECES_ALERTE_JOURS)
        if fin is not None and valable and fin > alerte:
            return self.VALIDEE
        if self.refusee is not None:
            return self.REFUSEE
        if valable:
            return self.EXPIRE_BIENTOT
        if validee is not None:
            return self.EXPIREE
        return self.A_FOURNIR

    @property
    def a_faire(self) -> bool:
        return self.code not in (self.EN_VERIFICATION, self.VALIDEE)

    @property
    def depot_possible(self) -> bool:
        """Un nouveau dépôt remplace une pièce refusée, expirée ou qui expire bientôt (ou un dépôt
        pas encore vérifié) ; une pièce validée pour longtemps ne se remplace pas."""
        return self.code != self.VALIDEE

    @property
    def ancre(self) -> str:
        return f"piece-{self.type_piece.pk}" + (f"-{self.enfant.pk}" if self.enfant is not None else "")


def _types_actifs(famille: Famille) -> list[Any]:  # des TypePiece annotés `separes`
    """Les types actifs, chacun annoté `separes` : un responsable de la famille est séparé ou
    divorcé (une requête : les responsables ne sont plus lus à part)."""
    separes = Responsable.objects.filter(famille=famille, situation__in=SITUATIONS_SEPAREES)
    return list(
        TypePiece.objects.filter(actif=True).annotate(separes=Exists(separes)).order_by("ordre", "nom")
    )


def _demande(type_piece: TypePiece, *, separes: bool, enfant=None, enfants=()) -> bool:
    condition = type_piece.condition
    if condition == TypePiece.Condition.PARENTS_SEPARES:
        return separes
    if condition == TypePiece.Condition.PAI:
        if enfant is not None:
            return _a_un_pai(enfant)
        return any(_a_un_pai(e) for e in enfants)
    return True


def _a_un_pai(enfant) -> bool:
    if isinstance(enfant, EnfantLeger):
        return enfant.pai
    sanitaire = getattr(enfant, "donnees_sanitaires", None)
    return bool(sanitaire and sanitaire.pai)


def _enfants(famille: Famille) -> list:
    return list(
        famille.enfants.select_related("donnees_sanitaires").order_by("date_naissance", "prenom", "pk")
    )


def depots(*, famille: Famille, avec_fichiers: bool = False) -> QuerySet[PieceJustificative]:
    """Les dépôts de la famille (tous, historique compris), le plus récent d'abord."""
    qs = PieceJustificative.objects.filter(famille=famille).select_related("type_piece", "enfant")
    if avec_fichiers:
        qs = qs.prefetch_related(Prefetch("fichiers", queryset=FichierPiece.objects.order_by("pk")))
    return qs.order_by("-deposee_le", "-pk")


def pieces_etat(
    *,
    famille: Famille,
    jour: datetime.date | None = None,
    enfant=None,
    famille_seulement: bool = False,
    avec_fichiers: bool = False,
    leger: bool = False,
) -> list[EtatPiece]:
    """Chaque pièce demandée à la famille puis à chacun de ses enfants, avec ses dépôts.

    `enfant=` : les pièces de cet enfant seulement ; `famille_seulement` : celles de la famille.
    `leger` (l'accueil, toute la famille) : une requête nommée (`requetes.PIECES_DE_LA_FAMILLE`) ;
    les enfants y sont des `EnfantLeger` (pk, prénom, PAI), les dépôts n'ont ni type ni enfant
    chargés. Sinon au plus trois requêtes (quatre avec les fichiers), quel que soit le nombre de
    lignes ; une seule quand aucun type n'est actif : les enfants ne sont lus que si un type actif
    en dépend.
    """
    jour = jour or timezone.localdate()
    types: list[Any]
    if leger:
        types, separes, tous_les_enfants, par_cle = _lecture_legere(famille)
    else:
        types = _types_actifs(famille)
        separes = bool(types) and types[0].separes
    if not types:
        return []
    if not leger:
        besoin_enfants = any(
            t.concerne == TypePiece.Concerne.ENFANT or t.condition == TypePiece.Condition.PAI for t in types
        )
        tous_les_enfants = _enfants(famille) if besoin_enfants else []
        par_cle = _depots_par_cle(
            famille, enfant=enfant, famille_seulement=famille_seulement, avec_fichiers=avec_fichiers
        )
    if famille_seulement:
        enfants = []
    elif enfant is not None:
        enfants = [e for e in tous_les_enfants if e.pk == enfant.pk]
    else:
        enfants = tous_les_enfants

    def etat(type_piece, un_enfant):
        cle = (type_piece.pk, un_enfant.pk if un_enfant is not None else None)
        return EtatPiece(type_piece, un_enfant, jour, par_cle.get(cle, []))

    etats = []
    if enfant is None:
        etats += [
            etat(t, None)
            for t in types
            if t.concerne == TypePiece.Concerne.FAMILLE
            and _demande(t, separes=separes, enfants=tous_les_enfants)
        ]
    if not famille_seulement:
        etats += [
            etat(t, un_enfant)
            for un_enfant in enfants
            for t in types
            if t.concerne == TypePiece.Concerne.ENFANT and _demande(t, separes=separes, enfant=un_enfant)
        ]
    return etats


def _depots_par_cle(
    famille: Famille, *, enfant, famille_seulement: bool, avec_fichiers: bool
) -> dict[tuple[int, int | None], list[PieceJustificative]]:
    """Les dépôts (les plus récents d'abord) par (type de pièce, enfant ou None), une requête."""
    qs = depots(famille=famille, avec_fichiers=avec_fichiers)
    if enfant is not None:
        qs = qs.filter(enfant=enfant)
    elif famille_seulement:
        qs = qs.filter(enfant__isnull=True)
    par_cle: dict[tuple[int, int | None], list[PieceJustificative]] = {}
    for depot in qs:
        par_cle.setdefault((depot.type_piece_id, depot.enfant_id), []).append(depot)
    return par_cle


@dataclass(frozen=True)
class EnfantLeger:
    """Un enfant tel que le bloc « À faire » le lit : de quoi nommer la pièce et la lier."""

    pk: int
    prenom: str
    pai: bool


def _lecture_legere(famille: Famille) -> tuple[list[TypePiece], bool, list[EnfantLeger], dict]:
    """(types actifs, un responsable séparé, enfants, dépôts par clé) en une requête nommée."""
    ligne = executer(
        requetes.PIECES_DE_LA_FAMILLE,
        {
            "famille": famille.pk,
            "vrai": True,
            "faux": False,
            "separe": Responsable.Situation.SEPARE,
            "divorce": Responsable.Situation.DIVORCE,
        },
    )[0]
    types = [instance(TypePiece, t) for t in sorted(ligne.types, key=lambda t: t["rang"])]
    enfants = [
        EnfantLeger(pk=e["pk"], prenom=e["prenom"], pai=bool(e["pai"]))
        for e in sorted(ligne.enfants, key=lambda e: e["rang"])
    ]
    par_cle: dict[tuple[int, int | None], list[PieceJustificative]] = {}
    for valeurs in sorted(ligne.depots, key=lambda d: d["rang"]):
        depot = instance(PieceJustificative, valeurs)
        par_cle.setdefault((depot.type_piece_id, depot.enfant_id), []).append(depot)
    return types, ligne.separes, enfants, par_cle


def pieces_manquantes(*, famille: Famille, jour: datetime.date | None = None) -> list[EtatPiece]:
    """Les pièces à fournir, refusées, expirées ou qui expirent bientôt, sans dépôt en attente
    (lecture légère : `pieces_etat(leger=True)`)."""
    return [etat for etat in pieces_etat(famille=famille, jour=jour, leger=True) if etat.a_faire]


def piece_valide_le(*, famille: Famille, type_piece: TypePiece, jour: datetime.date, enfant=None) -> bool:
    """Un dépôt validé de ce type (pour la famille, ou pour cet enfant) couvre `jour` (une requête)."""
    return PieceJustificative.objects.filter(
        famille=famille,
        type_piece=type_piece,
        enfant=enfant,
        statut=PieceJustificative.Statut.VALIDEE,
        valide_jusqu_au__gte=jour,
    ).exists()


def pieces_valides_le(*, famille: Famille, jour: datetime.date) -> set[tuple[int, int | None]]:
    """Les couples (id du type, id de l'enfant ou None) couverts par une pièce validée ce jour."""
    return set(
        PieceJustificative.objects.filter(
            famille=famille, statut=PieceJustificative.Statut.VALIDEE, valide_jusqu_au__gte=jour
        ).values_list("type_piece_id", "enfant_id")
    )


def fichiers_pieces(*, famille: Famille) -> QuerySet[FichierPiece]:
    """Les fichiers déposés par la famille (téléchargement : jamais ceux d'une autre famille)."""
    return FichierPiece.objects.filter(piece__famille=famille).select_related("piece")


# --- Consentements -----------------------------------------------------------------------


@dataclass
class EtatConsentement:
    """Un texte en vigueur pour la famille, sa version courante et la dernière réponse donnée."""

    texte: TexteConsentement
    version: VersionTexte
    reponse: Consentement | None  # réponse à la version courante
    reponse_precedente: Consentement | None = None  # réponse à une version antérieure

    @property
    def a_donner(self) -> bool:
        return self.reponse is None


def textes_en_vigueur(*, famille: Famille, jour: datetime.date | None = None) -> QuerySet[TexteConsentement]:
    """Les textes actifs demandés à la famille : ceux de tous, et le règlement des structures où
    un de ses enfants est inscrit (inscription en cours ou à venir)."""
    jour = jour or timezone.localdate()
    # Les structures où un enfant de la famille a une inscription pas encore finie, en
    # sous-requête (IN) : une jointure de tous les textes à toutes les inscriptions, puis
    # DISTINCT, coûtait 37 ms à l'accueil de la famille lourde sur le volume de 10 000 familles.
    # (Le modèle des structures vient de la clé étrangère : familles n'importe pas enfants.)
    structure = TexteConsentement._meta.get_field("structure").related_model
    structures = structure._default_manager.filter(
        activites__inscriptions__enfant__famille=famille, activites__inscriptions__date_fin__gte=jour
    ).values("pk")
    return (
        TexteConsentement.objects.filter(actif=True)
        .filter(Q(structure__isnull=True) | Q(structure__in=structures))
        .select_related("structure")
        .order_by("type", "titre", "pk")
    )


def consentements_etat(
    *, famille: Famille, jour: datetime.date | None = None, texte=None
) -> list[EtatConsentement]:
    """Chaque texte en vigueur (qui a une version en vigueur ce jour) et la réponse de la
    famille à cette version ; trois requêtes, une seule quand aucun texte n'est en vigueur."""
    jour = jour or timezone.localdate()
    textes = textes_en_vigueur(famille=famille, jour=jour).prefetch_related(
        Prefetch(
            "versions",
            queryset=VersionTexte.objects.filter(en_vigueur_le__lte=jour).order_by("-numero"),
            to_attr="versions_en_vigueur",
        )
    )
    if texte is not None:
        textes = textes.filter(pk=texte.pk)
    en_vigueur = [t for t in textes if t.versions_en_vigueur]
    if not en_vigueur:
        return []
    reponses = (
        Consentement.objects.filter(famille=famille, version__texte__in=[t.pk for t in en_vigueur])
        .select_related("version")
        .order_by("-date", "-pk")
    )
    derniere_par_version: dict[int, Consentement] = {}
    derniere_par_texte: dict[int, Consentement] = {}
    for reponse in reponses:
        derniere_par_version.setdefault(reponse.version_id, reponse)
        derniere_par_texte.setdefault(reponse.version.texte_id, reponse)
    etats = []
    for un_texte in en_vigueur:
        courante = un_texte.versions_en_vigueur[0]
        actuelle = derniere_par_version.get(courante.pk)
        precedente = None if actuelle else derniere_par_texte.get(un_texte.pk)
        etats.append(EtatConsentement(un_texte, courante, actuelle, precedente))
    return etats


def consentements_a_donner(*, famille: Famille, jour: datetime.date | None = None) -> list[EtatConsentement]:
    """Les textes dont la version courante attend la réponse de la famille."""
    return [etat for etat in consentements_etat(famille=famille, jour=jour) if etat.a_donner]


def consentements_a_lire(*, famille: Famille, jour: datetime.date | None = None) -> list:
    """Les textes de `consentements_a_donner`, en une requête nommée (`requetes.TEXTES_A_LIRE`,
    le bloc « À faire » de l'accueil) : des lignes `pk`, `titre`, `type`, `refus_possible`,
    `version_numero` (la version courante) et `deja_repondu` (la famille a répondu à une version
    antérieure). Ni les versions (leur contenu) ni les réponses ne sont lues : l'accueil n'en
    montre que le numéro et « nouvelle version »."""
    jour = jour or timezone.localdate()
    return executer(requetes.TEXTES_A_LIRE, {"famille": famille.pk, "jour": jour, "vrai": True})


def consentement_accepte(
    *, famille: Famille, texte: TexteConsentement, jour: datetime.date | None = None
) -> bool:
    """La famille a accepté la version courante de ce texte (dernière réponse : « j'accepte »)."""
    etats = consentements_etat(famille=famille, jour=jour, texte=texte)
    return bool(etats) and etats[0].reponse is not None and etats[0].reponse.accepte


def consentements(*, famille: Famille) -> QuerySet[Consentement]:
    """Toutes les réponses de la famille (historique), la plus récente d'abord."""
    return Consentement.objects.filter(famille=famille).select_related("version__texte", "utilisateur")


def _nom_de_commune(texte: str) -> str:
    """« Lèves », « LEVES », « lèves » → « LEVES » ; tirets et espaces multiples ramenés à un espace."""
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return " ".join(sans_accents.replace("-", " ").replace("'", " ").upper().split())


def famille_habite_la_commune(*, famille: Famille) -> bool:
    """Le titulaire du compte habite la commune : son code postal est `COMMUNE_CODE_POSTAL` et sa
    ville est `NOM_VILLE` (à l'accent et à la casse près). Sans adresse : non (jamais deviné).

    Lit `famille.responsable_principal` (chargé avec l'utilisateur à la connexion) : aucune requête en plus.
    """
    titulaire = famille.responsable_principal
    if titulaire is None:
        return False
    return titulaire.code_postal.strip() == settings.COMMUNE_CODE_POSTAL and _nom_de_commune(
        titulaire.ville
    ) == _nom_de_commune(settings.NOM_VILLE)


def droit_image_des_familles(*, familles: list[int]) -> dict[int, bool]:
    """La dernière réponse de chaque famille au texte « droit à l'image » (accepté ou refusé) ;
    une famille qui n'a pas répondu n'est pas dans le dictionnaire. Une requête."""
    reponses: dict[int, bool] = {}
    for famille_id, accepte in (
        Consentement.objects.filter(
            famille_id__in=familles, version__texte__type=TexteConsentement.Type.DROIT_IMAGE
        )
        .order_by("famille_id", "-date", "-pk")
        .values_list("famille_id", "accepte")
    ):
        reponses.setdefault(famille_id, accepte)
    return reponses


# --- Préférences de notification (issue 21) ---------------------------------------------


def preferences_notification(*, utilisateur) -> dict[tuple[str, str], bool]:
    """Les choix du compte, {(type, canal): active} (une requête) ; absents : le défaut
    (`PreferenceNotification.choix`)."""
    from familles.models import PreferenceNotification

    return {
        (t, c): a
        for t, c, a in PreferenceNotification.objects.filter(utilisateur=utilisateur).values_list(
            "type", "canal", "active"
        )
    }


# Les SMS ne partent que vers un responsable qui les autorise (fiche famille, par une demande) et
# qui a un mobile français valide : la règle de l'envoi (messagerie.notifications). « Mes
# notifications » dit pourquoi les cases SMS ne sont pas disponibles.
SMS_NON_AUTORISES = (
    "Votre famille n'autorise pas les SMS : les cases SMS ne sont pas disponibles. Pour en recevoir, "
    "demandez-le dans Informations responsable (la demande est vérifiée par le CCAS)."
)
SMS_SANS_MOBILE = (
    "Pour recevoir des SMS, indiquez un numéro de portable (06 ou 07) dans Mon compte, rubrique "
    "Informations responsable : les cases SMS seront alors disponibles."
)
SMS_NI_AUTORISES_NI_MOBILE = (
    "Pour recevoir des SMS, indiquez un numéro de portable (06 ou 07) et autorisez les SMS dans "
    "Mon compte, rubrique Informations responsable : les cases SMS seront alors disponibles."
)


def responsable_du_compte(*, utilisateur, famille):
    """Le responsable dont le compte porte les coordonnées et les autorisations : le sien (un
    compte par parent), le titulaire à défaut. Sans requête quand c'est le titulaire, déjà lu
    avec la famille ; une requête sinon."""
    principal = famille.responsable_principal
    if utilisateur.responsable_id and (principal is None or utilisateur.responsable_id != principal.pk):
        return utilisateur.responsable
    return principal


def sms_empechement(*, responsable) -> str:
    """Pourquoi ce responsable ne peut pas recevoir de SMS (un des messages SMS_…), ou "" s'il le
    peut : autorisation SMS de la famille et mobile français valide (`mobile_e164`)."""
    from familles.validators import mobile_e164

    autorise = responsable is not None and responsable.autorisation_sms
    mobile = responsable is not None and mobile_e164(responsable.telephone_mobile) is not None
    if autorise and mobile:
        return ""
    if mobile:
        return SMS_NON_AUTORISES
    return SMS_SANS_MOBILE if autorise else SMS_NI_AUTORISES_NI_MOBILE
