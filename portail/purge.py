"""Purge RGPD des familles inactives : anonymisation, la comptabilité restant conservée.

Une famille est inactive quand, depuis la date limite (aujourd'hui − PURGE_ANNEES_INACTIVITE
ans, 3 par défaut : « trois ans après le départ du dernier enfant ») :
- aucune inscription d'un de ses enfants ne court encore (date de fin ≥ limite) ;
- aucun de ses comptes ne s'est connecté, ni n'a été créé ;
- aucune facture ni aucun règlement n'a été émis ;
- sa fiche n'a pas été modifiée.

L'anonymisation efface identités, coordonnées, données bancaires, fiscales et de santé,
personnes autorisées, messages, pièces jointes, certificats, demandes et pièces justificatives
(les réponses aux textes restent, sans nom) ; elle désactive les
comptes. Les factures et règlements (pièces comptables, conservées dix ans) restent, rattachés
au N° Famille désormais anonyme ; le journal d'audit garde les traces sans leurs valeurs.

Chaque application anonymise ses propres tables par ses services (`<app>_famille_anonymiser`) et
déclare ce qu'elle fait de chacun de ses modèles (`<APP>_ANONYMISATION`) ; ce module ne fait que
les enchaîner, une transaction par famille. Les fichiers ne sont supprimés qu'après validation ;
la simulation exécute le même code et annule chaque transaction.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from commun.anonymisation import NOM_ANONYME
from commun.audit import AUDIT_ANONYMISATION, audit_famille_anonymiser
from commun.decouverte import modeles_relies
from demandes.services import DEMANDES_ANONYMISATION, demandes_famille_anonymiser
from enfants.models import Inscription
from enfants.services import ENFANTS_ANONYMISATION, enfants_famille_anonymiser
from facturation.models import Facture, Reglement
from facturation.services import FACTURATION_ANONYMISATION, facturation_famille_anonymiser
from familles.models import Famille, Utilisateur
from familles.services import FAMILLES_ANONYMISATION, familles_famille_anonymiser
from messagerie.services import MESSAGERIE_ANONYMISATION, messagerie_famille_anonymiser
from portail.export import APPLICATIONS, PROFONDEUR_MAX

# Chaque application anonymise ses tables (ses services, sa liste de champs) ; l'ordre va des
# données les plus dépendantes vers la famille elle-même.
ANONYMISATIONS = (
    enfants_famille_anonymiser,
    messagerie_famille_anonymiser,
    demandes_famille_anonymiser,
    facturation_famille_anonymiser,
    audit_famille_anonymiser,
    familles_famille_anonymiser,
)
# Ce que chaque anonymisation fait de chaque modèle relié à une famille.
COUVERTURE = {
    **ENFANTS_ANONYMISATION,
    **MESSAGERIE_ANONYMISATION,
    **DEMANDES_ANONYMISATION,
    **FACTURATION_ANONYMISATION,
    **AUDIT_ANONYMISATION,
    **FAMILLES_ANONYMISATION,
}


def modeles_de_famille() -> set:
    """Les modèles reliés à une famille (découverte partagée avec l'export), journal d'audit
    compris : chacun doit figurer dans COUVERTURE."""
    return set(
        modeles_relies(
            Famille,
            applications=(*APPLICATIONS, "commun"),
            profondeur_max=PROFONDEUR_MAX,
            sans_traverser=("familles.Utilisateur",),
        )
    )


@dataclass
class Rapport:
    familles: list[str]
    enfants: int = 0
    messages: int = 0
    demandes: int = 0
    comptes: int = 0
    traces: int = 0


def date_limite(*, aujourdhui: datetime.date | None = None, annees: int | None = None):
    aujourdhui = aujourdhui or timezone.localdate()
    annees = settings.PURGE_ANNEES_INACTIVITE if annees is None else annees
    try:
        return aujourdhui.replace(year=aujourdhui.year - annees)
    except ValueError:  # 29 février
        return aujourdhui.replace(year=aujourdhui.year - annees, day=28)


def familles_inactives(*, limite: datetime.date):
    """Les familles sans activité depuis `limite` (et pas déjà anonymisées)."""
    debut_limite = timezone.make_aware(datetime.datetime.combine(limite, datetime.time.min))
    inscription_en_cours = Inscription.objects.filter(enfant__famille=OuterRef("pk"), date_fin__gte=limite)
    compte_actif = Utilisateur.objects.filter(famille=OuterRef("pk")).filter(
        Q(last_login__gte=debut_limite) | Q(date_joined__gte=debut_limite)
    )
    facture_recente = Facture.objects.filter(famille=OuterRef("pk"), date_facture__gte=limite)
    reglement_recent = Reglement.objects.filter(famille=OuterRef("pk"), date__gte=limite)
    return (
        Famille.objects.filter(date_modification__lt=debut_limite)
        .exclude(Exists(inscription_en_cours))
        .exclude(Exists(compte_actif))
        .exclude(Exists(facture_recente))
        .exclude(Exists(reglement_recent))
        .exclude(responsables__nom=NOM_ANONYME)
        .order_by("numero")
    )


@transaction.atomic
def famille_anonymiser(*, famille: Famille) -> dict:
    """Anonymise une famille (tout ou rien) ; renvoie ce qui a été effacé. Les fichiers ne sont
    supprimés qu'une fois la transaction validée."""
    famille = Famille.objects.select_for_update().get(pk=famille.pk)
    compte = Counter()
    for anonymiser in ANONYMISATIONS:
        compte.update(anonymiser(famille=famille))
    return dict(compte)


DUREE_TRACES_CONNEXION = datetime.timedelta(days=365)


def traces_de_connexion_purger() -> int:
    """Efface les traces de tentatives de connexion (django-axes) de plus d'un an."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    avant = timezone.now() - DUREE_TRACES_CONNEXION
    return sum(
        modele.objects.filter(attempt_time__lt=avant).delete()[0]
        for modele in (AccessAttempt, AccessFailureLog, AccessLog)
    )


def familles_purger(*, limite: datetime.date, simulation: bool) -> Rapport:
    """Anonymise chaque famille inactive, une transaction par famille ; efface aussi les traces
    de connexion de plus d'un an. `simulation` exécute le même code et annule chaque
    transaction : rien n'est écrit, aucun fichier supprimé."""
    familles = list(familles_inactives(limite=limite))
    rapport = Rapport(familles=[f.numero for f in familles])
    with transaction.atomic():
        rapport.traces = traces_de_connexion_purger()
        if simulation:
            transaction.set_rollback(True)
    for famille in familles:
        with transaction.atomic():
            compte = famille_anonymiser(famille=famille)
            if simulation:
                transaction.set_rollback(True)
        rapport.enfants += compte.get("enfants", 0)
        rapport.messages += compte.get("messages", 0)
        rapport.demandes += compte.get("demandes", 0)
        rapport.comptes += compte.get("comptes", 0)
    return rapport
