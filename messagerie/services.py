"""Écritures de la messagerie : fils, messages, pièces jointes, diffusions et notifications."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from commun import fichiers as fichiers_mod
from commun import journal
from commun.anonymisation import fichiers_supprimer_apres_validation
from commun.formats import nombre_fr
from commun.limites import envoi_possible_a, heure_texte
from enfants.models import Activite, Structure
from familles.models import Famille
from messagerie import selectors
from messagerie.models import (
    AttestationEnvoyee,
    Diffusion,
    Document,
    Fil,
    Information,
    LectureFil,
    Message,
    Notification,
    PieceJointe,
)

logger = logging.getLogger(__name__)

MESSAGE_LIMITE = (
    "Vous avez envoyé {envois} dans l'heure : c'est le maximum. Vous pourrez écrire de "
    "nouveau à partir de {heure} ; en cas d'urgence, téléphonez au {nom_ccas} ({telephone})."
)


class LimiteAtteinte(Exception):
    """La famille a envoyé MESSAGERIE_LIMITE_PAR_HEURE messages dans l'heure."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _limite_verifier(*, famille: Famille) -> None:
    """Sous le verrou de la famille : au plus MESSAGERIE_LIMITE_PAR_HEURE messages envoyés par
    la famille (nouveaux fils et réponses) sur l'heure écoulée."""
    Famille.objects.select_for_update().get(pk=famille.pk)
    limite = settings.MESSAGERIE_LIMITE_PAR_HEURE
    possible = envoi_possible_a(
        Message.objects.filter(fil__famille=famille, de_la_famille=True),
        champ_date="date_envoi",
        limite=limite,
    )
    if possible is not None:
        journal.evenement("limite_messages", famille=famille.numero)
        raise LimiteAtteinte(
            MESSAGE_LIMITE.format(
                envois=nombre_fr(limite, "message", "messages"),
                heure=heure_texte(possible),
                nom_ccas=settings.NOM_CCAS,
                telephone=settings.CCAS_TELEPHONE,
            )
        )


def _pieces_jointes_ajouter(*, message: Message, fichiers: Iterable) -> None:
    for fichier in fichiers:
        type_mime, nom = fichiers_mod.piece_jointe_valider(fichier)
        fichier.seek(0)
        piece = PieceJointe(message=message, nom=nom, type_mime=type_mime, taille=fichier.size)
        piece.fichier.save(nom, fichier, save=False)
        piece.save()


def _message_ajouter(*, fil: Fil, de_la_famille: bool, auteur, texte: str, fichiers=()) -> Message:
    maintenant = timezone.now()
    message = Message.objects.create(
        fil=fil, de_la_famille=de_la_famille, auteur=auteur, texte=texte, date_envoi=maintenant
    )
    _pieces_jointes_ajouter(message=message, fichiers=fichiers)
    fil.date_dernier_message = maintenant
    champs = ["date_dernier_message"]
    if fil.supprime_le is not None:
        # Un nouveau message (réponse reçue ou envoyée) ramène le fil dans la boîte de réception.
        fil.supprime_le = None
        champs.append("supprime_le")
    fil.save(update_fields=champs)
    return message


@transaction.atomic
def fil_creer_par_famille(
    *, famille: Famille, auteur, structure: Structure, objet: str, texte: str, fichiers=()
) -> Fil:
    """Un parent écrit à une structure : un nouveau fil avec son premier message (LimiteAtteinte
    au-delà de la limite par heure de la famille)."""
    _limite_verifier(famille=famille)
    fil = Fil.objects.create(famille=famille, structure=structure, objet=objet, initie_par_famille=True)
    _message_ajouter(fil=fil, de_la_famille=True, auteur=auteur, texte=texte, fichiers=fichiers)
    return fil


@transaction.atomic
def message_famille_repondre(*, fil: Fil, auteur, texte: str, fichiers=()) -> Message:
    """Un parent répond dans un fil de sa famille (LimiteAtteinte au-delà de la limite)."""
    _limite_verifier(famille=fil.famille)
    return _message_ajouter(fil=fil, de_la_famille=True, auteur=auteur, texte=texte, fichiers=fichiers)


@transaction.atomic
def message_structure_repondre(*, fil: Fil, agent, texte: str, fichiers=()) -> Message:
    """Un agent répond dans un fil ; la famille est prévenue par courriel si elle l'accepte."""
    fil = Fil.objects.select_for_update().get(pk=fil.pk)
    message = _message_ajouter(fil=fil, de_la_famille=False, auteur=agent, texte=texte, fichiers=fichiers)
    # Répondre, c'est avoir lu les messages de la famille.
    fil_marquer_lu_par_la_structure(fil=fil)
    notification_creer(famille=fil.famille)
    return message


@transaction.atomic
def fil_creer_par_structure(
    *,
    famille: Famille,
    structure: Structure | None,
    agent,
    objet: str,
    texte: str,
    fichiers=(),
    notifier: bool = True,
) -> Fil:
    """Un agent écrit à une famille (structure vide : message du CCAS) ; la famille est prévenue
    (sauf `notifier=False`, quand l'appelant envoie lui-même son courriel)."""
    fil = Fil.objects.create(famille=famille, structure=structure, objet=objet, initie_par_famille=False)
    _message_ajouter(fil=fil, de_la_famille=False, auteur=agent, texte=texte, fichiers=fichiers)
    if notifier:
        notification_creer(famille=famille)
    return fil


def message_systeme_envoyer(*, famille: Famille, objet: str, texte: str, notifier: bool = True) -> Fil:
    """Un message du CCAS dans la boîte de réception de la famille (décision sur une demande…).

    La famille reçoit le courriel de notification (sans le contenu) si elle l'accepte, sauf
    `notifier=False` : les décisions sur les demandes ont leur propre courriel.
    """
    return fil_creer_par_structure(
        famille=famille, structure=None, agent=None, objet=objet, texte=texte, notifier=notifier
    )


@transaction.atomic
def fil_marquer_lu_par_la_structure(*, fil: Fil) -> int:
    """La structure a lu les messages de la famille du fil ; renvoie combien l'ont été."""
    return Message.objects.filter(fil=fil, de_la_famille=True, lu_le__isnull=True).update(
        lu_le=timezone.now()
    )


def messages_anterieurs_marquer(*, compte) -> int:
    """Le compte d'un second responsable vient d'être créé : les messages du CCAS que la famille a
    déjà reçus ne lui sont pas annoncés comme nouveaux (« 27 nouveaux messages » à sa première
    connexion, les décisions sur les demandes de l'autre parent depuis des années). Il les
    trouve dans « Reçus ». Rien n'est marqué lu au nom de ce compte (`LectureFil`) : le CCAS ne
    voit pas « lu par » un parent qui ne les a pas ouverts. Renvoie l'identifiant retenu."""
    dernier = (
        Message.objects.filter(fil__famille_id=compte.famille_id, de_la_famille=False).aggregate(
            dernier=Max("pk")
        )["dernier"]
        or 0
    )
    compte.messages_anterieurs_jusqu_a = dernier
    compte.save(update_fields=["messages_anterieurs_jusqu_a"])
    return dernier


class LectureRefusee(Exception):
    """Un compte veut marquer lu un fil qui n'est pas de sa famille."""


def fil_lire(*, fil: Fil, compte) -> bool:
    """Un compte de la famille ouvre le fil : ses messages reçus sont lus **pour ce compte**
    (l'autre responsable garde les siens non lus) ; la première lecture par la famille remplit
    aussi `Message.lu_le`, ce que voit le CCAS. Renvoie False s'il n'y avait rien de nouveau
    (aucune écriture : un fil déjà lu se rouvre sans rien écrire).

    `fil` lu par `selectors.fils(famille=..., compte=compte)` ne coûte aucune lecture de plus ;
    un autre est relu ainsi. LectureRefusee si le fil n'est pas de la famille du compte."""
    if compte.famille_id is None or fil.famille_id != compte.famille_id:
        raise LectureRefusee(f"Le fil {fil.pk} n'est pas de la famille du compte {compte.pk}.")
    etat = vars(fil)  # les annotations du sélecteur
    if "dernier_recu" not in etat:
        fil = selectors.fils(famille=compte.famille_id, compte=compte).get(pk=fil.pk)
        etat = vars(fil)
    dernier: int | None = etat["dernier_recu"]
    lu_jusqu_a: int | None = etat["lu_jusqu_a"]
    if dernier is None or (lu_jusqu_a is not None and lu_jusqu_a >= dernier):
        return False
    _lecture_enregistrer(fil=fil, compte=compte, dernier=dernier, jamais_lu=etat["jamais_lu"])
    return True


@transaction.atomic
def _lecture_enregistrer(*, fil: Fil, compte, dernier: int, jamais_lu: bool) -> None:
    maintenant = timezone.now()
    # Une ligne par fil et par compte, écrite en une instruction (deux onglets ouverts en même
    # temps ne se gênent pas : INSERT … ON CONFLICT DO UPDATE).
    LectureFil.objects.bulk_create(
        [LectureFil(fil=fil, compte=compte, dernier_lu_id=dernier, lu_le=maintenant)],
        update_conflicts=True,
        unique_fields=["fil", "compte"],
        update_fields=["dernier_lu", "lu_le"],
    )
    if jamais_lu:
        Message.objects.filter(fil=fil, de_la_famille=False, lu_le__isnull=True, pk__lte=dernier).update(
            lu_le=maintenant
        )


@transaction.atomic
def fil_supprimer(*, fil: Fil) -> Fil:
    """La famille met le fil dans « Supprimés » (rien n'est effacé)."""
    if fil.supprime_le is None:
        fil.supprime_le = timezone.now()
        fil.save(update_fields=["supprime_le"])
    return fil


@transaction.atomic
def fil_restaurer(*, fil: Fil) -> Fil:
    """La famille ramène un fil supprimé dans sa boîte de réception."""
    if fil.supprime_le is not None:
        fil.supprime_le = None
        fil.save(update_fields=["supprime_le"])
    return fil


# Diffusions


@transaction.atomic
def diffusion_creer(
    *,
    agent,
    objet: str,
    texte: str,
    structure: Structure | None = None,
    activite: Activite | None = None,
) -> Diffusion:
    """Enregistre une diffusion ; les messages sont créés en tâche de fond après validation."""
    if (structure is None) == (activite is None):
        raise ValueError("Une diffusion vise une structure ou une activité (l'une des deux).")
    diffusion = Diffusion.objects.create(
        auteur=agent, structure=structure, activite=activite, objet=objet, texte=texte
    )
    from messagerie.tasks import diffusion_executer_tache

    transaction.on_commit(lambda: diffusion_executer_tache.enqueue(diffusion_id=diffusion.pk))
    return diffusion


@transaction.atomic
def diffusion_executer(*, diffusion_id: int) -> Diffusion:
    """Crée un fil par famille destinataire ; une diffusion déjà envoyée n'est pas rejouée."""
    diffusion = (
        Diffusion.objects.select_for_update(of=("self",))
        .select_related("structure", "activite__structure", "auteur")
        .get(pk=diffusion_id)
    )
    if diffusion.statut == Diffusion.Statut.ENVOYEE:
        return diffusion
    if diffusion.structure is not None:
        structure = diffusion.structure
    elif diffusion.activite is not None:
        structure = diffusion.activite.structure
    else:
        raise ValueError(f"La diffusion {diffusion.pk} n'a ni structure ni activité.")
    familles = selectors.familles_destinataires(structure=diffusion.structure, activite=diffusion.activite)
    nombre = 0
    for famille in familles.prefetch_related("responsables"):
        fil_creer_par_structure(
            famille=famille,
            structure=structure,
            agent=diffusion.auteur,
            objet=diffusion.objet,
            texte=diffusion.texte,
        )
        nombre += 1
    diffusion.statut = Diffusion.Statut.ENVOYEE
    diffusion.nombre_familles = nombre
    diffusion.date_envoi = timezone.now()
    diffusion.save(update_fields=["statut", "nombre_familles", "date_envoi"])
    return diffusion


# Informations et formulaires


@transaction.atomic
def information_enregistrer(*, information: Information) -> Information:
    """Publie (ou modifie) une information du CCAS."""
    information.full_clean()
    information.save()
    return information


@transaction.atomic
def document_enregistrer(*, document: Document, fichier=None) -> Document:
    """Publie (ou modifie) un formulaire ; un nouveau fichier est vérifié (PDF) et remplacé."""
    if fichier is not None:
        fichiers_mod.document_valider(fichier)
        fichier.seek(0)
        document.taille = fichier.size
        document.fichier.save("formulaire.pdf", fichier, save=False)
    document.save()
    return document


# Notifications par courriel


def notification_creer(*, famille: Famille) -> list[int]:
    """Prévoit la notification « un nouveau message vous attend » (courriel, SMS) de chaque compte
    de la famille selon ses choix, envoyée en tâche après validation (messagerie.notifications)."""
    from messagerie import notifications

    return notifications.notifier(
        familles=[famille.pk], type_=notifications.Type.MESSAGE, lien=reverse("messagerie:boite")
    )


def notification_envoyer(*, notification_id: int) -> bool:
    """Envoie une notification (sans contenu du message ni donnée personnelle) ; False si le
    serveur ou le prestataire a échoué (la tâche retente)."""
    from messagerie import notifications

    return notifications.notification_envoyer(notification_id=notification_id)


# Ce que l'anonymisation RGPD fait de chaque modèle de l'application relié à une famille (un
# test vérifie qu'aucun modèle relié n'est oublié).
MESSAGERIE_ANONYMISATION = {
    Fil: "effacé",
    Message: "effacé avec son fil",
    LectureFil: "effacé avec son fil",
    PieceJointe: "effacé avec son message ; fichier supprimé après validation",
    Notification: "effacé",
    AttestationEnvoyee: "effacé (trace d'envoi)",
}


@transaction.atomic
def messagerie_famille_anonymiser(*, famille: Famille) -> dict:
    """Efface les fils de la famille (messages et pièces jointes compris) et ses notifications."""
    fils = Fil.objects.filter(famille=famille)
    fichiers_supprimer_apres_validation(p.fichier for p in PieceJointe.objects.filter(message__fil__in=fils))
    nombre_messages, _ = fils.delete()
    Notification.objects.filter(famille=famille).delete()
    AttestationEnvoyee.objects.filter(famille=famille).delete()
    return {"messages": nombre_messages}


# --- Attestations fiscales (frais de garde) -----------------------------------------------------
# La facturation calcule l'attestation et la met en PDF ; la messagerie, au-dessus, la dépose
# dans la boîte de réception (une fois par famille et par année).

OBJET_ATTESTATION = "Attestation de frais de garde {annee}"
TEXTE_ATTESTATION = (
    "Bonjour,\n\nVous trouverez ci-joint l'attestation des frais de garde de vos enfants de moins "
    "de 6 ans payés en {annee} ({montant}), pour le crédit d'impôt de votre déclaration de revenus "
    "(cases 7GA à 7GG, une case par enfant). Elle est aussi téléchargeable à tout moment depuis "
    "Relevé de compte, rubrique « Attestations fiscales ».\n\n{nom_ccas}"
)


@transaction.atomic
def attestation_fiscale_envoyer(*, famille: Famille, annee: int, agent=None) -> AttestationEnvoyee | None:
    """Dépose l'attestation de frais de garde de l'année dans la boîte de réception de la famille
    (un message du CCAS, le PDF en pièce jointe) ; None si elle a déjà été envoyée (sous le
    verrou de la famille : deux envois simultanés n'en font qu'un) ou s'il n'y a rien à attester."""
    from django.core.files.base import ContentFile

    from commun.audit import audit_enregistrer
    from commun.formats import euros
    from facturation import attestations, pdf

    famille = Famille.objects.select_for_update().get(pk=famille.pk)
    if AttestationEnvoyee.objects.filter(famille=famille, annee=annee).exists():
        return None
    attestation = attestations.attestation(famille=famille, annee=annee)
    if not attestation.enfants:
        return None
    fichier = ContentFile(pdf.attestation_pdf(attestation), name=attestation.nom_fichier_pdf)
    fil = Fil.objects.create(
        famille=famille, structure=None, objet=OBJET_ATTESTATION.format(annee=annee), initie_par_famille=False
    )
    _message_ajouter(
        fil=fil,
        de_la_famille=False,
        auteur=agent,
        texte=TEXTE_ATTESTATION.format(
            annee=annee, montant=euros(attestation.total), nom_ccas=settings.NOM_CCAS
        ),
        fichiers=[fichier],
    )
    envoi = AttestationEnvoyee.objects.create(
        famille=famille, annee=annee, montant=attestation.total, fil=fil
    )
    notification_creer(famille=famille)
    audit_enregistrer(
        auteur=agent,
        famille=famille,
        objet=f"Attestation de frais de garde {annee}",
        action="envoi de l'attestation fiscale",
        apres={"annee": annee, "montant": str(attestation.total)},
    )
    return envoi


def attestations_fiscales_refus(*, annee: int, simulation: bool = False) -> str:
    """Pourquoi l'envoi de l'année est impossible (« » s'il est possible)."""
    from facturation import attestations

    if not attestations.annee_disponible(annee):
        return (
            f"L'année {annee} n'est pas finie : son attestation sera disponible à partir du "
            f"1er janvier {annee + 1}."
        )
    if not settings.CCAS_SIRET and not simulation:
        return "Réglage CCAS_SIRET vide : le SIRET de la structure doit figurer sur l'attestation."
    return ""


def attestations_fiscales_envoyer(*, annee: int, agent=None, simulation: bool = False) -> dict:
    """Envoie l'attestation de l'année à chaque famille concernée qui ne l'a pas encore reçue
    (chaque envoi dans sa transaction : une reprise après interruption continue où elle s'était
    arrêtée) ; renvoie {"envoyees", "deja_envoyees", "sans_objet"}. `simulation` : rien n'est
    écrit, on compte ce qui serait envoyé."""
    from facturation import attestations

    deja = set(AttestationEnvoyee.objects.filter(annee=annee).values_list("famille_id", flat=True))
    compte = {"envoyees": 0, "deja_envoyees": 0, "sans_objet": 0}
    for famille in Famille.objects.filter(pk__in=attestations.familles_concernees(annee=annee)).order_by(
        "pk"
    ):
        if famille.pk in deja:
            compte["deja_envoyees"] += 1
        elif simulation:
            a_envoyer = bool(attestations.attestation(famille=famille, annee=annee).enfants)
            compte["envoyees" if a_envoyer else "sans_objet"] += 1
        elif attestation_fiscale_envoyer(famille=famille, annee=annee, agent=agent) is None:
            compte["sans_objet"] += 1
        else:
            compte["envoyees"] += 1
    return compte


@transaction.atomic
def attestations_fiscales_programmer(*, annee: int, agent) -> None:
    """Un agent lance l'envoi d'une année : tracé dans l'audit, exécuté en tâche de fond."""
    from commun.audit import audit_enregistrer

    audit_enregistrer(
        auteur=agent,
        famille=None,
        objet=f"Attestations de frais de garde {annee}",
        action="envoi en masse des attestations fiscales demandé",
        apres={"annee": annee},
    )

    def programmer():
        from messagerie.tasks import attestations_fiscales_envoyer_tache

        attestations_fiscales_envoyer_tache.enqueue(annee=annee, agent_id=agent.pk)

    transaction.on_commit(programmer)
