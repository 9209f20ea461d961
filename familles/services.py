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

from commun.anonymisation import NOM_ANONYME
from commun.modifier import modele_modifier_audite
from familles.models import Famille, Responsable, Utilisateur
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


@transaction.atomic
def compte_famille_creer(
    *,
    famille: Famille,
    identifiant: str,
    email: str = "",
    envoyer_activation: bool = False,
    auteur=None,
) -> tuple[Utilisateur, str | None]:
    """Crée le compte de connexion d'une famille (jamais un compte du personnel) ; trace l'audit.

    Soit un courriel d'activation est envoyé (après validation de la transaction), soit un mot
    de passe temporaire est renvoyé, que le parent devra changer à sa première connexion.
    """
    from commun.audit import audit_enregistrer

    utilisateur = Utilisateur(username=identifiant, email=email, famille=famille)
    principal = famille.responsable_principal
    if principal is not None:
        utilisateur.first_name = principal.prenom
        utilisateur.last_name = principal.nom
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
    audit_enregistrer(
        auteur=auteur,
        famille=famille,
        objet=compte_objet_audit(utilisateur),
        action="Compte de connexion créé",
        apres={
            "Identifiant": utilisateur.username,
            "Email": email,
            "Premier mot de passe": (
                "courriel d'activation" if envoyer_activation else "mot de passe temporaire"
            ),
        },
    )
    return utilisateur, temporaire


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
    for compte in comptes:
        compte.set_unusable_password()
        compte.username = f"anonyme-{compte.pk}"
        compte.email = compte.first_name = compte.last_name = ""
        compte.is_active = False
        compte.save()
    return {"comptes": len(comptes)}
