"""Règles de mot de passe du guide : au moins une majuscule, une minuscule et un chiffre."""

import functools

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MESSAGE_MAJUSCULE = "Le mot de passe doit contenir au moins une majuscule."
MESSAGE_MINUSCULE = "Le mot de passe doit contenir au moins une minuscule."
MESSAGE_CHIFFRE = "Le mot de passe doit contenir au moins un chiffre."


class ComplexiteValidator:
    """Au moins 1 majuscule, 1 minuscule et 1 caractère numérique (la longueur : MinimumLength)."""

    def validate(self, password, user=None):
        erreurs = []
        if not any(c.isupper() for c in password):
            erreurs.append(ValidationError(_(MESSAGE_MAJUSCULE), code="sans_majuscule"))
        if not any(c.islower() for c in password):
            erreurs.append(ValidationError(_(MESSAGE_MINUSCULE), code="sans_minuscule"))
        if not any(c.isdigit() for c in password):
            erreurs.append(ValidationError(_(MESSAGE_CHIFFRE), code="sans_chiffre"))
        if erreurs:
            raise ValidationError(erreurs)

    def get_help_text(self):
        return _("Votre mot de passe doit contenir au moins une majuscule, une minuscule et un chiffre.")


# Coordonnées : téléphone, code postal, IBAN et BIC (bibliothèques spécialisées).
MESSAGE_TELEPHONE = "Saisissez un numéro de téléphone français valide, par exemple 02 37 18 01 80."
MESSAGE_CODE_POSTAL = "Le code postal compte 5 chiffres et doit exister en France (ex. 28300)."
MESSAGE_IBAN = "Cet IBAN n'est pas valide : vérifiez chaque caractère (clé de contrôle incorrecte)."
MESSAGE_BIC = "Ce BIC n'est pas valide (8 ou 11 caractères, ex. CCBPFRPPTRS)."

# Codes postaux : départements 01 à 95 (Corse : 20), outre-mer 971 à 976, Monaco 98000.
_CODE_POSTAL = r"^(?:0[1-9]|[1-8]\d|9[0-5])\d{3}$|^97[1-6]\d{2}$|^98000$"


def telephone_normaliser(valeur: str) -> str:
    """Valide un numéro français et le rend au format national « 02 37 18 01 80 »."""
    import phonenumbers

    valeur = (valeur or "").strip()
    if not valeur:
        return ""
    try:
        numero = phonenumbers.parse(valeur, "FR")
    except phonenumbers.NumberParseException as erreur:
        raise ValidationError(MESSAGE_TELEPHONE, code="telephone") from erreur
    if not phonenumbers.is_valid_number(numero):
        raise ValidationError(MESSAGE_TELEPHONE, code="telephone")
    if numero.country_code == 33:
        return phonenumbers.format_number(numero, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(numero, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@functools.lru_cache(maxsize=4096)
def mobile_e164(numero: str) -> str | None:
    """Le numéro au format E.164 (« +33612345678 ») s'il est un mobile français valide, sinon
    None (fixe, numéro incomplet ou étranger : pas de SMS). Seule règle de ce qui peut recevoir un
    SMS : l'envoi (messagerie.sms) et « Mes notifications » la lisent ici. Gardée en mémoire : un
    envoi en masse la demande deux fois par destinataire (coordonnées, puis `sms_empechement`),
    et l'analyse par phonenumbers est le plus coûteux des deux."""
    import phonenumbers

    if not numero:
        return None
    try:
        analyse = phonenumbers.parse(numero, "FR")
    except phonenumbers.NumberParseException:
        return None
    if analyse.country_code != 33 or not phonenumbers.is_valid_number(analyse):
        return None
    if phonenumbers.number_type(analyse) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    return phonenumbers.format_number(analyse, phonenumbers.PhoneNumberFormat.E164)


def code_postal_valider(valeur: str) -> None:
    import re

    if valeur and not re.match(_CODE_POSTAL, valeur):
        raise ValidationError(MESSAGE_CODE_POSTAL, code="code_postal")


def iban_normaliser(valeur: str) -> str:
    """Valide l'IBAN (longueur du pays et clé de contrôle) ; le rend compact, en majuscules."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    valeur = (valeur or "").strip()
    if not valeur:
        return ""
    try:
        return IBAN(valeur).compact
    except (SchwiftyException, ValueError) as erreur:
        raise ValidationError(MESSAGE_IBAN, code="iban") from erreur


def bic_normaliser(valeur: str) -> str:
    from schwifty import BIC
    from schwifty.exceptions import SchwiftyException

    valeur = (valeur or "").strip().replace(" ", "").upper()
    if not valeur:
        return ""
    try:
        return BIC(valeur, allow_invalid=False).compact
    except (SchwiftyException, ValueError) as erreur:
        raise ValidationError(MESSAGE_BIC, code="bic") from erreur


def iban_masquer(valeur: str) -> str:
    """« FR7630006000011234567890189 » → « FR76 •••• 0189 » (affichage côté parent)."""
    valeur = (valeur or "").replace(" ", "")
    if len(valeur) < 8:
        return valeur
    return f"{valeur[:4]} •••• {valeur[-4:]}"
