"""Écritures sur les familles et leurs comptes de connexion."""

import secrets
import string

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from commun.anonymisation import NOM_ANONYME, fichiers_supprimer_apres_validation
from commun.modifier import modele_modifier_audite
from familles.models import (
    Consentement,
    Famille,
    FichierPiece,
    PieceJustificative,
    PreferenceNotification,
    Responsable,
    Utilisateur,
)
from familles.selectors import responsable_du_compte, sms_empechement
from familles.validators import iban_masquer

ALPHABET_TEMPORAIRE = string.ascii_letters + string.digits


def mot_de_passe_temporaire_generer(*, longueur: int = 12) -> str:
    """Un mot de passe aléatoire qui respecte les règles du guide (maj., min., chiffre)."""
    while True:
        mot = "".join(secrets.choice(ALPHABET_TEMPORAIRE) for _ in range(longueur))
        if any(c.isupper() for c in mot) and any(c.islower() for c in mot) and any(c.isdigit() for c in mot):
            return mot


def lien_activation(*, utilisateur: Utilisateur) -> str:
    """Lien de choix du mot de passe (jeton de réinitialisation Django, à usage unique)."""
    uid = urlsafe_base64_encode(force_bytes(utilisateur.pk))
    jeton = default_token_generator.make_token(utilisateur)
    chemin = reverse("reinitialisation_confirmation", kwargs={"uidb64": uid, "token": jeton})
    return settings.PORTAIL_URL.rstrip("/") + chemin


def _courriel_activation_envoyer(*, utilisateur_id: int) -> None:
    utilisateur = Utilisateur.objects.get(pk=utilisateur_id)
    contexte = {
        "identifiant": utilisateur.username,
        "lien": lien_activation(utilisateur=utilisateur),
        "nom_ccas": settings.NOM_CCAS,
    }
    send_mail(
        subject=f"Votre compte sur le Portail Famille — {settings.NOM_CCAS}",
        message=render_to_string("familles/courriel_activation.txt", contexte),
        from_email=None,
        recipient_list=[utilisateur.email],
    )


# Ce que les applications du dessus font à la création du compte d'un second responsable
# (`messagerie` : les messages déjà reçus par la famille ne lui sont pas annoncés comme
# nouveaux), enregistré par elles (`familles` ne les connaît pas) ; appelé dans la transaction.
_SECOND_COMPTE_CREE: list = []


def second_compte_cree_enregistrer(fonction) -> None:
    """`fonction(compte=)` sera appelée à la création d'un compte quand la famille en a déjà un."""
    if fonction not in _SECOND_COMPTE_CREE:
        _SECOND_COMPTE_CREE.append(fonction)


@transaction.atomic
def compte_famille_creer(
    *,
    famille: Famille,
    identifiant: str,
    email: str = "",
    envoyer_activation: bool = False,
    auteur=None,
    role: str = Responsable.Role.PRINCIPAL,
) -> tuple[Utilisateur, str | None]:
    """Crée le compte de connexion d'un responsable de la famille (jamais un compte du
    personnel) ; trace l'audit. Un compte par responsable : le titulaire, puis le conjoint
    (parents séparés), chacun avec son mot de passe.

    Soit un courriel d'activation est envoyé (après validation de la transaction), soit un mot
    de passe temporaire est renvoyé, que le parent devra changer à sa première connexion.
    """
    from commun.audit import audit_enregistrer

    responsable = compte_responsable_verifier(famille=famille, role=role)
    utilisateur = Utilisateur(username=identifiant, email=email, famille=famille, responsable=responsable)
    if responsable is not None:
        utilisateur.first_name = responsable.prenom
        utilisateur.last_name = responsable.nom
    temporaire = None
    if envoyer_activation:
        if not email:
            raise ValueError("Un courriel d'activation demande une adresse email.")
        utilisateur.set_unusable_password()
        utilisateur.save()
        transaction.on_commit(lambda: _courriel_activation_envoyer(utilisateur_id=utilisateur.pk))
    else:
        temporaire = mot_de_passe_temporaire_generer()
        utilisateur.set_password(temporaire)
        utilisateur.doit_changer_mot_de_passe = True
        utilisateur.save()
    if Utilisateur.objects.filter(famille=famille, is_active=True).exclude(pk=utilisateur.pk).exists():
        for fonction in _SECOND_COMPTE_CREE:
            fonction(compte=utilisateur)
    audit_enregistrer(
        auteur=auteur,
        famille=famille,
        objet=compte_objet_audit(utilisateur),
        action="Compte de connexion créé",
        apres={
            "Identifiant": utilisateur.username,
            "Responsable": responsable.nom_complet if responsable is not None else "",
            "Email": email,
            "Premier mot de passe": (
                "courriel d'activation" if envoyer_activation else "mot de passe temporaire"
            ),
        },
    )
    return utilisateur, temporaire


MESSAGE_RESPONSABLE_ABSENT = (
    "Cette famille n'a pas de responsable « {role} » : ajoutez-le d'abord à sa fiche."
)
MESSAGE_RESPONSABLE_A_DEJA_UN_COMPTE = "{nom} a déjà un compte de connexion ({identifiant})."


class CompteErreur(Exception):
    """Refus de créer un compte ; `message` est destiné à l'agent."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def compte_responsable_verifier(*, famille: Famille, role: str) -> Responsable | None:
    """Le responsable de ce rôle, qui n'a pas encore de compte (CompteErreur sinon).

    Une famille sans aucun responsable (import en cours) garde l'ancien comportement : un
    compte titulaire sans responsable rattaché."""
    responsable = Responsable.objects.filter(famille=famille, role=role).select_related("compte").first()
    if responsable is None:
        if role == Responsable.Role.PRINCIPAL and not Responsable.objects.filter(famille=famille).exists():
            return None
        raise CompteErreur(MESSAGE_RESPONSABLE_ABSENT.format(role=Responsable.Role(role).label))
    compte = getattr(responsable, "compte", None)
    if compte is not None:
        raise CompteErreur(
            MESSAGE_RESPONSABLE_A_DEJA_UN_COMPTE.format(
                nom=responsable.nom_complet, identifiant=compte.username
            )
        )
    return responsable


def compte_objet_audit(utilisateur: Utilisateur) -> str:
    """Comment le journal d'audit nomme un compte de connexion."""
    return f"compte de connexion {utilisateur.username}"


@transaction.atomic
def compte_mot_de_passe_reinitialise(*, utilisateur: Utilisateur, auteur) -> Utilisateur:
    """Un agent vient de donner un mot de passe au compte (administration) : il est temporaire
    (à changer à la prochaine connexion) et c'est tracé, sans la valeur."""
    from commun.audit import audit_enregistrer

    if auteur is not None and auteur.pk != utilisateur.pk and utilisateur.has_usable_password():
        utilisateur.doit_changer_mot_de_passe = True
        utilisateur.save(update_fields=["doit_changer_mot_de_passe"])
    audit_enregistrer(
        auteur=auteur,
        famille=utilisateur.famille,
        objet=compte_objet_audit(utilisateur),
        action="Mot de passe réinitialisé par un agent",
        apres={"Mot de passe": "modifié"},
        sensible=True,
    )
    return utilisateur


@transaction.atomic
def mot_de_passe_changer(*, utilisateur: Utilisateur, nouveau: str) -> Utilisateur:
    """Change le mot de passe ; il cesse d'être temporaire."""
    utilisateur.set_password(nouveau)
    utilisateur.doit_changer_mot_de_passe = False
    utilisateur.save(update_fields=["password", "doit_changer_mot_de_passe"])
    return utilisateur


# Modifications de la fiche famille (appelées quand un agent accepte une demande).

# Les champs que les demandes modifient, dans l'ordre de leurs formulaires (familles.forms) :
# un formulaire montre exactement ce que le service accepte d'écrire.
CHAMPS_FISCALES = ("revenu_fiscal_reference", "nombre_parts", "annee_fiscale")
CHAMPS_CAF = ("regime", "numero_allocataire", "quotient_familial")
CHAMPS_BANCAIRES = ("titulaire_compte", "iban", "bic", "banque", "prelevement_automatique")
CHAMPS_RESPONSABLE = (
    "civilite",
    "nom",
    "prenom",
    "qualite",
    "situation",
    "adresse",
    "code_postal",
    "ville",
    "telephone_domicile",
    "telephone_professionnel",
    "telephone_mobile",
    "email",
    "profession",
    "csp",
    "employeur",
    "adresse_employeur",
    "autorisation_courriel",
    "autorisation_sms",
)
CHAMPS_FAMILLE_MODIFIABLES = frozenset(CHAMPS_FISCALES + CHAMPS_CAF + CHAMPS_BANCAIRES)
CHAMPS_RESPONSABLE_MODIFIABLES = frozenset(CHAMPS_RESPONSABLE)


@transaction.atomic
def responsable_modifier(*, famille: Famille, role: str, valeurs: dict, auteur=None, motif: str = ""):
    """Modifie (ou crée, pour un conjoint) un responsable de la famille ; trace l'audit."""
    responsable = Responsable.objects.select_for_update().filter(
        famille=famille, role=role
    ).first() or Responsable(famille=famille, role=role)
    modele_modifier_audite(
        instance=responsable,
        donnees=valeurs,
        champs=CHAMPS_RESPONSABLE_MODIFIABLES,
        auteur=auteur,
        famille=famille,
        objet=lambda _: f"{responsable.get_role_display()} {responsable.nom_complet}",  # après modification
        action=motif or "Modification du responsable",
    )
    return responsable


@transaction.atomic
def famille_modifier(*, famille: Famille, valeurs: dict, auteur=None, motif: str = "") -> Famille:
    """Modifie les informations CAF, fiscales ou bancaires de la famille ; trace l'audit."""
    famille = Famille.objects.select_for_update().get(pk=famille.pk)
    modele_modifier_audite(
        instance=famille,
        donnees=valeurs,
        champs=CHAMPS_FAMILLE_MODIFIABLES,
        masques={"iban": iban_masquer},
        auteur=auteur,
        famille=famille,
        objet=f"Famille {famille.numero}",
        action=motif or "Modification de la fiche famille",
    )
    return famille


# Ce que l'anonymisation RGPD fait de chaque modèle de l'application relié à une famille (un
# test vérifie qu'aucun modèle relié n'est oublié).
FAMILLES_ANONYMISATION = {
    Famille: "anonymisé : allocataire, quotient, données fiscales et bancaires effacés ; N° conservé",
    Responsable: "anonymisé : identité, coordonnées, profession et employeur effacés",
    Utilisateur: "désactivé : identifiant, nom et courriel effacés, mot de passe inutilisable",
    # Dossier annuel (voir dossier_famille_anonymiser).
    PieceJustificative: "effacée, fichiers compris",
    FichierPiece: "effacé avec sa pièce (fichier supprimé après validation)",
    Consentement: "gardé (version, réponse, date) sans le nom du signataire",
}


_COORDONNEES_EFFACEES = ("adresse", "code_postal", "ville", "email")
_TELEPHONES_EFFACES = ("telephone_domicile", "telephone_professionnel", "telephone_mobile")
_EMPLOI_EFFACE = ("profession", "csp", "employeur", "adresse_employeur")
_BANQUE_EFFACEE = ("titulaire_compte", "banque", "iban", "bic")
_FISCAL_EFFACE = ("quotient_familial", "revenu_fiscal_reference", "nombre_parts", "annee_fiscale")


@transaction.atomic
def familles_famille_anonymiser(*, famille: Famille) -> dict:
    """Efface identités, coordonnées, données fiscales et bancaires ; désactive les comptes."""
    Responsable.objects.filter(famille=famille).update(
        nom=NOM_ANONYME,
        autorisation_courriel=False,
        autorisation_sms=False,
        **dict.fromkeys(("prenom", *_COORDONNEES_EFFACEES, *_TELEPHONES_EFFACES, *_EMPLOI_EFFACE), ""),
    )
    Famille.objects.filter(pk=famille.pk).update(
        prelevement_automatique=False,
        **dict.fromkeys(("numero_allocataire", *_BANQUE_EFFACEE), ""),
        **dict.fromkeys(_FISCAL_EFFACE, None),
    )
    comptes = Utilisateur.objects.filter(famille=famille)
    # Les choix de notification suivent les comptes (désactivés ici) : effacés. Ils ne sont pas
    # dans FAMILLES_ANONYMISATION, qui ne couvre que les modèles reliés à la famille elle-même.
    PreferenceNotification.objects.filter(utilisateur__famille=famille).delete()
    for compte in comptes:
        compte.set_unusable_password()
        compte.username = f"anonyme-{compte.pk}"
        compte.email = compte.first_name = compte.last_name = ""
        compte.is_active = False
        compte.save()
    return {"comptes": len(comptes), **dossier_famille_anonymiser(famille=famille)}


# --- Dossier annuel : pièces justificatives et consentements -----------------------------

MESSAGE_PIECE_NON_DEMANDEE = "Cette pièce n'est pas demandée à votre famille."
MESSAGE_PIECE_DEJA_VALIDEE = (
    "Cette pièce est validée jusqu'au {date} : vous pourrez envoyer la nouvelle dans les "
    "{jours} jours qui précèdent cette date."
)
MESSAGE_PIECE_SANS_FICHIER = "Choisissez au moins un fichier."
MESSAGE_PIECE_TROP_DE_FICHIERS = "Vous pouvez envoyer {nombre} fichiers au plus pour une pièce."
MESSAGE_PIECE_DEJA_DECIDEE = "Cette pièce a déjà été vérifiée : la décision n'a pas été changée."
MESSAGE_PIECE_DATE_PASSEE = "La date de fin de validité doit être aujourd'hui ou plus tard."
MESSAGE_PIECE_MOTIF_REQUIS = "Indiquez le motif du refus."
MESSAGE_PIECE_MOTIF_TROP_LONG = "Le motif compte {longueur} caractères : {maximum} au plus."
MESSAGE_PIECE_PERMISSION_SANITAIRE = (
    "Cette pièce est une donnée de santé : la permission « voir les données sanitaires » est "
    "nécessaire pour la vérifier."
)
MESSAGE_CONSENTEMENT_REFUS_IMPOSSIBLE = "Ce texte s'accepte pour que votre dossier soit complet."
MESSAGE_CONSENTEMENT_PERIME = (
    "Une nouvelle version de ce texte a été publiée entre-temps : lisez-la avant de répondre."
)
MESSAGE_VERSION_VIDE = "Le contenu de la version est obligatoire."
PIECE_MOTIF_LONGUEUR_MAX = 300
PERMISSION_SANITAIRE = "enfants.voir_donnees_sanitaires"


class DossierErreur(Exception):
    """Refus d'une opération du dossier ; `message` est destiné à l'utilisateur."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def peut_voir_sanitaire(utilisateur) -> bool:
    return bool(utilisateur and utilisateur.has_perm(PERMISSION_SANITAIRE))


def piece_fichiers_valider(fichiers: list) -> list[tuple]:
    """Vérifie chaque fichier d'un dépôt (type reconnu au contenu, taille) ; renvoie
    [(fichier, type MIME, nom assaini)] ou lève ValidationError avec chaque erreur."""
    from django.conf import settings
    from django.core.exceptions import ValidationError

    from commun import fichiers as commun_fichiers

    if not fichiers:
        raise ValidationError(MESSAGE_PIECE_SANS_FICHIER, code="requis")
    nombre_max = settings.PIECES_FICHIERS_NOMBRE_MAX
    if len(fichiers) > nombre_max:
        raise ValidationError(MESSAGE_PIECE_TROP_DE_FICHIERS.format(nombre=nombre_max), code="nombre")
    valides, erreurs = [], []
    for fichier in fichiers:
        try:
            mime, nom = commun_fichiers.piece_jointe_valider(
                fichier, taille_max=settings.PIECES_FICHIER_TAILLE_MAX
            )
        except ValidationError as erreur:
            erreurs.extend(erreur.messages)
        else:
            valides.append((fichier, mime, nom))
    if erreurs:
        raise ValidationError(erreurs)
    return valides


@transaction.atomic
def piece_deposer(*, famille: Famille, type_piece, fichiers: list, auteur, enfant=None):
    """Enregistre un dépôt (un ou plusieurs fichiers) en attente de vérification.

    La pièce doit être demandée à la famille (ou à cet enfant de la famille). Un dépôt encore en
    attente est remplacé (statut « remplacée », gardé) ; une pièce validée pour plus de
    PIECES_ALERTE_JOURS jours ne se remplace pas. Rien n'est effacé : l'historique reste.
    """
    from django.conf import settings

    from commun.audit import audit_enregistrer
    from familles import selectors
    from familles.models import FichierPiece, PieceJustificative

    Famille.objects.select_for_update().get(pk=famille.pk)  # dépôts d'une famille : un à la fois
    if enfant is not None and enfant.famille_id != famille.pk:
        raise DossierErreur(MESSAGE_PIECE_NON_DEMANDEE)
    etats = selectors.pieces_etat(famille=famille, enfant=enfant, famille_seulement=enfant is None)
    etat = next((e for e in etats if e.type_piece.pk == type_piece.pk), None)
    if etat is None:
        raise DossierErreur(MESSAGE_PIECE_NON_DEMANDEE)
    if not etat.depot_possible:
        raise DossierErreur(
            MESSAGE_PIECE_DEJA_VALIDEE.format(
                date=f"{etat.validee.valide_jusqu_au:%d/%m/%Y}" if etat.validee else "",
                jours=settings.PIECES_ALERTE_JOURS,
            )
        )
    valides = piece_fichiers_valider(list(fichiers))
    PieceJustificative.objects.filter(
        famille=famille, type_piece=type_piece, enfant=enfant, statut=PieceJustificative.Statut.EN_ATTENTE
    ).update(statut=PieceJustificative.Statut.REMPLACEE)
    piece = PieceJustificative.objects.create(
        famille=famille,
        enfant=enfant,
        type_piece=type_piece,
        deposee_par=auteur if getattr(auteur, "pk", None) else None,
    )
    for fichier, mime, nom in valides:
        FichierPiece.objects.create(
            piece=piece, fichier=fichier, nom=nom, type_mime=mime, taille=fichier.size
        )
    audit_enregistrer(
        auteur=auteur,
        famille=famille,
        objet=f"Pièce n° {piece.pk} ({piece})",
        action="Pièce justificative déposée",
        apres={"Fichiers": ", ".join(nom for _f, _m, nom in valides)},
        sensible=type_piece.sanitaire,
    )
    return piece


def _piece_verrouiller(piece, agent):
    from familles.models import PieceJustificative

    # Verrou sur la seule ligne du dépôt (PostgreSQL refuse FOR UPDATE sur une jointure externe).
    piece = (
        PieceJustificative.objects.select_for_update(of=("self",))
        .select_related("type_piece")
        .get(pk=piece.pk)
    )
    if piece.type_piece.sanitaire and not peut_voir_sanitaire(agent):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(MESSAGE_PIECE_PERMISSION_SANITAIRE)
    if piece.statut != PieceJustificative.Statut.EN_ATTENTE:
        raise DossierErreur(MESSAGE_PIECE_DEJA_DECIDEE)
    return piece


@transaction.atomic
def piece_valider(*, piece, agent, valide_jusqu_au):
    """Valide un dépôt en attente jusqu'à une date (aujourd'hui ou plus tard) ; trace l'audit.

    La famille est prévenue par la file de vérification (`demandes.services.piece_accepter`)."""
    from django.utils import timezone

    from commun.audit import audit_enregistrer
    from familles.models import PieceJustificative

    if valide_jusqu_au is None or valide_jusqu_au < timezone.localdate():
        raise DossierErreur(MESSAGE_PIECE_DATE_PASSEE)
    piece = _piece_verrouiller(piece, agent)
    piece.statut = PieceJustificative.Statut.VALIDEE
    piece.valide_jusqu_au = valide_jusqu_au
    piece.motif = ""
    piece.decidee_par = agent
    piece.decidee_le = timezone.now()
    piece.save(update_fields=["statut", "valide_jusqu_au", "motif", "decidee_par", "decidee_le"])
    audit_enregistrer(
        auteur=agent,
        famille=piece.famille,
        objet=f"Pièce n° {piece.pk} ({piece})",
        action="Pièce justificative validée",
        avant={"Statut": "En cours de vérification"},
        apres={"Statut": "Validée", "Valable jusqu'au": f"{valide_jusqu_au:%d/%m/%Y}"},
    )
    return piece


@transaction.atomic
def piece_refuser(*, piece, agent, motif: str):
    """Refuse un dépôt en attente avec un motif (communiqué à la famille) ; trace l'audit."""
    from django.utils import timezone

    from commun.audit import audit_enregistrer
    from familles.models import PieceJustificative

    motif = (motif or "").strip()
    if not motif:
        raise DossierErreur(MESSAGE_PIECE_MOTIF_REQUIS)
    if len(motif) > PIECE_MOTIF_LONGUEUR_MAX:
        raise DossierErreur(
            MESSAGE_PIECE_MOTIF_TROP_LONG.format(longueur=len(motif), maximum=PIECE_MOTIF_LONGUEUR_MAX)
        )
    piece = _piece_verrouiller(piece, agent)
    piece.statut = PieceJustificative.Statut.REFUSEE
    piece.motif = motif
    piece.decidee_par = agent
    piece.decidee_le = timezone.now()
    piece.save(update_fields=["statut", "motif", "decidee_par", "decidee_le"])
    audit_enregistrer(
        auteur=agent,
        famille=piece.famille,
        objet=f"Pièce n° {piece.pk} ({piece})",
        action=f"Pièce justificative refusée : {motif}",
        avant={"Statut": "En cours de vérification"},
        apres={"Statut": "Refusée", "Motif": motif},
    )
    return piece


@transaction.atomic
def texte_version_publier(*, texte, contenu: str, en_vigueur_le, agent):
    """Publie une nouvelle version d'un texte (numéro suivant) ; à partir de sa date, chaque
    famille concernée est invitée à la lire et y répondre de nouveau. Trace l'audit."""
    from commun.audit import audit_enregistrer
    from familles.models import TexteConsentement, VersionTexte

    contenu = (contenu or "").strip()
    if not contenu:
        raise DossierErreur(MESSAGE_VERSION_VIDE)
    texte = TexteConsentement.objects.select_for_update().get(pk=texte.pk)
    dernier = texte.versions.order_by("-numero").values_list("numero", flat=True).first() or 0
    version = VersionTexte.objects.create(
        texte=texte,
        numero=dernier + 1,
        contenu=contenu,
        en_vigueur_le=en_vigueur_le,
        publiee_par=agent if getattr(agent, "pk", None) else None,
    )
    audit_enregistrer(
        auteur=agent,
        famille=None,
        objet=f"Texte « {texte.titre} »",
        action=f"Version {version.numero} publiée",
        apres={"En vigueur à partir du": f"{en_vigueur_le:%d/%m/%Y}"},
    )
    return version


@transaction.atomic
def consentement_donner(*, famille: Famille, version, accepte: bool, utilisateur):
    """La famille répond à une version d'un texte (qui, quand, quelle version : gardé).

    La version doit être la version courante d'un texte demandé à la famille ; un texte qui ne
    se refuse pas (règlement) ne s'enregistre qu'accepté. Trace l'audit.
    """
    from commun.audit import audit_enregistrer
    from familles import selectors
    from familles.models import Consentement

    Famille.objects.select_for_update().get(pk=famille.pk)
    etats = selectors.consentements_etat(famille=famille, texte=version.texte)
    if not etats:
        raise DossierErreur(MESSAGE_PIECE_NON_DEMANDEE)
    if etats[0].version.pk != version.pk:
        raise DossierErreur(MESSAGE_CONSENTEMENT_PERIME)
    if not accepte and not version.texte.refus_possible:
        raise DossierErreur(MESSAGE_CONSENTEMENT_REFUS_IMPOSSIBLE)
    # Le responsable qui répond (chaque parent a son compte) ; un ancien compte sans responsable
    # rattaché est celui du titulaire.
    signataire = utilisateur.get_full_name() or utilisateur.username
    if utilisateur.famille_id == famille.pk:
        responsable = utilisateur.responsable if utilisateur.responsable_id else famille.responsable_principal
        if responsable is not None:
            signataire = responsable.nom_complet
    consentement = Consentement.objects.create(
        famille=famille,
        version=version,
        accepte=accepte,
        utilisateur=utilisateur,
        signataire=f"{signataire} ({utilisateur.username})"[:210],
    )
    audit_enregistrer(
        auteur=utilisateur,
        famille=famille,
        objet=f"{version.texte.titre}, version {version.numero}",
        action="Consentement donné" if accepte else "Consentement refusé",
        apres={"Réponse": "J'accepte" if accepte else "Je refuse"},
    )
    return consentement


def dossier_famille_anonymiser(*, famille: Famille) -> dict:
    """Purge RGPD (`familles_famille_anonymiser`) : efface les pièces justificatives de la famille
    (leurs fichiers une fois la transaction validée) ; garde ses réponses aux textes (quelle
    version, acceptée ou non, quand) sans le nom de la personne."""
    fichiers_supprimer_apres_validation(
        f.fichier for f in FichierPiece.objects.filter(piece__famille=famille).only("fichier")
    )
    nombre_pieces, _ = PieceJustificative.objects.filter(famille=famille).delete()
    Consentement.objects.filter(famille=famille).update(signataire=NOM_ANONYME, utilisateur=None)
    return {"pieces": nombre_pieces}


# --- Préférences de notification (issue 21) ---------------------------------------------


@transaction.atomic
def preferences_notification_enregistrer(*, utilisateur: Utilisateur, actives: set[tuple[str, str]]) -> int:
    """Enregistre les choix d'un compte : chaque (type, canal) coché est actif, les autres non ;
    la fermeture exceptionnelle reste toujours active. Immédiat (pas de demande modérée : ce
    sont les choix du compte, pas la fiche de la famille). Renvoie le nombre de choix écrits.

    Les choix SMS ne sont pas écrits quand le compte ne peut pas en recevoir (famille qui ne les
    autorise pas, pas de mobile valide : `selectors.sms_empechement`) : aucun choix enregistré
    qui ne pourrait pas être tenu, même par un formulaire forgé."""
    canaux = list(PreferenceNotification.Canal.values)
    # Relu dans la transaction, pas celui qu'a gardé l'appelant : l'autorisation ou le mobile ont
    # pu changer depuis (demande acceptée par le CCAS).
    if utilisateur.famille_id is None:  # les pages le garantissent (famille_requise)
        raise ValueError("Ce compte n'est rattaché à aucune famille.")
    famille = Famille.objects.get(pk=utilisateur.famille_id)
    responsable = responsable_du_compte(utilisateur=utilisateur, famille=famille)
    if sms_empechement(responsable=responsable):
        canaux.remove(PreferenceNotification.Canal.SMS)
    lignes = [
        PreferenceNotification(
            utilisateur=utilisateur,
            type=type_,
            canal=canal,
            active=type_ in PreferenceNotification.OBLIGATOIRES or (type_, canal) in actives,
        )
        for type_ in PreferenceNotification.Type.values
        for canal in canaux
    ]
    PreferenceNotification.objects.bulk_create(
        lignes,
        update_conflicts=True,
        unique_fields=["utilisateur", "type", "canal"],
        update_fields=["active"],
    )
    return len(lignes)
