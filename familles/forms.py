"""Formulaires des informations de la famille (pré-remplis avec les valeurs actuelles).

Ils servent deux fois : quand le parent demande une modification, et quand un agent l'accepte
(la demande est revalidée contre la fiche du moment).
"""

from django import forms
from django.core.exceptions import ValidationError

from familles import services, validators
from familles.models import Famille, Responsable

MESSAGE_MANDAT_SEPA = "Pour passer au prélèvement automatique, cochez la case d'acceptation du mandat SEPA."
MESSAGE_IBAN_REQUIS = "Le prélèvement automatique demande un IBAN."
TEXTE_MANDAT_SEPA = (
    "En signant ce formulaire de mandat, vous autorisez le CCAS à envoyer des instructions à "
    "votre banque pour débiter votre compte, et votre banque à débiter votre compte conformément "
    "aux instructions du CCAS. Vous bénéficiez du droit d'être remboursé par votre banque selon "
    "les conditions décrites dans la convention que vous avez passée avec elle. Une demande de "
    "remboursement doit être présentée dans les 8 semaines suivant la date de débit de votre "
    "compte pour un prélèvement autorisé."
)


class FicheParDemandeMixin:
    """Un formulaire de fiche que la demande porte : il n'enregistre rien lui-même, l'unicité
    (le couple famille/rôle d'un responsable) est garantie par le service qui applique."""


class SituationAccordeeMixin:
    """Les libellés de « Situation » s'accordent avec la civilité saisie (sinon celle de la
    fiche) : « Mariée », « Séparée »… pour une Madame."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        champ = self.fields.get("situation")
        if champ is None:
            return
        if self.is_bound:
            civilite = self.data.get(self.add_prefix("civilite"), "")
        else:
            civilite = self.get_initial_for_field(self.fields["civilite"], "civilite")
        vide = [choix for choix in champ.choices if choix[0] == ""]
        champ.choices = vide + Responsable.situations(civilite)


class ResponsableForm(SituationAccordeeMixin, FicheParDemandeMixin, forms.ModelForm):
    class Meta:
        model = Responsable
        fields = services.CHAMPS_RESPONSABLE
        labels = {
            "civilite": "Civilité",
            "nom": "Nom",
            "prenom": "Prénom",
            "qualite": "Qualité",
            "situation": "Situation",
            "adresse": "Adresse",
            "code_postal": "Code postal",
            "ville": "Ville",
            "telephone_domicile": "Téléphone domicile",
            "telephone_professionnel": "Téléphone prof.",
            "telephone_mobile": "Mobile",
            "email": "Email",
            "profession": "Profession",
            "csp": "CSP",
            "employeur": "Employeur",
            "adresse_employeur": "Adresse employeur",
            "autorisation_courriel": "Autorisation courriel",
            "autorisation_sms": "Autorisation SMS",
        }
        widgets = {
            "code_postal": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
            "telephone_domicile": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "telephone_professionnel": forms.TextInput(attrs={"type": "tel"}),
            "telephone_mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["invalid"] = "Saisissez une adresse email valide."

    def clean_code_postal(self):
        valeur = self.cleaned_data["code_postal"].strip()
        validators.code_postal_valider(valeur)
        return valeur

    def _telephone(self, champ):
        return validators.telephone_normaliser(self.cleaned_data.get(champ, ""))

    def clean_telephone_domicile(self):
        return self._telephone("telephone_domicile")

    def clean_telephone_professionnel(self):
        return self._telephone("telephone_professionnel")

    def clean_telephone_mobile(self):
        return self._telephone("telephone_mobile")


class FiscalesForm(FicheParDemandeMixin, forms.ModelForm):
    class Meta:
        model = Famille
        fields = services.CHAMPS_FISCALES
        labels = {
            "revenu_fiscal_reference": "Revenu fiscal de référence (€)",
            "nombre_parts": "Nombre de parts",
            "annee_fiscale": "Année des revenus",
        }

    def clean_annee_fiscale(self):
        annee = self.cleaned_data.get("annee_fiscale")
        if annee is not None and not 1990 <= annee <= 2100:
            raise ValidationError("Saisissez une année sur 4 chiffres, par exemple 2025.")
        return annee


class CafForm(FicheParDemandeMixin, forms.ModelForm):
    class Meta:
        model = Famille
        fields = services.CHAMPS_CAF
        labels = {
            "regime": "Régime",
            "numero_allocataire": "N° allocataire",
            "quotient_familial": "Quotient familial",
        }

    def clean_numero_allocataire(self):
        valeur = self.cleaned_data["numero_allocataire"].strip()
        if valeur and not valeur.isdigit():
            raise ValidationError("Le N° allocataire ne contient que des chiffres.")
        return valeur


class BancairesForm(FicheParDemandeMixin, forms.ModelForm):
    consentement_sepa = forms.BooleanField(
        label="J'accepte le mandat de prélèvement SEPA ci-dessus", required=False
    )

    # Champ hors fiche gardé dans la demande : le consentement au mandat.
    champs_annexes = ("consentement_sepa",)
    texte_mandat = TEXTE_MANDAT_SEPA

    class Meta:
        model = Famille
        fields = services.CHAMPS_BANCAIRES
        labels = {
            "titulaire_compte": "Titulaire du compte",
            "iban": "IBAN",
            "bic": "BIC",
            "banque": "Nom de la banque",
            "prelevement_automatique": "Je demande le prélèvement automatique",
        }
        widgets = {"iban": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})}

    def clean_iban(self):
        return validators.iban_normaliser(self.cleaned_data.get("iban", ""))

    def clean_bic(self):
        return validators.bic_normaliser(self.cleaned_data.get("bic", ""))

    def clean(self):
        donnees = super().clean()
        passe_au_prelevement = donnees.get("prelevement_automatique") and not self.initial.get(
            "prelevement_automatique"
        )
        if passe_au_prelevement:
            if not donnees.get("consentement_sepa"):
                self.add_error("consentement_sepa", MESSAGE_MANDAT_SEPA)
            if not donnees.get("iban") and "iban" not in self.errors:
                self.add_error("iban", MESSAGE_IBAN_REQUIS)
        return donnees


# --- Dossier annuel : dépôt d'une pièce, réponse à un texte --------------------------------

ACCEPT_PIECES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
AIDE_PIECE_FICHIERS = (
    "PDF, JPEG ou PNG ; plusieurs fichiers si la pièce a plusieurs pages ({nombre} au plus, "
    "{taille} Mo chacun au plus)."
)
AIDE_PIECE_PHOTOS = "Sur un téléphone : photographiez chaque page, à plat et en pleine lumière."
MESSAGE_CONSENTEMENT_A_COCHER = "Cochez la case pour confirmer que vous avez lu et acceptez ce texte."
MESSAGE_CONSENTEMENT_CHOIX = "Choisissez « J'accepte » ou « Je refuse »."


class _FichiersMultiplesInput(forms.FileInput):
    allow_multiple_selected = True


class _FichiersMultiplesField(forms.FileField):
    """Plusieurs fichiers dans un même champ (recette de la documentation de Django)."""

    def clean(self, data, initial=None):
        nettoyer = super().clean
        if isinstance(data, list | tuple):
            return [nettoyer(d, initial) for d in data if d]
        return [nettoyer(data, initial)] if data else []


# Un appareil photo ouvert par `capture` ne prend qu'une photo par champ (Android, iOS) : un
# champ par page photographiée.
PHOTOS_NOMBRE = 3


class PieceDepotForm(forms.Form):
    """Les pages d'une pièce : des fichiers choisis, ou des photos prises avec le téléphone."""

    fichiers = _FichiersMultiplesField(
        label="Fichiers",
        required=False,
        widget=_FichiersMultiplesInput(attrs={"accept": ACCEPT_PIECES}),
    )

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["fichiers"].help_text = AIDE_PIECE_FICHIERS.format(
            nombre=settings.PIECES_FICHIERS_NOMBRE_MAX,
            taille=settings.PIECES_FICHIER_TAILLE_MAX // (1024 * 1024),
        )
        for numero in range(1, PHOTOS_NOMBRE + 1):
            self.fields[f"photo_{numero}"] = forms.FileField(
                label=f"Ou photographier la page {numero}",
                required=False,
                help_text=AIDE_PIECE_PHOTOS if numero == 1 else "",
                # `capture` : l'appareil photo du téléphone s'ouvre directement (sans effet sur
                # un ordinateur, qui propose de choisir un fichier).
                widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
            )

    def clean(self):
        from familles.services import piece_fichiers_valider

        donnees = super().clean()
        if self.errors:
            return donnees
        tous = list(donnees.get("fichiers") or [])
        tous += [donnees[f"photo_{n}"] for n in range(1, PHOTOS_NOMBRE + 1) if donnees.get(f"photo_{n}")]
        try:
            piece_fichiers_valider(tous)
        except ValidationError as erreur:
            self.add_error("fichiers", erreur)
        donnees["tous_les_fichiers"] = tous
        return donnees


class ConsentementForm(forms.Form):
    """« J'ai lu et j'accepte » (règlement) ; ou « J'accepte » / « Je refuse » (consentement libre)."""

    def __init__(self, *args, refus_possible: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.refus_possible = refus_possible
        if refus_possible:
            self.fields["reponse"] = forms.ChoiceField(
                label="Votre réponse",
                choices=[("oui", "J'accepte"), ("non", "Je refuse")],
                widget=forms.RadioSelect,
                error_messages={"required": MESSAGE_CONSENTEMENT_CHOIX},
            )
        else:
            self.fields["reponse"] = forms.BooleanField(
                label="J'ai lu ce texte et je l'accepte",
                error_messages={"required": MESSAGE_CONSENTEMENT_A_COCHER},
            )

    @property
    def accepte(self) -> bool:
        reponse = self.cleaned_data["reponse"]
        return reponse == "oui" if self.refus_possible else bool(reponse)


class PreferencesNotificationForm(forms.Form):
    """« Mes notifications » : une case par sorte de notification et par canal (cases à cocher
    seulement : aucune saisie n'est refusée). La fermeture exceptionnelle est toujours cochée.

    `sms_empechement` (familles.selectors) : pourquoi le compte ne peut pas recevoir de SMS ; les
    cases SMS sont alors désactivées et décochées, et une case SMS cochée dans un envoi forgé
    est ignorée (champ désactivé : Django garde la valeur initiale, False)."""

    def __init__(self, *args, preferences: dict | None = None, sms_empechement: str = "", **kwargs):
        from familles.models import PreferenceNotification

        super().__init__(*args, **kwargs)
        self.sms_empechement = sms_empechement
        self.lignes = []
        for type_, libelle in PreferenceNotification.Type.choices:
            cases = []
            for canal, nom_canal in PreferenceNotification.Canal.choices:
                nom = f"{type_}__{canal}"
                obligatoire = type_ in PreferenceNotification.OBLIGATOIRES
                impossible = canal == PreferenceNotification.Canal.SMS and bool(sms_empechement)
                self.fields[nom] = forms.BooleanField(
                    label=f"{libelle} — {nom_canal}",
                    required=False,
                    initial=False
                    if impossible
                    else PreferenceNotification.choix(preferences or {}, type_, canal),
                    disabled=obligatoire or impossible,
                )
                cases.append(nom)
            self.lignes.append((type_, libelle, cases))

    @property
    def actives(self) -> set[tuple[str, str]]:
        return {tuple(nom.split("__")) for nom, valeur in self.cleaned_data.items() if valeur}  # type: ignore[misc]
