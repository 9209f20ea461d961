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
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from commun.models import Audit
from demandes.models import Demande
from enfants.models import (
    Absence,
    Autorisations,
    DonneesSanitaires,
    Enfant,
    Inscription,
    PersonneAutorisee,
    Reservation,
    Vaccination,
)
from facturation.models import Facture, Reglement
from familles import services as familles_services
from familles.models import Famille, Responsable, Utilisateur
from messagerie.models import Fil, Notification

NOM_ANONYME = "ANONYME"


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


def _supprimer_fichiers(objets, champ: str) -> None:
    for objet in objets:
        fichier = getattr(objet, champ)
        if fichier:
            fichier.delete(save=False)


@transaction.atomic
def famille_anonymiser(*, famille: Famille) -> dict:
    """Anonymise une famille (tout ou rien) ; renvoie ce qui a été effacé."""
    famille = Famille.objects.select_for_update().get(pk=famille.pk)
    enfants = Enfant.objects.filter(famille=famille)
    PersonneAutorisee.objects.filter(enfant__in=enfants).delete()
    Vaccination.objects.filter(enfant__in=enfants).delete()
    DonneesSanitaires.objects.filter(enfant__in=enfants).delete()
    Autorisations.objects.filter(enfant__in=enfants).delete()
    absences = Absence.objects.filter(inscription__enfant__in=enfants)
    _supprimer_fichiers(absences.exclude(certificat=""), "certificat")
    absences.update(certificat="", motif="(effacé)", motif_refus="")
    Reservation.objects.filter(inscription__enfant__in=enfants).update(motif_refus="")
    nombre_enfants = enfants.update(
        nom=NOM_ANONYME,
        prenom="ENFANT",
        ecole="",
        classe="",
        lunettes_precisions="",
        souhaits_inscription="",
        date_naissance=datetime.date(2000, 1, 1),
    )
    fils = Fil.objects.filter(famille=famille)
    from messagerie.models import PieceJointe

    _supprimer_fichiers(PieceJointe.objects.filter(message__fil__in=fils), "fichier")
    nombre_messages, _ = fils.delete()
    Notification.objects.filter(famille=famille).delete()
    nombre_demandes, _ = Demande.objects.filter(famille=famille).delete()
    familles_services.dossier_famille_anonymiser(famille=famille)  # pièces, consentements
    Audit.objects.filter(famille=famille).update(avant={}, apres={})
    Responsable.objects.filter(famille=famille).update(
        nom=NOM_ANONYME,
        prenom="",
        adresse="",
        code_postal="",
        ville="",
        telephone_domicile="",
        telephone_professionnel="",
        telephone_mobile="",
        email="",
        profession="",
        csp="",
        employeur="",
        adresse_employeur="",
        autorisation_courriel=False,
        autorisation_sms=False,
    )
    Famille.objects.filter(pk=famille.pk).update(
        numero_allocataire="",
        quotient_familial=None,
        revenu_fiscal_reference=None,
        nombre_parts=None,
        annee_fiscale=None,
        titulaire_compte="",
        banque="",
        iban="",
        bic="",
        prelevement_automatique=False,
    )
    comptes = Utilisateur.objects.filter(famille=famille)
    for compte in comptes:
        compte.set_unusable_password()
        compte.username = f"anonyme-{compte.pk}"
        compte.email = compte.first_name = compte.last_name = ""
        compte.is_active = False
        compte.save()
    return {
        "enfants": nombre_enfants,
        "messages": nombre_messages,
        "demandes": nombre_demandes,
        "comptes": len(comptes),
    }


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
    """Anonymise chaque famille inactive, une transaction par famille ; `simulation` n'écrit rien.
    Efface aussi les traces de connexion de plus d'un an."""
    familles = list(familles_inactives(limite=limite))
    rapport = Rapport(familles=[f.numero for f in familles])
    if simulation:
        return rapport
    rapport.traces = traces_de_connexion_purger()
    for famille in familles:
        compte = famille_anonymiser(famille=famille)
        rapport.enfants += compte["enfants"]
        rapport.messages += compte["messages"]
        rapport.demandes += compte["demandes"]
        rapport.comptes += compte["comptes"]
    return rapport
