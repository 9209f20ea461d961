"""Notifications par courriel et par SMS (issue 21) : à qui, par quel canal, quand, et l'envoi.

Une seule entrée, `notifier` : une sorte de notification (`PreferenceNotification.Type`) pour
une ou plusieurs familles. Pour chaque compte de connexion de chaque famille, chaque canal est
retenu si le responsable titulaire l'autorise (fiche famille, modifiée par une demande modérée)
et si le compte ne l'a pas décoché dans « Mes notifications » (la fermeture exceptionnelle ne se
décoche pas). Deux comptes qui partagent une adresse n'en reçoivent qu'un exemplaire.

Les lignes `Notification` sont écrites dans la transaction de l'appelant ; les tâches d'envoi
sont mises en file après validation (`on_commit`), par lots : une page ne parle jamais au serveur
de courriel ni au prestataire SMS. Un SMS demandé pendant les heures calmes attend leur fin.
Au-delà de RAPPELS_RESUME_SEUIL notifications dans l'heure pour une même adresse, les suivantes
sont regroupées dans un seul résumé envoyé à la fin de l'heure.

Aucun texte ne porte de donnée personnelle : ni nom d'enfant, ni montant, ni adresse, ni santé.
Le courriel dit la sorte de notification et donne le lien ; le SMS aussi, en une ligne.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from familles.models import PreferenceNotification, Responsable, Utilisateur
from familles.selectors import sms_empechement
from messagerie import sms
from messagerie.models import Notification

logger = logging.getLogger(__name__)

Type = PreferenceNotification.Type
Canal = PreferenceNotification.Canal
Statut = Notification.Statut

# Objet du courriel et phrase (courriel et SMS) de chaque sorte : aucune donnée personnelle.
SUJETS: dict[str, str] = {
    Type.DECISION: "Une de vos demandes a été traitée",
    Type.MESSAGE: "Un nouveau message vous attend sur le Portail Famille",
    Type.FACTURE: "Une nouvelle facture est disponible",
    Type.ECHEANCE: "Rappel : une facture arrive à échéance",
    Type.RESERVATIONS: "Rappel : réservations",
    Type.PIECE: "Un document de votre dossier est à renouveler",
    Type.PLACE: "Une place vous est proposée",
    Type.CONFIRMATION: "Votre planning a été mis à jour",
    Type.FERMETURE: "Fermeture exceptionnelle",
}
PHRASES: dict[str, str] = {
    Type.DECISION: "Une de vos demandes a été traitée.",
    Type.MESSAGE: "Un nouveau message vous attend sur le Portail Famille.",
    Type.FACTURE: "Une nouvelle facture est disponible sur le Portail Famille.",
    Type.ECHEANCE: "Une de vos factures arrive à échéance ou n'est pas encore réglée.",
    Type.RESERVATIONS: "Une période de réservation s'ouvre ou se termine dans moins de 48 heures.",
    Type.PIECE: "Un document de votre dossier expire bientôt ou doit être renvoyé.",
    Type.PLACE: "Une place vous est proposée : répondez avant la date limite.",
    Type.CONFIRMATION: "Votre demande de réservation ou d'absence a été enregistrée.",
    Type.FERMETURE: "Une structure fréquentée par votre famille ferme exceptionnellement.",
}
PHRASE_RESUME = "Plusieurs nouvelles notifications vous attendent sur le Portail Famille."
SUJET_RESUME = "Plusieurs nouvelles notifications vous attendent"
# Le SMS : une phrase et le lien, rien d'autre.
SMS_GABARIT = "messagerie/notifications/sms.txt"
COURRIEL_GABARIT = "messagerie/notifications/courriel.txt"

# Lignes d'un lot de tâches d'envoi (une tâche envoie au plus LOT notifications).
LOT = 200


@dataclass(frozen=True)
class Destinataire:
    famille_id: int
    utilisateur_id: int | None
    canal: str
    adresse: str


# --- Heures calmes ----------------------------------------------------------------------------


def fin_heures_calmes(moment: datetime.datetime) -> datetime.datetime | None:
    """Le moment où un SMS demandé à `moment` pourra partir : None hors des heures calmes
    (RAPPELS_SMS_HEURE_FIN → RAPPELS_SMS_HEURE_DEBUT, heure de Paris), sinon la fin de la nuit."""
    local = timezone.localtime(moment)
    debut, fin = settings.RAPPELS_SMS_HEURE_DEBUT, settings.RAPPELS_SMS_HEURE_FIN
    if debut <= local.hour < fin:
        return None
    jour = local.date() if local.hour < debut else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(debut)))


# --- Destinataires ----------------------------------------------------------------------------


def _coordonnees(responsable: Responsable, compte: Utilisateur | None) -> tuple[str, str | None]:
    """L'adresse de courriel et le mobile (E.164) où joindre un compte : ceux de son responsable
    (l'adresse du compte à défaut)."""
    email = responsable.email or (compte.email if compte else "")
    return email, sms.mobile_e164(responsable.telephone_mobile)


def _canaux(responsable: Responsable, compte: Utilisateur | None) -> list[tuple[str, str]]:
    """Les canaux que le responsable autorise et où le joindre. Le SMS : la règle des cases
    « SMS » des formulaires (`familles.selectors.sms_empechement`), une seule fois écrite."""
    email, mobile = _coordonnees(responsable, compte)
    candidats = []
    if responsable.autorisation_courriel and email:
        candidats.append((Canal.COURRIEL, email))
    if mobile and not sms_empechement(responsable=responsable):
        candidats.append((Canal.SMS, mobile))
    return candidats


def destinataires(*, familles: Iterable[int], type_: str) -> list[Destinataire]:
    """Les (compte, canal, adresse) à prévenir pour chaque famille : trois requêtes quel que soit
    le nombre de familles (responsables, comptes actifs, préférences).

    Chaque compte est joint à son responsable (`Utilisateur.responsable`, un compte par parent) :
    ses coordonnées et ses autorisations courriel / SMS ; un compte sans responsable, à celui du
    titulaire. Une famille sans compte reçoit au titulaire, avec les choix par défaut."""
    ids = list(familles)
    responsables: dict[int, Responsable] = {}
    principaux: dict[int, Responsable] = {}
    for r in Responsable.objects.filter(famille_id__in=ids).only(
        "famille_id", "role", "email", "telephone_mobile", "autorisation_courriel", "autorisation_sms"
    ):
        responsables[r.pk] = r
        if r.role == Responsable.Role.PRINCIPAL:
            principaux[r.famille_id] = r
    comptes: dict[int, list[Utilisateur | None]] = defaultdict(list)
    for utilisateur in Utilisateur.objects.filter(famille_id__in=ids, is_active=True).only(
        "famille_id", "email", "responsable_id"
    ):
        if utilisateur.famille_id is not None:
            comptes[utilisateur.famille_id].append(utilisateur)
    preferences: dict[int, dict[tuple[str, str], bool]] = defaultdict(dict)
    if type_ not in PreferenceNotification.OBLIGATOIRES:
        for p in PreferenceNotification.objects.filter(
            utilisateur__famille_id__in=ids, type=type_
        ).values_list("utilisateur_id", "canal", "active"):
            preferences[p[0]][(type_, p[1])] = p[2]
    resultat: list[Destinataire] = []
    for famille_id in ids:
        principal = principaux.get(famille_id)
        vus: set[tuple[str, str]] = set()
        for compte in comptes.get(famille_id) or [None]:
            responsable = (
                responsables.get(compte.responsable_id) if compte and compte.responsable_id else None
            ) or principal
            if responsable is None:
                continue
            choix = preferences.get(compte.pk, {}) if compte else {}
            for canal, adresse in _canaux(responsable, compte):
                if (canal, adresse) in vus or not PreferenceNotification.choix(choix, type_, canal):
                    continue
                vus.add((canal, adresse))
                resultat.append(Destinataire(famille_id, compte.pk if compte else None, canal, adresse))
    return resultat


# --- Création ---------------------------------------------------------------------------------


def notifier(
    *,
    familles: Iterable[int],
    type_: str,
    lien: str,
    cle: str = "",
    sujet: str = "",
    phrase: str = "",
    resume_possible: bool = True,
) -> list[int]:
    """Prévoit la notification `type_` de chaque famille (ids) par chaque canal retenu ; renvoie
    les ids créés. `cle` (rappels) : une famille n'est notifiée qu'une fois pour cette clé, quel
    que soit le nombre d'appels. Les envois partent en tâche après validation."""
    maintenant = timezone.now()
    cibles = destinataires(familles=familles, type_=type_)
    if not cibles:
        return []
    cles = {d.famille_id: f"{cle}:f{d.famille_id}" if cle else "" for d in cibles}
    # Par clés exactes (l'index de la contrainte d'unicité sert) : une par famille.
    cles_rappel = sorted({c for c in cles.values() if c})
    if cle:
        deja = set(Notification.objects.filter(cle__in=cles_rappel).values_list("cle", "canal", "adresse"))
        cibles = [d for d in cibles if (cles[d.famille_id], d.canal, d.adresse) not in deja]
    recentes = _recentes(cibles, maintenant) if resume_possible else {}
    sms_apres = fin_heures_calmes(maintenant)
    lignes, resumes = [], []
    for d in cibles:
        ligne = Notification(
            famille_id=d.famille_id,
            utilisateur_id=d.utilisateur_id,
            type=type_,
            canal=d.canal,
            adresse=d.adresse,
            lien=lien,
            cle=cles[d.famille_id],
            sujet=sujet,
            phrase=phrase,
            date_creation=maintenant,
            envoyer_apres=sms_apres if d.canal == Canal.SMS else None,
        )
        deja_dans_l_heure = recentes.get((d.famille_id, d.canal, d.adresse))
        if deja_dans_l_heure is not None and deja_dans_l_heure[0] >= settings.RAPPELS_RESUME_SEUIL:
            ligne.statut = Statut.REGROUPEE
            if not deja_dans_l_heure[1]:
                resumes.append(_resume(d, ligne, depuis=deja_dans_l_heure[2]))
                recentes[(d.famille_id, d.canal, d.adresse)] = (deja_dans_l_heure[0], True, None)
        lignes.append(ligne)
    # Deux passages simultanés d'un même rappel : la contrainte d'unicité garde le premier.
    Notification.objects.bulk_create(lignes + resumes, ignore_conflicts=bool(cle))
    if cle:
        ids_crees = list(
            Notification.objects.filter(
                cle__in=cles_rappel, date_creation=maintenant, statut=Statut.EN_ATTENTE
            ).values_list("pk", "envoyer_apres")
        )
    else:
        ids_crees = [(n.pk, n.envoyer_apres) for n in lignes if n.statut == Statut.EN_ATTENTE]
    ids_crees += [(n.pk, n.envoyer_apres) for n in resumes]
    transaction.on_commit(lambda: programmer(ids_crees))
    return [pk for pk, _ in ids_crees]


def _recentes(
    cibles: list[Destinataire], maintenant
) -> dict[tuple, tuple[int, bool, datetime.datetime | None]]:
    """Par (famille, canal, adresse) : notifications de l'heure écoulée, résumé déjà prévu, et la
    plus ancienne de l'heure (une requête)."""
    from django.db.models import Max, Min, Q

    depuis = maintenant - datetime.timedelta(hours=1)
    resultat = {}
    for r in (
        Notification.objects.filter(
            famille_id__in={d.famille_id for d in cibles}, date_creation__gte=depuis, resume=False
        )
        .values("famille_id", "canal", "adresse")
        .annotate(
            nombre=Count("pk"),
            premiere=Min("date_creation"),
            regroupees=Max("pk", filter=Q(statut=Statut.REGROUPEE)),
        )
    ):
        resultat[(r["famille_id"], r["canal"], r["adresse"])] = (
            r["nombre"],
            r["regroupees"] is not None,
            r["premiere"],
        )
    return resultat


def _resume(d: Destinataire, ligne: Notification, *, depuis) -> Notification:
    """Le résumé qui remplace les notifications au-delà du seuil : envoyé une heure après la
    première notification de l'heure (les heures calmes s'appliquent aux SMS)."""
    envoi = (depuis or ligne.date_creation) + datetime.timedelta(hours=1)
    if d.canal == Canal.SMS:
        envoi = fin_heures_calmes(envoi) or envoi
    return Notification(
        famille_id=d.famille_id,
        utilisateur_id=d.utilisateur_id,
        type=ligne.type,
        resume=True,
        canal=d.canal,
        adresse=d.adresse,
        lien="/",
        date_creation=ligne.date_creation,
        envoyer_apres=envoi,
    )


def programmer(ids: list[tuple[int, datetime.datetime | None]]) -> None:
    """Met en file les tâches d'envoi, par lots, chacune pour après son heure d'envoi."""
    from messagerie.tasks import notifications_envoyer_tache

    par_heure: dict[datetime.datetime | None, list[int]] = defaultdict(list)
    for pk, apres in ids:
        par_heure[apres].append(pk)
    for apres, pks in par_heure.items():
        tache = notifications_envoyer_tache
        if apres is not None and tache.get_backend().supports_defer:
            tache = tache.using(run_after=apres)
        for debut in range(0, len(pks), LOT):
            tache.enqueue(notification_ids=pks[debut : debut + LOT])


# --- Envoi ------------------------------------------------------------------------------------


def lien_absolu(chemin: str) -> str:
    return settings.PORTAIL_URL.rstrip("/") + (chemin or "/")


def textes(notification: Notification) -> tuple[str, str, str]:
    """(objet du courriel, corps du courriel, texte du SMS) : la sorte et le lien seulement."""
    if notification.resume:
        sujet, phrase = SUJET_RESUME, PHRASE_RESUME
    else:
        sujet = notification.sujet or SUJETS[notification.type]
        phrase = notification.phrase or PHRASES[notification.type]
    contexte = {"phrase": phrase, "lien": lien_absolu(notification.lien), "nom_ccas": settings.NOM_CCAS}
    sms_contexte = {
        **contexte,
        "phrase": PHRASE_RESUME if notification.resume else PHRASES[notification.type],
    }
    return (
        sujet,
        render_to_string(COURRIEL_GABARIT, contexte),
        render_to_string(SMS_GABARIT, sms_contexte).strip(),
    )


def _autorise(notification: Notification) -> tuple[bool, str]:
    """Le canal est-il toujours autorisé (le responsable a pu retirer son accord entre-temps) et à
    quelle adresse envoyer (celle de la ligne ; à défaut, celle du responsable du compte ou du
    titulaire). Une requête : le responsable du compte et le titulaire ensemble."""
    from django.db.models import BooleanField, ExpressionWrapper, Q

    filtre = Q(famille_id=notification.famille_id, role=Responsable.Role.PRINCIPAL)
    if notification.utilisateur_id:
        filtre |= Q(compte__pk=notification.utilisateur_id)
    lus = list(
        Responsable.objects.filter(filtre).annotate(
            du_compte=ExpressionWrapper(
                Q(compte__pk=notification.utilisateur_id or 0), output_field=BooleanField()
            )
        )
    )
    responsable = next((r for r in lus if r.du_compte), None) or next(
        (r for r in lus if r.role == Responsable.Role.PRINCIPAL), None
    )
    if responsable is None:
        return False, ""
    if notification.canal == Canal.SMS:
        return responsable.autorisation_sms, notification.adresse or (
            sms.mobile_e164(responsable.telephone_mobile) or ""
        )
    adresse = notification.adresse or responsable.email
    if not adresse:
        comptes = Utilisateur.objects.filter(famille_id=notification.famille_id)
        if notification.utilisateur_id:
            comptes = comptes.filter(pk=notification.utilisateur_id)
        adresse = next((u.email for u in comptes if u.email), "")
    return responsable.autorisation_courriel, adresse


def notification_envoyer(*, notification_id: int) -> bool:
    """Envoie une notification. True : partie, ou plus rien à faire (déjà partie, regroupée,
    accord retiré, remise à la fin des heures calmes) ; False : le serveur ou le prestataire a
    échoué, la tentative est comptée et l'erreur notée (la tâche retente plus tard)."""
    with transaction.atomic():
        # Le verrou de la ligne : deux tâches pour la même notification n'envoient qu'une fois.
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.statut in (
            Statut.ENVOYEE,
            Statut.REGROUPEE,
            Statut.SANS_OBJET,
            Statut.ABANDONNEE,
        ):
            return True
        maintenant = timezone.now()
        if notification.canal == Canal.SMS:
            apres = fin_heures_calmes(maintenant)
            if apres is not None:
                # Heures calmes : remis à plus tard, jamais abandonné.
                notification.envoyer_apres = apres
                notification.save(update_fields=["envoyer_apres"])
                transaction.on_commit(lambda: programmer([(notification.pk, apres)]))
                return True
        elif notification.envoyer_apres and notification.envoyer_apres > maintenant:
            return True
        autorise, adresse = _autorise(notification)
        if not autorise or not adresse:
            notification.statut = Statut.SANS_OBJET
            notification.save(update_fields=["statut"])
            return True
        sujet, corps, texte_sms = textes(notification)
        notification.tentatives += 1
        try:
            if notification.canal == Canal.SMS:
                sms.sms_envoyer(numero=adresse, texte=texte_sms)
            else:
                send_mail(subject=sujet, message=corps, from_email=None, recipient_list=[adresse])
        except Exception as erreur:  # noqa: BLE001 — toute panne du serveur ou du prestataire est retentée
            logger.warning("Notification %s non envoyée : %s", notification.pk, erreur)
            notification.statut = Statut.ECHEC
            notification.derniere_erreur = f"{type(erreur).__name__}: {erreur}"[:255]
            notification.save(update_fields=["tentatives", "statut", "derniere_erreur"])
            return False
        notification.statut = Statut.ENVOYEE
        notification.envoyee_le = timezone.now()
        notification.derniere_erreur = ""
        notification.save(update_fields=["tentatives", "statut", "envoyee_le", "derniere_erreur"])
        return True


def notification_abandonner(*, notification_id: int) -> None:
    Notification.objects.filter(pk=notification_id, statut=Statut.ECHEC).update(statut=Statut.ABANDONNEE)


def notifications_a_relancer(*, maintenant: datetime.datetime | None = None) -> list[int]:
    """Les notifications en attente dont l'heure est venue et qui n'ont pas été envoyées (une
    file perdue, un backend sans envoi différé) : `rappels_envoyer` les remet en file."""
    maintenant = maintenant or timezone.now()
    from django.db.models import Q

    return list(
        Notification.objects.filter(
            statut=Statut.EN_ATTENTE, date_creation__lte=maintenant - datetime.timedelta(minutes=10)
        )
        .filter(Q(envoyer_apres__isnull=True) | Q(envoyer_apres__lte=maintenant))
        .values_list("pk", flat=True)
    )
