"""Campagnes d'inscription, côté famille : le dossier de campagne en cinq étapes.

1. Je confirme mon dossier famille (« Je certifie l'exactitude… », date gardée) ;
2. Pièces : celles que la campagne demande (`pieces_requises`), déposées ;
3. Règlements et autorisations : les textes demandés (`consentements_requis`), acceptés dans
   leur version courante ;
4. Activités : chaque enfant a une demande d'inscription à la campagne (type
   `inscription_activite`, `donnees["campagne"]`), une inscription à une activité proposée sur la
   période, ou « pas d'inscription cette année » ;
5. Envoyer le dossier.

Vit dans `demandes` : l'étape 4 lit les demandes d'inscription, et `demandes` est la couche qui
lit toutes les autres. Le dossier lui-même (`enfants.DossierCampagne`) vit avec la campagne.

Une règle par étape, écrite une fois en requêtes (`_textes_requis`, `_enfants_annotes`), servie
à la page (qui liste) et au bloc « À faire » (qui compte, en une seule requête annotée).
Toute écriture re-vérifie la fenêtre de la campagne pour la famille (`fenetre_raison`).
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from commun.audit import audit_enregistrer
from demandes.models import Demande
from enfants import calendrier
from enfants import selectors as enfants_selectors
from enfants.models import Campagne, DossierCampagne, Enfant, Inscription
from familles import selectors as familles_selectors
from familles.a_faire import (
    ORDRE_CAMPAGNES,
    ElementAFaire,
    fournisseur_enregistrer,
    pieces_manquantes_partagees,
)
from familles.models import Consentement, TexteConsentement, VersionTexte

TYPE_INSCRIPTION = "inscription_activite"
# Une demande d'inscription qui compte pour l'étape « Activités » (ni refusée, ni annulée).
STATUTS_EN_COURS = ("en_attente", "acceptee", "liste_attente", "proposee")
NOMBRE_ETAPES = 5
ETAPES = (
    (1, "famille", "Je confirme mon dossier famille"),
    (2, "pieces", "Pièces justificatives"),
    (3, "textes", "Règlements et autorisations"),
    (4, "activites", "Activités"),
    (5, "envoi", "Envoyer le dossier"),
)

MESSAGE_A_VENIR = "La campagne ouvre le {date}."
MESSAGE_CLOSE = "La campagne est close depuis le {date}."
MESSAGE_HABITANTS = (
    "Jusqu'au {date}, la campagne est réservée aux habitants de {ville} : "
    "votre dossier s'ouvrira à cette date."
)
MESSAGE_DEJA_ENVOYE = "Votre dossier a été envoyé le {date} : pour le modifier, contactez le CCAS."
MESSAGE_CERTIFIER = "Cochez « Je certifie l'exactitude des informations de mon dossier »."
MESSAGE_INCOMPLET = "Votre dossier n'est pas encore complet ; il reste : {etapes}."
MESSAGE_ENFANT_INCONNU = "Cet enfant n'est pas dans votre dossier."
MESSAGE_ENFANT_DEMANDE = (
    "{prenom} a déjà une demande d'inscription pour cette campagne : annulez-la d'abord dans la "
    "Liste des demandes."
)


class CampagneErreur(Exception):
    """Refus d'une écriture du dossier de campagne ; `message` est destiné à la famille."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def titre_dossier(campagne: Campagne) -> str:
    """« Dossier 2027-2028 » pour une rentrée ; « Dossier Vacances d'hiver 2028 » sinon."""
    debut, fin = campagne.periode_debut.year, campagne.periode_fin.year
    if campagne.type == Campagne.Type.RENTREE and fin == debut + 1:
        return f"Dossier {debut}-{fin}"
    return f"Dossier {campagne.nom}"


def fenetre_raison(*, campagne: Campagne, famille, maintenant: datetime.datetime) -> str | None:
    """Pourquoi la famille ne peut pas remplir son dossier à cet instant (None : elle le peut).

    Fenêtre fermée à droite : close à 18:00, la campagne refuse dès 18:00:00 ; avant
    `ouverture_tous`, seuls les habitants de la commune."""
    if maintenant < campagne.ouverture:
        return MESSAGE_A_VENIR.format(date=calendrier.date_heure_longue(campagne.ouverture))
    if maintenant >= campagne.fermeture:
        return MESSAGE_CLOSE.format(date=calendrier.date_heure_longue(campagne.fermeture))
    tous = campagne.ouverture_tous
    if (
        tous is not None
        and maintenant < tous
        and not familles_selectors.famille_habite_la_commune(famille=famille)
    ):
        return MESSAGE_HABITANTS.format(date=calendrier.date_heure_longue(tous), ville=settings.NOM_VILLE)
    return None


# --- Règles des étapes, en requêtes ------------------------------------------------------


def _compte(requete: QuerySet) -> Coalesce:
    """COUNT(*) d'une sous-requête (sans GROUP BY), 0 si vide."""
    return Coalesce(
        Subquery(requete.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]),
        0,
        output_field=IntegerField(),
    )


def _textes_requis(*, famille, jour: datetime.date) -> QuerySet[TexteConsentement]:
    """Les textes actifs qui ont une version en vigueur, annotés de cette version et de la
    dernière réponse de la famille à cette version (`accepte`, `repondu_le`)."""
    courantes = VersionTexte.objects.filter(texte=OuterRef("pk"), en_vigueur_le__lte=jour).order_by("-numero")
    reponses = Consentement.objects.filter(famille=famille, version_id=OuterRef("version_id")).order_by(
        "-date", "-pk"
    )
    return (
        TexteConsentement.objects.filter(actif=True)
        .annotate(
            version_id=Subquery(courantes.values("pk")[:1]),
            version_numero=Subquery(courantes.values("numero")[:1]),
        )
        .filter(version_id__isnull=False)
        .annotate(
            accepte=Subquery(reponses.values("accepte")[:1]),
            repondu_le=Subquery(reponses.values("date")[:1]),
        )
        # Sans réponse, `accepte` est NULL : « pas accepté » (NOT NULL serait NULL en SQL).
        .annotate(accepte_ou_non=Coalesce(F("accepte"), Value(False), output_field=BooleanField()))
    )


def demandes_de_la_campagne(campagne_pk: Any) -> QuerySet[Demande]:
    """Les demandes d'inscription faites pour une campagne (`donnees["campagne"]`, lu comme un
    entier : un identifiant rangé en texte compte aussi) ; `campagne_pk` : valeur ou référence."""
    return Demande.objects.annotate(campagne_id=Cast(KT("donnees__campagne"), IntegerField())).filter(
        type=TYPE_INSCRIPTION, campagne_id=campagne_pk
    )


def _enfants_annotes(*, famille, campagne_pk: Any, debut: Any, fin: Any) -> QuerySet[Enfant]:
    """Les enfants de la famille, annotés : demande d'inscription en cours pour la campagne,
    inscription à une activité proposée sur la période, déclaré « pas d'inscription ».

    `campagne_pk`, `debut`, `fin` : des valeurs (la page) ou des références à la requête des
    campagnes (le bloc « À faire », `OuterRef(OuterRef(...))`)."""
    demandes = demandes_de_la_campagne(campagne_pk).filter(enfant=OuterRef("pk"), statut__in=STATUTS_EN_COURS)
    inscriptions = Inscription.objects.filter(
        enfant=OuterRef("pk"), activite__campagnes=campagne_pk, date_fin__gte=debut, date_debut__lte=fin
    )
    sans = DossierCampagne.sans_inscription.through.objects.filter(
        dossiercampagne__famille=famille, dossiercampagne__campagne=campagne_pk, enfant=OuterRef("pk")
    )
    return Enfant.objects.filter(famille=famille).annotate(
        a_demande=Exists(demandes), a_inscription=Exists(inscriptions), sans=Exists(sans)
    )


def _pieces_faites(manquantes, requis: set[int]) -> bool:
    """Aucune pièce demandée par la campagne n'est à fournir, refusée ou expirée (`manquantes` :
    les états « à faire », comme `familles.selectors.pieces_manquantes`)."""
    return not any(e.type_piece.pk in requis for e in manquantes)


@dataclass
class Avancement:
    """Où en est le dossier d'une famille pour une campagne : les étapes faites (1 à 5)."""

    campagne: Campagne
    faites: list[bool]

    @property
    def nombre(self) -> int:
        return sum(self.faites)

    @property
    def prochaine(self) -> int:
        """La première étape qui reste (5 quand tout est fait sauf l'envoi ; 5 une fois envoyé)."""
        return next((i + 1 for i, fait in enumerate(self.faites) if not fait), NOMBRE_ETAPES)

    @property
    def manquantes(self) -> list[str]:
        return [
            titre for (n, _code, titre), fait in zip(ETAPES[:4], self.faites[:4], strict=True) if not fait
        ]


def avancements_ouverts(*, famille, maintenant: datetime.datetime, jour: datetime.date) -> list[Avancement]:
    """L'avancement de la famille dans chaque campagne qui lui est ouverte : une requête sans
    campagne ouverte (le cas de l'année presque entière), deux sinon (plus l'état des pièces,
    partagé avec le bloc « À faire »), quel que soit le nombre d'enfants.

    Pourquoi deux : la requête annotée de l'avancement (sept sous-requêtes, dont deux imbriquées)
    coûtait ≈ 12 ms de composition à l'ORM pour ≈ 2,6 ms dans PostgreSQL, à chaque accueil, même
    sans aucune campagne ouverte (docs/performance.md, « Accueil et relevé profilés »). Les
    campagnes ouvertes sont d'abord lues seules (leurs identifiants) ; la requête annotée n'est
    composée que s'il y en a."""
    ouvertes = enfants_selectors.campagnes_ouvertes_ids(famille=famille, maintenant=maintenant)
    if not ouvertes:
        return []
    dossier = DossierCampagne.objects.filter(famille=famille, campagne=OuterRef("pk"))
    pieces = (
        Campagne.pieces_requises.through.objects.filter(campagne=OuterRef("pk"))
        .values("campagne")
        .annotate(ids=StringAgg(Cast("typepiece_id", CharField()), delimiter=Value(",")))
        .values("ids")
    )
    textes = _textes_requis(famille=famille, jour=jour).filter(campagnes=OuterRef("pk"), accepte_ou_non=False)
    enfants = _enfants_annotes(
        famille=famille,
        campagne_pk=OuterRef(OuterRef("pk")),
        debut=OuterRef(OuterRef("periode_debut")),
        fin=OuterRef(OuterRef("periode_fin")),
    ).filter(a_demande=False, a_inscription=False, sans=False)
    campagnes = list(
        Campagne.objects.filter(pk__in=ouvertes)
        .order_by("fermeture", "pk")
        .annotate(
            certifie_le=Subquery(dossier.values("certifie_le")[:1]),
            soumis_le=Subquery(dossier.values("soumis_le")[:1]),
            pieces_ids=Subquery(pieces[:1]),
            textes_manquants=_compte(textes),
            enfants_sans_choix=_compte(enfants),
        )
    )
    manquantes = (
        pieces_manquantes_partagees(famille=famille, jour=jour)
        if any(c.pieces_ids for c in campagnes)
        else []
    )
    return [
        Avancement(
            campagne,
            [
                campagne.certifie_le is not None,
                _pieces_faites(manquantes, {int(i) for i in (campagne.pieces_ids or "").split(",") if i}),
                campagne.textes_manquants == 0,
                campagne.enfants_sans_choix == 0,
                campagne.soumis_le is not None,
            ],
        )
        for campagne in campagnes
    ]


# --- La page du dossier -----------------------------------------------------------------


def url_inscrire(enfant) -> str | None:
    """« Inscrire à une activité » de l'enfant (`enfants:inscrire`, page de l'aide
    s18-inscriptions) ; None tant que cette page n'existe pas."""
    try:
        return reverse("enfants:inscrire", kwargs={"pk": enfant.pk})
    except NoReverseMatch:
        return None


@dataclass
class EnfantCampagne:
    enfant: Enfant
    demandes: list = field(default_factory=list)
    inscriptions: list = field(default_factory=list)

    @property
    def fait(self) -> bool:
        return self.enfant.a_demande or self.enfant.a_inscription or self.enfant.sans

    @property
    def url_inscrire(self) -> str | None:
        return url_inscrire(self.enfant)


@dataclass
class DossierPage:
    campagne: Campagne
    titre: str
    dossier: DossierCampagne | None
    raison: str | None  # pourquoi le dossier est en lecture seule (None : modifiable)
    pieces: list
    textes: list
    enfants: list[EnfantCampagne]
    activites: list
    avancement: Avancement

    @property
    def lecture_seule(self) -> bool:
        return self.raison is not None or self.envoye

    @property
    def envoye(self) -> bool:
        return self.dossier is not None and self.dossier.soumis_le is not None


def dossier_page(*, famille, campagne: Campagne, maintenant: datetime.datetime) -> DossierPage:
    """Tout ce que montre la page du dossier, en nombre de requêtes constant."""
    jour = timezone.localdate(maintenant)
    dossier = DossierCampagne.objects.filter(famille=famille, campagne=campagne).order_by().first()
    requis = set(campagne.pieces_requises.values_list("pk", flat=True))
    pieces = (
        [e for e in familles_selectors.pieces_etat(famille=famille, jour=jour) if e.type_piece.pk in requis]
        if requis
        else []
    )
    textes = list(
        _textes_requis(famille=famille, jour=jour).filter(campagnes=campagne).order_by("type", "titre", "pk")
    )
    enfants = list(
        _enfants_annotes(
            famille=famille, campagne_pk=campagne.pk, debut=campagne.periode_debut, fin=campagne.periode_fin
        ).order_by("date_naissance", "prenom", "pk")
    )
    demandes: dict[int, list] = {}
    for demande in (
        demandes_de_la_campagne(campagne.pk)
        .filter(famille=famille)
        .exclude(statut="annulee")
        .order_by("cree_le", "pk")
    ):
        demandes.setdefault(demande.enfant_id, []).append(demande)
    inscriptions: dict[int, list] = {}
    for inscription in (
        Inscription.objects.filter(
            enfant__famille=famille,
            activite__campagnes=campagne,
            date_fin__gte=campagne.periode_debut,
            date_debut__lte=campagne.periode_fin,
        )
        .select_related("activite")
        .order_by("date_debut", "pk")
    ):
        inscriptions.setdefault(inscription.enfant_id, []).append(inscription)
    lignes = [EnfantCampagne(e, demandes.get(e.pk, []), inscriptions.get(e.pk, [])) for e in enfants]
    faites = [
        dossier is not None and dossier.certifie_le is not None,
        _pieces_faites([e for e in pieces if e.a_faire], requis),
        all(t.accepte for t in textes),
        all(ligne.fait for ligne in lignes),
        dossier is not None and dossier.soumis_le is not None,
    ]
    return DossierPage(
        campagne=campagne,
        titre=titre_dossier(campagne),
        dossier=dossier,
        raison=fenetre_raison(campagne=campagne, famille=famille, maintenant=maintenant),
        pieces=pieces,
        textes=textes,
        enfants=lignes,
        activites=list(campagne.activites.select_related("structure").order_by("structure__nom", "nom")),
        avancement=Avancement(campagne, faites),
    )


# --- Écritures ---------------------------------------------------------------------------


def _dossier_verrouille(*, famille, campagne: Campagne, maintenant: datetime.datetime) -> DossierCampagne:
    """Le dossier de la famille, créé au besoin et verrouillé ; refuse hors fenêtre ou après l'envoi."""
    raison = fenetre_raison(campagne=campagne, famille=famille, maintenant=maintenant)
    if raison is not None:
        raise CampagneErreur(raison)
    DossierCampagne.objects.get_or_create(famille=famille, campagne=campagne)
    dossier = DossierCampagne.objects.select_for_update().get(famille=famille, campagne=campagne)
    if dossier.soumis_le is not None:
        raise CampagneErreur(MESSAGE_DEJA_ENVOYE.format(date=calendrier.date_heure_longue(dossier.soumis_le)))
    return dossier


def _signataire(*, famille, utilisateur) -> str:
    principal = famille.responsable_principal
    nom = utilisateur.get_full_name() or utilisateur.username
    if principal is not None and utilisateur.famille_id == famille.pk:
        nom = principal.nom_complet
    return f"{nom} ({utilisateur.username})"[:200]


def _tracer(*, dossier: DossierCampagne, utilisateur, action: str, apres: dict | None = None) -> None:
    audit_enregistrer(
        auteur=utilisateur,
        famille=dossier.famille,
        objet=f"dossier de campagne {dossier.campagne}",
        action=action,
        apres=apres,
    )


@transaction.atomic
def dossier_certifier(
    *, famille, campagne: Campagne, utilisateur, maintenant: datetime.datetime | None = None
) -> DossierCampagne:
    """Étape 1 : la famille certifie l'exactitude de son dossier (date et signataire gardés)."""
    maintenant = maintenant or timezone.now()
    dossier = _dossier_verrouille(famille=famille, campagne=campagne, maintenant=maintenant)
    dossier.certifie_le = maintenant
    dossier.certifie_par = utilisateur
    dossier.signataire = _signataire(famille=famille, utilisateur=utilisateur)
    dossier.save(update_fields=["certifie_le", "certifie_par", "signataire"])
    _tracer(
        dossier=dossier,
        utilisateur=utilisateur,
        action="Dossier famille certifié",
        apres={"Signataire": dossier.signataire},
    )
    return dossier


@transaction.atomic
def dossier_sans_inscription(
    *,
    famille,
    campagne: Campagne,
    enfant: Enfant,
    sans: bool,
    utilisateur,
    maintenant: datetime.datetime | None = None,
) -> DossierCampagne:
    """Étape 4 : « pas d'inscription cette année » pour un enfant (ou l'annuler)."""
    maintenant = maintenant or timezone.now()
    if enfant.famille_id != famille.pk:
        raise CampagneErreur(MESSAGE_ENFANT_INCONNU)
    dossier = _dossier_verrouille(famille=famille, campagne=campagne, maintenant=maintenant)
    if sans:
        deja = demandes_de_la_campagne(campagne.pk).filter(enfant=enfant, statut__in=STATUTS_EN_COURS)
        if deja.exists():
            raise CampagneErreur(MESSAGE_ENFANT_DEMANDE.format(prenom=enfant.prenom))
        dossier.sans_inscription.add(enfant)
    else:
        dossier.sans_inscription.remove(enfant)
    _tracer(
        dossier=dossier,
        utilisateur=utilisateur,
        action="Pas d'inscription cette année" if sans else "Inscription de nouveau envisagée",
        apres={"Enfant": enfant.prenom},
    )
    return dossier


@transaction.atomic
def dossier_envoyer(
    *, famille, campagne: Campagne, utilisateur, maintenant: datetime.datetime | None = None
) -> DossierCampagne:
    """Étape 5 : envoyer le dossier au CCAS, une fois les étapes 1 à 4 faites."""
    maintenant = maintenant or timezone.now()
    dossier = _dossier_verrouille(famille=famille, campagne=campagne, maintenant=maintenant)
    avancement = dossier_page(famille=famille, campagne=campagne, maintenant=maintenant).avancement
    if avancement.manquantes:
        raise CampagneErreur(MESSAGE_INCOMPLET.format(etapes=", ".join(avancement.manquantes)))
    dossier.soumis_le = maintenant
    dossier.soumis_par = utilisateur
    dossier.save(update_fields=["soumis_le", "soumis_par"])
    _tracer(dossier=dossier, utilisateur=utilisateur, action="Dossier de campagne envoyé")
    return dossier


# --- Bloc « À faire » de l'accueil ---------------------------------------------------------


def _a_faire(*, famille, jour) -> list[ElementAFaire]:
    elements = []
    for avancement in avancements_ouverts(famille=famille, maintenant=timezone.now(), jour=jour):
        if avancement.faites[-1]:
            continue  # envoyé : plus rien à faire
        campagne = avancement.campagne
        code = ETAPES[avancement.prochaine - 1][1]
        elements.append(
            ElementAFaire(
                libelle=f"{titre_dossier(campagne)} : {avancement.nombre} étape"
                f"{'s' if avancement.nombre > 1 else ''} sur {NOMBRE_ETAPES}",
                url=reverse("demandes:campagne", kwargs={"pk": campagne.pk}) + f"#etape-{code}",
                detail=f"À envoyer avant le {calendrier.date_heure_longue(campagne.fermeture)}.",
                ordre=ORDRE_CAMPAGNES,
            )
        )
    return elements


fournisseur_enregistrer(_a_faire)


# --- Tableau de bord d'une campagne (administration) --------------------------------------

STATUTS_TABLEAU = ("acceptee", "en_attente", "liste_attente", "proposee")


@dataclass
class LigneActivite:
    activite: Any
    par_statut: dict[str, int]

    @property
    def places(self) -> int | None:
        return self.activite.places_inscription

    @property
    def restantes(self) -> int | None:
        if self.places is None:
            return None
        return max(self.places - self.par_statut.get("acceptee", 0), 0)


@dataclass
class TableauDeBord:
    campagne: Campagne
    invitees: int
    commencees: int
    envoyees: int
    completes: int
    pieces_en_attente: int
    activites: list[LigneActivite]
    listes_attente: list


def campagne_tableau_de_bord(*, campagne: Campagne) -> TableauDeBord:
    """Ce que suit un agent pendant une campagne, en nombre de requêtes constant (sept).

    Invitées : les familles qui ont au moins un enfant ; commencées : un dossier ouvert ou une
    demande d'inscription à la campagne ; complètes : envoyées sans pièce demandée qui attende
    encore la vérification d'un agent."""
    from django.db.models import Count, Q

    from familles.models import Famille, PieceJustificative

    requises = campagne.pieces_requises.values("pk")
    demandes = demandes_de_la_campagne(campagne.pk)
    dossiers = DossierCampagne.objects.filter(campagne=campagne)
    en_attente = PieceJustificative.objects.filter(
        type_piece__in=requises, statut=PieceJustificative.Statut.EN_ATTENTE
    )
    comptes = dossiers.aggregate(
        envoyees=Count("pk", filter=Q(soumis_le__isnull=False)),
        completes=Count(
            "pk",
            filter=Q(soumis_le__isnull=False) & ~Q(Exists(en_attente.filter(famille=OuterRef("famille")))),
        ),
    )
    commencees = Famille.objects.filter(
        Q(Exists(dossiers.filter(famille=OuterRef("pk"))))
        | Q(Exists(demandes.filter(famille=OuterRef("pk"))))
    ).count()
    par_activite: dict[int, dict[str, int]] = {}
    for ligne in (
        demandes.filter(statut__in=STATUTS_TABLEAU)
        .annotate(activite_id=Cast(KT("donnees__activite"), IntegerField()))
        .values("activite_id", "statut")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        par_activite.setdefault(ligne["activite_id"], {})[ligne["statut"]] = ligne["n"]
    activites = list(campagne.activites.select_related("structure").order_by("structure__nom", "nom"))
    return TableauDeBord(
        campagne=campagne,
        invitees=Famille.objects.filter(Exists(Enfant.objects.filter(famille=OuterRef("pk")))).count(),
        commencees=commencees,
        envoyees=comptes["envoyees"],
        completes=comptes["completes"],
        pieces_en_attente=en_attente.count(),
        activites=[LigneActivite(a, par_activite.get(a.pk, {})) for a in activites],
        listes_attente=list(
            demandes.filter(statut="liste_attente")
            .select_related("enfant", "famille")
            .order_by("cree_le", "pk")
        ),
    )
