"""« À traiter » : la page d'accueil de l'administration, la liste de ce qui attend un agent.

Chaque file est un compte et un lien vers la liste de l'administration déjà filtrée sur ce
qu'il y a à faire. Le compte part du `get_queryset` du `ModelAdmin` de la liste (avec ses
restrictions : pièces sanitaires, fils des structures de l'agent) et applique le même filtre que
le lien : la liste ouverte montre exactement ce nombre de lignes. Une file dont l'agent ne peut
pas voir la liste n'est pas affichée (et ne coûte aucune requête).

Une requête par file visible, plus une pour les plus anciennes demandes en attente : le nombre
de requêtes ne dépend pas du volume (tests/test_portail_a_traiter.py).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Min, QuerySet
from django.urls import reverse
from django.utils import timezone

from demandes.models import Demande
from demandes.selectors import CODE_INSCRIPTION
from enfants.models import Campagne, Enfant, Reservation
from facturation.models import EvenementPaiement
from familles.models import PieceJustificative
from messagerie.models import Fil, Notification

PLUS_ANCIENNES = 5  # les demandes en attente montrées sous leur compte, les plus anciennes d'abord


@dataclass(frozen=True)
class DefinitionFile:
    cle: str
    libelle: str
    modele: type
    parametres: dict[str, str]  # les paramètres du filtre de la liste (le lien)
    filtrer: Callable[[QuerySet], QuerySet]  # le même filtre, appliqué au queryset de la liste


@dataclass
class File:
    cle: str
    libelle: str
    nombre: int
    url: str
    depuis: str = ""  # l'âge de la plus ancienne (demandes)
    lignes: list[dict] = field(default_factory=list)


def _maintenant():
    return timezone.now()


FILES = (
    DefinitionFile(
        "demandes",
        "Demandes des familles en attente de décision",
        Demande,
        {"statut__exact": Demande.Statut.EN_ATTENTE},
        lambda qs: qs.filter(statut=Demande.Statut.EN_ATTENTE),
    ),
    DefinitionFile(
        "inscriptions",
        "dont demandes d'inscription à une activité",
        Demande,
        {"type": CODE_INSCRIPTION, "statut__exact": Demande.Statut.EN_ATTENTE},
        lambda qs: qs.filter(type=CODE_INSCRIPTION, statut=Demande.Statut.EN_ATTENTE),
    ),
    DefinitionFile(
        "inscriptions_attente",
        "Inscriptions en liste d'attente",
        Demande,
        {"type": CODE_INSCRIPTION, "statut__exact": Demande.Statut.LISTE_ATTENTE},
        lambda qs: qs.filter(type=CODE_INSCRIPTION, statut=Demande.Statut.LISTE_ATTENTE),
    ),
    DefinitionFile(
        "jours_attente",
        "Jours réservés en liste d'attente ou place proposée",
        Reservation,
        {"liste_attente": "oui"},
        lambda qs: qs.filter(etat__in=[Reservation.Etat.EN_ATTENTE, Reservation.Etat.PROPOSEE]),
    ),
    DefinitionFile(
        "messages",
        "Conversations avec des messages non lus",
        Fil,
        {"non_lus": "oui"},
        lambda qs: qs.filter(non_lus__gt=0),
    ),
    DefinitionFile(
        "pieces",
        "Pièces justificatives à vérifier",
        PieceJustificative,
        {"statut": PieceJustificative.Statut.EN_ATTENTE},
        lambda qs: qs.filter(statut=PieceJustificative.Statut.EN_ATTENTE),
    ),
    DefinitionFile(
        "paiements",
        "Paiements en ligne « à vérifier »",
        EvenementPaiement,
        {"a_verifier": "oui"},
        lambda qs: qs.filter(signale=True, verifie_le__isnull=True),
    ),
    DefinitionFile(
        "notifications",
        "Courriels aux familles en échec",
        Notification,
        {"envoi": "echec"},
        lambda qs: qs.filter(envoyee_le__isnull=True, tentatives__gt=0),
    ),
    DefinitionFile(
        "a_contacter",
        "Familles à contacter (nouvel enfant à inscrire)",
        Enfant,
        {"dossier": "a_contacter"},
        lambda qs: qs.filter(a_contacter=True),
    ),
    DefinitionFile(
        "campagnes",
        "Campagnes d'inscription ouvertes",
        Campagne,
        {"fenetre": "ouverte"},
        lambda qs: qs.filter(ouverture__lte=_maintenant(), fermeture__gt=_maintenant()),
    ),
)


def depuis_texte(moment: datetime.datetime, *, aujourdhui: datetime.date) -> str:
    """« aujourd'hui », « depuis 1 jour », « depuis 12 jours » (jours du calendrier, à Paris)."""
    jours = (aujourdhui - timezone.localtime(moment).date()).days
    if jours <= 0:
        return "aujourd’hui"
    return f"depuis {jours} jour{'s' if jours > 1 else ''}"


def url_liste(modele, parametres: dict[str, str]) -> str:
    meta = modele._meta
    return f"{reverse(f'admin:{meta.app_label}_{meta.model_name}_changelist')}?{urlencode(parametres)}"


def files_a_traiter(*, request, site) -> list[File]:
    """Les files que l'agent peut voir, avec leur compte (une requête chacune)."""
    aujourdhui = timezone.localdate()
    files = []
    for definition in FILES:
        modele_admin = site._registry.get(definition.modele)
        if modele_admin is None or not modele_admin.has_view_or_change_permission(request):
            continue
        qs = definition.filtrer(modele_admin.get_queryset(request))
        file = File(
            cle=definition.cle,
            libelle=definition.libelle,
            nombre=0,
            url=url_liste(definition.modele, definition.parametres),
        )
        if definition.cle == "demandes":
            resume = qs.aggregate(nombre=Count("pk"), plus_ancienne=Min("cree_le"))
            file.nombre = resume["nombre"]
            if resume["plus_ancienne"] is not None:
                file.depuis = depuis_texte(resume["plus_ancienne"], aujourdhui=aujourdhui)
                anciennes = (
                    qs.select_related("famille", "enfant")
                    .prefetch_related(None)
                    .order_by("cree_le", "pk")[:PLUS_ANCIENNES]
                )
                file.lignes = [
                    {
                        "texte": f"{d.get_type_display()} — famille {d.famille.numero}"
                        + (f" — {d.enfant.prenom}" if d.enfant_id else ""),
                        "url": reverse("admin:demandes_demande_change", args=[d.pk]),
                        "depuis": depuis_texte(d.cree_le, aujourdhui=aujourdhui),
                        "date": d.cree_le,
                    }
                    for d in anciennes
                ]
        else:
            file.nombre = qs.count()
        files.append(file)
    return files


def outils_agent(*, request) -> list[dict]:
    """Les autres pages de la journée de l'agent, selon ses droits : listes du jour, statistiques."""
    outils = []
    if request.user.has_perm("enfants.view_inscription"):
        outils.append(
            {"libelle": "Listes du jour (enfants attendus)", "url": reverse("admin:enfants_listes_terrain")}
        )
    if request.user.has_perm("portail.voir_statistiques"):
        outils.append({"libelle": "Statistiques du portail", "url": reverse("admin:portail_statistiques")})
    return outils
