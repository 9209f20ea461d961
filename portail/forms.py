from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxLengthValidator
from django.forms.renderers import DjangoTemplates


class RenduFormulaires(DjangoTemplates):
    """Le rendu des champs de tous les formulaires (portail et administration) : sans l'attribut
    HTML `maxlength`, qui fait couper en silence par le navigateur un texte collé trop long.
    La limite reste vérifiée par le serveur, qui refuse le texte avec un message et le réaffiche
    en entier pour que la personne le raccourcisse (rien n'est perdu ni tronqué)."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if isinstance(widget, dict) and "maxlength" in widget.get("attrs", {}):
            widget["attrs"] = {k: v for k, v in widget["attrs"].items() if k != "maxlength"}
        return super().render(template_name, context, request=request)


MESSAGE_CONNEXION_INVALIDE = (
    "Identifiant ou mot de passe incorrect. Vérifiez votre saisie "
    "(les majuscules comptent) ou utilisez « Mot de passe oublié ? »."
)
MESSAGE_NOUVEAU_IDENTIQUE = "Le nouveau mot de passe doit être différent de votre mot de passe actuel."
MESSAGE_CONFIRMATION_DIFFERENTE = "Les deux mots de passe ne sont pas identiques."
MESSAGE_ANCIEN_INCORRECT = "Votre mot de passe actuel est incorrect."

# Les critères affichés avant la saisie : un par règle qui peut refuser le mot de passe (les
# validateurs de AUTH_PASSWORD_VALIDATORS), dans l'ordre du guide des familles.
CRITERES_PAR_VALIDATEUR = {
    "MinimumLengthValidator": lambda v: [f"{v.min_length} caractères minimum"],
    "ComplexiteValidator": lambda v: [
        "Au moins 1 majuscule",
        "Au moins 1 minuscule",
        "Au moins 1 caractère numérique",
    ],
    "NumericPasswordValidator": lambda v: ["Pas uniquement des chiffres"],
    "CommonPasswordValidator": lambda v: ["Pas un mot de passe trop courant (comme « Azerty123 »)"],
    "UserAttributeSimilarityValidator": lambda v: [
        "Pas trop proche de votre identifiant, de vos nom et prénom ou de votre adresse email"
    ],
}
CRITERE_DIFFERENT = "Différent de votre mot de passe actuel"


def criteres_mot_de_passe() -> list[str]:
    """Les critères de chaque validateur configuré ; un validateur sans critère affiché est une
    erreur de configuration (le parent serait refusé pour une règle qu'on ne lui a pas dite)."""
    ordre = list(CRITERES_PAR_VALIDATEUR)
    criteres = []
    validateurs = sorted(
        password_validation.get_default_password_validators(),
        key=lambda v: ordre.index(type(v).__name__) if type(v).__name__ in ordre else len(ordre),
    )
    for validateur in validateurs:
        nom = type(validateur).__name__
        if nom not in CRITERES_PAR_VALIDATEUR:
            raise ImproperlyConfigured(
                f"Le validateur de mot de passe {nom} n'a pas de critère affiché : ajoutez-le à "
                "portail.forms.CRITERES_PAR_VALIDATEUR."
            )
        criteres.extend(CRITERES_PAR_VALIDATEUR[nom](validateur))
    return criteres


class ConnexionForm(AuthenticationForm):
    error_messages = {
        "invalid_login": MESSAGE_CONNEXION_INVALIDE,
        "inactive": MESSAGE_CONNEXION_INVALIDE,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Identifiant"
        # Le champ n'a qu'un maxlength HTML : on refuse aussi côté serveur, sans authentifier.
        self.fields["username"].validators.append(MaxLengthValidator(150))
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password"].label = "Mot de passe"


class NouveauMotDePasseForm(forms.Form):
    """Choisir un nouveau mot de passe (règles du guide et validateurs de Django)."""

    nouveau_mot_de_passe = forms.CharField(
        label="Nouveau mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Il respecte tous les critères ci-dessus. Une longue phrase de passe est bienvenue.",
    )
    confirmation = forms.CharField(
        label="Confirmation du nouveau mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    # Même signature que SetPasswordForm : PasswordResetConfirmView l'utilise tel quel.
    def __init__(self, user, *args, **kwargs):
        self.utilisateur = user
        super().__init__(*args, **kwargs)

    @property
    def criteres(self) -> list[str]:
        """Les critères affichés avant la saisie : toutes les règles qui peuvent refuser."""
        criteres = criteres_mot_de_passe()
        if self.utilisateur is not None and self.utilisateur.has_usable_password():
            criteres.append(CRITERE_DIFFERENT)
        return criteres

    def clean(self):
        donnees = super().clean()
        nouveau = donnees.get("nouveau_mot_de_passe")
        confirmation = donnees.get("confirmation")
        if nouveau and confirmation and nouveau != confirmation:
            self.add_error("confirmation", MESSAGE_CONFIRMATION_DIFFERENTE)
            return donnees
        if nouveau:
            if self.utilisateur.has_usable_password() and self.utilisateur.check_password(nouveau):
                self.add_error("nouveau_mot_de_passe", MESSAGE_NOUVEAU_IDENTIQUE)
                return donnees
            try:
                password_validation.validate_password(nouveau, self.utilisateur)
            except forms.ValidationError as erreur:
                self.add_error("nouveau_mot_de_passe", erreur)
        return donnees

    def save(self, commit=True):
        from familles.services import mot_de_passe_changer

        return mot_de_passe_changer(
            utilisateur=self.utilisateur, nouveau=self.cleaned_data["nouveau_mot_de_passe"]
        )


class ChangementMotDePasseForm(NouveauMotDePasseForm):
    """Changer son mot de passe depuis le cadenas : l'ancien est demandé."""

    field_order = ["ancien_mot_de_passe", "nouveau_mot_de_passe", "confirmation"]

    ancien_mot_de_passe = forms.CharField(
        label="Mot de passe actuel",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_ancien_mot_de_passe(self):
        ancien = self.cleaned_data["ancien_mot_de_passe"]
        if not self.utilisateur.check_password(ancien):
            raise forms.ValidationError(MESSAGE_ANCIEN_INCORRECT)
        return ancien


class MotDePasseOublieForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Adresse email"
        self.fields["email"].help_text = "L'adresse email connue du CCAS pour votre compte famille."
