"""Écritures des demandes : créer, annuler, accepter, refuser — un seul chemin pour tous les types."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from commun import journal, restrictions
from commun.audit import audit_enregistrer
from commun.formats import nombre_fr
from commun.limites import envoi_possible_a, heure_texte
from demandes import registre
from demandes.models import Demande
from enfants.planning import rang_texte
from enfants.services import MOTIF_TROP_LONG
from familles import services as familles_services
from messagerie import services as messagerie_services

logger = logging.getLogger(__name__)

MESSAGE_AUCUN_CHANGEMENT = "Vous n'avez modifié aucune information : aucune demande n'a été envoyée."
MESSAGE_DEJA_EN_ATTENTE = (
    "Une demande de ce type est déjà en attente : annulez-la ou confirmez son remplacement."
)
MESSAGE_DEJA_TRAITEE = "Cette demande a déjà été traitée : elle n'a pas été appliquée une seconde fois."
MESSAGE_MOTIF_REQUIS = "Indiquez le motif du refus."
# Le motif est montré à la famille (Liste des demandes) et gardé avec la réservation ou
# l'absence refusée (colonnes de 300 caractères) : au-delà il est refusé, jamais coupé.
MOTIF_LONGUEUR_MAX = 300
MESSAGE_MOTIF_TROP_LONG = MOTIF_TROP_LONG
MESSAGE_PERMISSION_SANITAIRE = (
    "Cette demande porte sur des données sanitaires : la permission « voir les données "
    "sanitaires » est nécessaire pour la traiter."
)
MESSAGE_NON_ANNULABLE = "Seule une demande en attente peut être annulée."
MESSAGE_LIMITE = (
    "Vous avez envoyé {envois} dans l'heure : c'est le maximum. Vous pourrez en "
    "envoyer de nouveau à partir de {heure}."
)


class DemandeErreur(Exception):
    """Refus d'une opération sur une demande ; le message est destiné à l'utilisateur."""

    def __init__(self, message, erreurs=None):
        super().__init__(message)
        self.message = message
        self.erreurs = erreurs or {}


class AucunChangement(DemandeErreur):
    pass


class DemandeEnDouble(DemandeErreur):
    def __init__(self, message, existante):
        super().__init__(message)
        self.existante = existante


class DemandeDejaTraitee(DemandeErreur):
    pass


class DemandeInvalide(DemandeErreur):
    pass


class LimiteAtteinte(DemandeErreur):
    pass


def _limite_verifier(*, famille) -> None:
    """Au plus DEMANDES_LIMITE_PAR_HEURE demandes de modification par famille sur l'heure."""
    limite = settings.DEMANDES_LIMITE_PAR_HEURE
    codes = [t.code for t in registre.types() if t.limite_par_heure]
    possible = envoi_possible_a(
        Demande.objects.filter(famille=famille, type__in=codes), champ_date="cree_le", limite=limite
    )
    if possible is not None:
        journal.evenement("limite_demandes", famille=famille.numero)
        raise LimiteAtteinte(
            MESSAGE_LIMITE.format(
                envois=nombre_fr(limite, "demande", "demandes"), heure=heure_texte(possible)
            )
        )


def demande_en_attente(*, famille, type_code: str, enfant=None) -> Demande | None:
    return Demande.objects.filter(
        famille=famille, type=type_code, enfant=enfant, statut=Demande.Statut.EN_ATTENTE
    ).first()


@transaction.atomic
def demande_creer(
    *, famille, type_code: str, formulaire, enfant=None, auteur=None, remplacer: bool = False
) -> Demande:
    """Crée une demande avec les seuls champs changés (avant → après) d'un formulaire valide.

    Jamais deux demandes du même formulaire en attente (sauf types `unique_en_attente=False`) :
    la seconde remplace la première seulement si `remplacer`. Au-delà de la limite par heure de
    la famille : LimiteAtteinte. Un compte privé de demandes par le CCAS : RestrictionRefusee
    (les réservations et absences, qui passent par `demande_creer_dans_la_transaction`, ont leur
    propre restriction, vérifiée par le planning).
    """
    restrictions.restriction_verifier(auteur, restrictions.DEMANDES)
    return _demande_creer(
        famille=famille,
        type_code=type_code,
        formulaire=formulaire,
        enfant=enfant,
        auteur=auteur,
        remplacer=remplacer,
    )


def demande_creer_dans_la_transaction(*, famille, type_code: str, formulaire, enfant=None, auteur=None):
    """`demande_creer` sans point de sauvegarde, pour un service qui tient déjà sa transaction
    (la réservation demandée sous le verrou des jours : un point de sauvegarde par jour coûtait
    deux requêtes) et pour un type sans unicité en attente (une seule écriture : atomique seule).
    Une erreur (formulaire invalide…) annule la transaction de l'appelant, comme avant."""
    if registre.type_demande(type_code).unique_en_attente:
        raise ValueError(f"Type {type_code} : unicité en attente, passer par demande_creer")
    return _demande_creer(
        famille=famille, type_code=type_code, formulaire=formulaire, enfant=enfant, auteur=auteur
    )


def _demande_creer(
    *, famille, type_code: str, formulaire, enfant, auteur, remplacer: bool = False
) -> Demande:
    from familles.models import Famille

    type_ = registre.type_demande(type_code)
    if type_.limite_par_heure or type_.unique_en_attente:
        # Le verrou sur la famille sérialise les demandes concurrentes d'une même famille, pour
        # la limite par heure et l'unicité en attente (sans elles, il ne protège rien).
        Famille.objects.select_for_update().get(pk=famille.pk)
    if type_.limite_par_heure:
        _limite_verifier(famille=famille)
    if not formulaire.is_valid():
        raise DemandeInvalide("Le formulaire contient des erreurs.", formulaire.errors)
    annexes = type_.champs_annexes
    if type_.creation:
        changes = [nom for nom in formulaire.fields if nom not in annexes]
    else:
        changes = [nom for nom in formulaire.changed_data if nom not in annexes]
        if not changes:
            raise AucunChangement(MESSAGE_AUCUN_CHANGEMENT)
    if type_.unique_en_attente:
        existante = (
            Demande.objects.select_for_update()
            .filter(famille=famille, type=type_code, enfant=enfant, statut=Demande.Statut.EN_ATTENTE)
            .first()
        )
        if existante is not None:
            if not remplacer:
                raise DemandeEnDouble(MESSAGE_DEJA_EN_ATTENTE, existante)
            existante.statut = Demande.Statut.ANNULEE
            existante.motif = "Remplacée par une nouvelle demande."
            existante.decide_le = timezone.now()
            existante.save(update_fields=["statut", "motif", "decide_le"])
    donnees = {nom: registre.serialiser(formulaire.cleaned_data[nom]) for nom in changes}
    donnees.update({nom: registre.serialiser(formulaire.cleaned_data.get(nom)) for nom in annexes})
    avant = {}
    if not type_.creation:
        avant = {
            nom: registre.texte(
                formulaire.fields[nom], formulaire.get_initial_for_field(formulaire.fields[nom], nom)
            )
            for nom in changes
        }
    apres = {nom: registre.texte(formulaire.fields[nom], formulaire.cleaned_data[nom]) for nom in changes}
    if type_.creation:
        apres = {nom: valeur for nom, valeur in apres.items() if valeur}
    return Demande.objects.create(
        type=type_code,
        famille=famille,
        enfant=enfant,
        donnees=donnees,
        avant=avant,
        apres=apres,
        cree_par=auteur if getattr(auteur, "pk", None) else None,
    )


def demande_consigner(
    *,
    famille,
    type_code: str,
    enfant=None,
    donnees: dict,
    apres: dict,
    statut: str,
    motif: str = "",
    auteur=None,
) -> Demande:
    """Inscrit dans la Liste des demandes une demande que le service qui la possède a déjà
    décidée d'office (réservation acceptée automatiquement, absence excusée ou facturée) :
    rien n'est à décider, rien n'est appliqué ici ; la décision est celle du service. Une seule
    écriture : pas de `transaction.atomic` (un point de sauvegarde de moins par jour réservé sous
    le verrou de la ruée)."""
    if statut not in (Demande.Statut.ACCEPTEE, Demande.Statut.REFUSEE):
        raise ValueError(f"Statut d'une demande déjà décidée : {statut}")
    registre.type_demande(type_code)  # un type inconnu est une erreur de programmation
    return Demande.objects.create(
        type=type_code,
        famille=famille,
        enfant=enfant,
        donnees=donnees,
        apres=apres,
        statut=statut,
        motif=motif,
        decide_le=timezone.now(),
        cree_par=auteur if getattr(auteur, "pk", None) else None,
    )


@transaction.atomic
def demande_annuler(*, demande: Demande, famille) -> Demande:
    """Le parent retire une demande encore en attente."""
    demande = Demande.objects.select_for_update().get(pk=demande.pk, famille=famille)
    # En liste d'attente, la famille peut aussi retirer sa demande (les suivantes avancent).
    if demande.statut not in (Demande.Statut.EN_ATTENTE, Demande.Statut.LISTE_ATTENTE):
        raise DemandeDejaTraitee(MESSAGE_NON_ANNULABLE)
    type_ = demande.type_demande
    if type_.annuler is not None:
        formulaire = formulaire_revalide(demande)
        if formulaire.is_valid():
            type_.annuler(demande=demande, donnees=formulaire.cleaned_data)
    demande.statut = Demande.Statut.ANNULEE
    demande.decide_le = timezone.now()
    demande.save(update_fields=["statut", "decide_le"])
    return demande


def peut_voir_sanitaire(utilisateur) -> bool:
    return bool(utilisateur and utilisateur.has_perm(registre.PERMISSION_SANITAIRE))


# Ce qu'un agent peut refuser : une demande en attente, ou une demande d'inscription en liste
# d'attente (la famille est prévenue comme pour tout refus ; les suivantes y gagnent un rang).
STATUTS_REFUSABLES = (Demande.Statut.EN_ATTENTE, Demande.Statut.LISTE_ATTENTE)


def _verrouiller_en_attente(demande: Demande, agent, statuts=(Demande.Statut.EN_ATTENTE,)) -> Demande:
    demande = Demande.objects.select_for_update().get(pk=demande.pk)
    if demande.statut not in statuts:
        raise DemandeDejaTraitee(MESSAGE_DEJA_TRAITEE)
    if demande.type_demande.sensible and not peut_voir_sanitaire(agent):
        raise PermissionDenied(MESSAGE_PERMISSION_SANITAIRE)
    return demande


def formulaire_revalide(demande: Demande):
    """Le formulaire du type, lié aux données demandées posées sur la fiche actuelle."""
    type_ = demande.type_demande
    if type_.creation:
        data = dict(demande.donnees)
    else:
        _, initiales = registre.valeurs_actuelles(type_, famille=demande.famille, enfant=demande.enfant)
        data = {nom: registre.serialiser(valeur) for nom, valeur in initiales.items()}
        data.update(demande.donnees)
    return type_.construire(famille=demande.famille, enfant=demande.enfant, data=data)


def _audit_decision(demande: Demande, agent, action: str) -> None:
    """Trace la décision : libellés des champs, valeurs masquées (IBAN), jamais de valeur sanitaire."""
    type_ = demande.type_demande
    libelles = type_.libelles()

    def lisible(valeurs: dict) -> dict:
        return {
            libelles.get(nom, nom): type_.masques[nom](texte) if nom in type_.masques else texte
            for nom, texte in valeurs.items()
        }

    audit_enregistrer(
        auteur=agent,
        famille=demande.famille,
        objet=f"Demande n° {demande.pk} ({type_.libelle})",
        action=action,
        avant=lisible(demande.avant),
        apres=lisible(demande.apres),
        sensible=type_.sensible,
    )


@transaction.atomic
def demande_accepter(*, demande: Demande, agent) -> Demande:
    """Revalide la demande sur la fiche actuelle, l'applique et note la décision.

    La ligne est verrouillée (`select_for_update`) : deux agents qui acceptent ensemble
    n'appliquent la demande qu'une fois ; le second reçoit `DemandeDejaTraitee`.
    """
    demande = _verrouiller_en_attente(demande, agent)
    type_ = demande.type_demande
    formulaire = formulaire_revalide(demande)
    if not formulaire.is_valid():
        raise DemandeInvalide(
            "La demande n'est plus valide sur la fiche actuelle : "
            + " ; ".join(
                f"{formulaire.fields[c].label if c in formulaire.fields else c} : {' '.join(e)}"
                for c, e in formulaire.errors.items()
            ),
            formulaire.errors,
        )
    donnees = {nom: formulaire.cleaned_data[nom] for nom in demande.donnees if nom in formulaire.cleaned_data}
    resultat = type_.appliquer(demande=demande, donnees=donnees, auteur=agent)
    # Activité complète (demande d'inscription) : la demande attend une place, dans l'ordre d'arrivée.
    en_liste = resultat is registre.EN_LISTE_ATTENTE
    demande.statut = Demande.Statut.LISTE_ATTENTE if en_liste else Demande.Statut.ACCEPTEE
    demande.decide_par = agent
    demande.decide_le = timezone.now()
    demande.motif = ""
    demande.save(update_fields=["statut", "decide_par", "decide_le", "motif"])
    _audit_decision(
        demande, agent, "Demande mise en liste d'attente (complet)" if en_liste else "Demande acceptée"
    )
    demande_id = demande.pk
    transaction.on_commit(lambda: _notifier_decision(demande_id=demande_id))
    return demande


@transaction.atomic
def demande_refuser(*, demande: Demande, agent, motif: str) -> Demande:
    """Refuse la demande avec un motif (obligatoire) ; la fiche ne change pas. Une demande
    d'inscription en liste d'attente se refuse aussi (elle quitte la liste)."""
    motif = (motif or "").strip()
    if not motif:
        raise DemandeErreur(MESSAGE_MOTIF_REQUIS)
    if len(motif) > MOTIF_LONGUEUR_MAX:
        raise DemandeErreur(MESSAGE_MOTIF_TROP_LONG.format(longueur=len(motif), maximum=MOTIF_LONGUEUR_MAX))
    demande = _verrouiller_en_attente(demande, agent, statuts=STATUTS_REFUSABLES)
    en_liste_attente = demande.statut == Demande.Statut.LISTE_ATTENTE
    type_ = demande.type_demande
    if type_.refuser is not None and not en_liste_attente:
        formulaire = formulaire_revalide(demande)
        if not formulaire.is_valid():
            raise DemandeInvalide("La demande n'est plus valide sur la fiche actuelle.", formulaire.errors)
        type_.refuser(demande=demande, donnees=formulaire.cleaned_data, agent=agent, motif=motif)
    demande.statut = Demande.Statut.REFUSEE
    demande.motif = motif
    demande.decide_par = agent
    demande.decide_le = timezone.now()
    demande.save(update_fields=["statut", "motif", "decide_par", "decide_le"])
    quoi = "Demande refusée (elle était en liste d'attente)" if en_liste_attente else "Demande refusée"
    _audit_decision(demande, agent, f"{quoi} : {motif}")
    demande_id = demande.pk
    transaction.on_commit(lambda: _notifier_decision(demande_id=demande_id))
    return demande


def _decision_texte(demande: Demande) -> str:
    """« acceptée », « refusée », « mise en liste d'attente »."""
    if demande.statut == Demande.Statut.LISTE_ATTENTE:
        return "mise en liste d'attente"
    return "acceptée" if demande.statut == Demande.Statut.ACCEPTEE else "refusée"


def _message_de_decision(demande: Demande) -> str:
    """Le texte du message de décision dans la boîte de réception (portail authentifié) : le
    type, la décision et le motif d'un refus ; jamais les valeurs demandées."""
    texte = (
        f"Votre demande « {demande.type_demande.libelle} » du "
        f"{timezone.localtime(demande.cree_le):%d/%m/%Y} a été {_decision_texte(demande)}."
    )
    if demande.statut == Demande.Statut.LISTE_ATTENTE:
        from demandes import selectors

        position = selectors.position_en_liste_attente(demande=demande)
        texte += (
            f"\n\nL'activité est complète : votre demande est en liste d'attente, à la "
            f"{rang_texte(position)}. Si une place se libère, elle vous sera "
            "proposée par message et par courriel."
        )
    if demande.statut == Demande.Statut.REFUSEE and demande.motif:
        texte += f"\n\nMotif : {demande.motif}"
    return texte + "\n\nLe détail est dans l'onglet « Liste des demandes »."


def _notifier_decision(*, demande_id: int) -> None:
    """Prévient la famille d'une décision (après validation de la transaction).

    Le seul point d'accroche des notifications de décision : un message dans la boîte de
    réception, et un courriel qui ne dit que le type de la demande et donne un lien (aucune
    donnée personnelle, ni motif, ni valeur).
    """
    demande = Demande.objects.select_related("famille").get(pk=demande_id)
    messagerie_services.message_systeme_envoyer(
        famille=demande.famille,
        objet=f"Décision sur votre demande « {demande.type_demande.libelle} »",
        texte=_message_de_decision(demande),
        notifier=False,
    )
    decision = _decision_texte(demande)
    libelle = demande.type_demande.libelle
    _courriel_decision_envoyer(
        famille=demande.famille,
        type_="decision",
        sujet=f"Votre demande « {libelle} » a été traitée — {settings.NOM_CCAS}",
        phrase=f"Votre demande « {libelle} » a été {decision}.",
        ou="dans la Liste des demandes",
        chemin=reverse("demandes:liste"),
    )


def _courriel_decision_envoyer(*, famille, type_: str, sujet: str, phrase: str, ou: str, chemin: str) -> None:
    """La notification d'une décision (courriel et SMS, selon les choix de chaque compte et les
    autorisations de la famille) : la décision en une phrase et le lien où lire le détail (ni
    motif, ni valeur, ni donnée personnelle ; le SMS ne dit que la sorte de notification).
    Appelé après validation : les lignes s'écrivent dans leur propre transaction."""
    from messagerie import notifications

    with transaction.atomic():
        notifications.notifier(
            familles=[famille.pk],
            type_=type_,
            lien=chemin,
            sujet=sujet,
            phrase=f"{phrase}\nVous trouverez le détail {ou}.",
        )


# Ce que l'anonymisation RGPD fait des modèles de l'application reliés à une famille (un test
# vérifie qu'aucun modèle relié n'est oublié).
DEMANDES_ANONYMISATION = {Demande: "effacé (données, avant/après et motifs compris)"}


@transaction.atomic
def demandes_famille_anonymiser(*, famille) -> dict:
    nombre, _ = Demande.objects.filter(famille=famille).delete()
    return {"demandes": nombre}


# --- File de vérification des pièces justificatives (dossier annuel) ---------------------


@transaction.atomic
def piece_accepter(*, piece, agent, valide_jusqu_au):
    """Valide une pièce en attente jusqu'à une date et prévient la famille (après validation de
    la transaction), comme une décision sur une demande. Refus : familles.services.DossierErreur."""
    piece = familles_services.piece_valider(piece=piece, agent=agent, valide_jusqu_au=valide_jusqu_au)
    piece_id = piece.pk
    transaction.on_commit(lambda: _notifier_piece(piece_id=piece_id))
    return piece


@transaction.atomic
def piece_refuser(*, piece, agent, motif: str):
    """Refuse une pièce en attente avec un motif et prévient la famille (après validation)."""
    piece = familles_services.piece_refuser(piece=piece, agent=agent, motif=motif)
    piece_id = piece.pk
    transaction.on_commit(lambda: _notifier_piece(piece_id=piece_id))
    return piece


def _message_de_piece(piece) -> str:
    pour = f" de {piece.enfant.prenom}" if piece.enfant_id else ""
    deposee = timezone.localtime(piece.deposee_le)
    debut = f"Votre pièce « {piece.type_piece.nom} »{pour} envoyée le {deposee:%d/%m/%Y}"
    if piece.statut == piece.Statut.VALIDEE:
        texte = f"{debut} a été validée : elle est valable jusqu'au {piece.valide_jusqu_au:%d/%m/%Y}."
    else:
        texte = f"{debut} a été refusée.\n\nMotif : {piece.motif}\n\nVous pouvez envoyer une nouvelle pièce."
    return texte + "\n\nLe détail est dans « Documents à fournir »."


def _url_pieces(piece) -> str:
    if piece.enfant_id:
        return reverse("enfants:pieces", kwargs={"pk": piece.enfant_id})
    return reverse("familles:pieces")


def _notifier_piece(*, piece_id: int) -> None:
    """Prévient la famille d'une décision sur une pièce : un message dans la boîte de réception
    (avec le motif d'un refus) et un courriel sans contenu qui donne le lien."""
    from familles.models import PieceJustificative

    piece = PieceJustificative.objects.select_related("famille", "type_piece", "enfant").get(pk=piece_id)
    decision = "validée" if piece.statut == piece.Statut.VALIDEE else "refusée"
    messagerie_services.message_systeme_envoyer(
        famille=piece.famille,
        objet=f"Pièce justificative {decision} : « {piece.type_piece.nom} »",
        texte=_message_de_piece(piece),
        notifier=False,
    )
    _courriel_decision_envoyer(
        famille=piece.famille,
        type_="piece" if piece.statut != piece.Statut.VALIDEE else "decision",
        sujet=f"Une pièce justificative a été vérifiée — {settings.NOM_CCAS}",
        phrase=f"Une pièce justificative que vous avez envoyée a été {decision}.",
        ou="dans « Documents à fournir »",
        chemin=_url_pieces(piece),
    )
