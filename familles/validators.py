"""Règles de mot de passe du guide : au moins une majuscule, une minuscule et un chiffre."""

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
        return _(
            "Votre mot de passe doit contenir au moins une majuscule, une minuscule et un chiffre."
        )
