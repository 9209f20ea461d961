"""Formulaires de la fiche enfant (pré-remplis ; rejoués quand un agent accepte la demande).

Planning : réservation d'un jour, d'une période, déclaration d'absence.
"""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from enfants import calendrier
from enfants.models import Autorisations, DonneesSanitaires, Enfant, PersonneAutorisee, Structure
from familles.forms import FicheParDemandeMixin
from familles.validators import telephone_normaliser

MESSAGE_DATE_NAISSANCE_FUTURE = (
    "La date de naissance est dans le futur : cochez « naissance prévue » pour un enfant à naître."
)
MESSAGE_DATE_VACCIN_FUTURE = "La date de vaccination ne peut pas être dans le futur."
JOURS = [
    ("lundi", "Lundi"),
    ("mardi", "Mardi"),
    ("mercredi", "Mercredi"),
    ("jeudi", "Jeudi"),
    ("vendredi", "Vendredi"),
]


def _pas_dans_le_futur(date, message):
    if date > datetime.date.today():
        raise ValidationError(message)
    return date


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class EnfantInformationsForm(FicheParDemandeMixin, forms.ModelForm):
    class Meta:
        model = Enfant
        fields = ("nom", "prenom", "date_naissance", "ecole", "classe")
        labels = {
            "nom": "Nom",
            "prenom": "Prénom",
            "date_naissance": "Date de naissance",
            "ecole": "École",
            "classe": "Classe",
        }
        widgets = {"date_naissance": _DateInput()}

    def clean_date_naissance(self):
        return _pas_dans_le_futur(self.cleaned_data["date_naissance"], MESSAGE_DATE_NAISSANCE_FUTURE)


class LunettesForm(FicheParDemandeMixin, forms.ModelForm):
    class Meta:
        model = Enfant
        fields = ("port_lunettes", "lunettes_precisions")
        labels = {
            "port_lunettes": "Mon enfant porte des lunettes",
            "lunettes_precisions": "Précisions (en permanence, pour lire…)",
        }


class AutorisationsForm(FicheParDemandeMixin, forms.ModelForm):
    class Meta:
        model = Autorisations
        fields = ("photo", "sorties", "soins_urgence", "rentrer_seul", "transport")
        labels = {
            "photo": "J'autorise les photos de mon enfant (droit à l'image)",
            "sorties": "J'autorise les sorties hors de la structure",
            "soins_urgence": "J'autorise les soins d'urgence et l'hospitalisation",
            "rentrer_seul": "J'autorise mon enfant à rentrer seul",
            "transport": "J'autorise le transport en car",
        }


# Les textes libres des données sanitaires : une limite, vérifiée par le serveur.
LONGUEUR_TEXTE_SANITAIRE = 2000


def _texte_sanitaire(label):
    return forms.CharField(
        label=label,
        required=False,
        max_length=LONGUEUR_TEXTE_SANITAIRE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DonneesSanitairesForm(FicheParDemandeMixin, forms.ModelForm):
    allergies = _texte_sanitaire("Allergies")
    pai_protocole = _texte_sanitaire("Protocole du PAI")
    remarques = _texte_sanitaire("Remarques")

    class Meta:
        model = DonneesSanitaires
        fields = (
            "medecin_traitant",
            "medecin_telephone",
            "allergies",
            "regime_alimentaire",
            "pai",
            "pai_protocole",
            "remarques",
        )
        labels = {
            "medecin_traitant": "Médecin traitant",
            "medecin_telephone": "Téléphone du médecin",
            "regime_alimentaire": "Régime alimentaire",
            "pai": "Mon enfant a un PAI (projet d'accueil individualisé)",
        }

    def clean_medecin_telephone(self):
        return telephone_normaliser(self.cleaned_data.get("medecin_telephone", ""))

    def clean(self):
        donnees = super().clean()
        if donnees.get("pai") and not (donnees.get("pai_protocole") or "").strip():
            self.add_error("pai_protocole", "Décrivez le protocole du PAI (ou décochez « PAI »).")
        return donnees


class VaccinationForm(forms.Form):
    vaccin = forms.CharField(label="Vaccin", max_length=100)
    date = forms.DateField(label="Date de la vaccination", widget=_DateInput())

    def clean_date(self):
        return _pas_dans_le_futur(self.cleaned_data["date"], MESSAGE_DATE_VACCIN_FUTURE)


class PersonneAutoriseeForm(FicheParDemandeMixin, forms.ModelForm):
    class Meta:
        model = PersonneAutorisee
        fields = ("nom", "prenom", "lien", "telephone")
        labels = {
            "nom": "Nom",
            "prenom": "Prénom",
            "lien": "Lien avec l'enfant (grand-mère, voisin…)",
            "telephone": "Téléphone",
        }
        widgets = {"telephone": forms.TextInput(attrs={"type": "tel"})}

    def clean_telephone(self):
        return telephone_normaliser(self.cleaned_data.get("telephone", ""))


class PersonneRetraitForm(forms.Form):
    personne = forms.ModelChoiceField(
        label="Personne à retirer",
        queryset=PersonneAutorisee.objects.none(),
        error_messages={"invalid_choice": "Cette personne n'est plus dans la liste de l'enfant."},
    )

    def __init__(self, *args, enfant=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enfant is not None:
            self.fields["personne"].queryset = PersonneAutorisee.objects.filter(enfant=enfant)


class NouvelEnfantForm(forms.Form):
    nom = forms.CharField(label="Nom", max_length=100)
    prenom = forms.CharField(label="Prénom", max_length=100)
    date_naissance = forms.DateField(label="Date de naissance (ou date prévue)", widget=_DateInput())
    naissance_prevue = forms.BooleanField(label="Naissance prévue (enfant à naître)", required=False)
    structure = forms.ModelChoiceField(
        label="Structure souhaitée", queryset=Structure.objects.all(), empty_label="— Choisir —"
    )
    date_debut = forms.DateField(label="Date de début souhaitée", widget=_DateInput())
    jours = forms.MultipleChoiceField(
        label="Jours souhaités", choices=JOURS, widget=forms.CheckboxSelectMultiple, required=False
    )
    remarques = forms.CharField(
        label="Remarques", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def clean(self):
        donnees = super().clean()
        date, prevue = donnees.get("date_naissance"), donnees.get("naissance_prevue")
        # Une date prévue peut être passée quand l'agent accepte : l'enfant est né entre-temps.
        if date and not prevue and date > datetime.date.today():
            self.add_error("date_naissance", MESSAGE_DATE_NAISSANCE_FUTURE)
        return donnees


# --- Planning ---

CERTIFICAT_TYPE = "Le certificat doit être un fichier PDF, JPEG ou PNG."
CERTIFICAT_TROP_GROS = "Le certificat dépasse la taille maximale de {taille} Mo."
CERTIFICAT_VIDE = "Le certificat est vide."

# Signatures (« nombres magiques ») des formats acceptés : le contenu fait foi, pas le nom.
SIGNATURES = {
    b"%PDF-": ".pdf",
    b"\xff\xd8\xff": ".jpg",
    b"\x89PNG\r\n\x1a\n": ".png",
}
JOURS_SEMAINE = [(str(i), nom.capitalize()) for i, nom in enumerate(calendrier.JOURS)]


def certificat_valider(fichier):
    """Vérifie taille et contenu d'un certificat ; renvoie le fichier renommé proprement."""
    taille_max = settings.CERTIFICAT_TAILLE_MAX
    if fichier.size == 0:
        raise ValidationError(CERTIFICAT_VIDE, code="vide")
    if fichier.size > taille_max:
        raise ValidationError(
            CERTIFICAT_TROP_GROS.format(taille=taille_max // (1024 * 1024) or 1), code="taille"
        )
    fichier.seek(0)
    debut = fichier.read(16)
    fichier.seek(0)
    for signature, extension in SIGNATURES.items():
        if debut.startswith(signature):
            # Nom neutre : le nom envoyé par le navigateur n'est jamais réutilisé.
            fichier.name = f"certificat{extension}"
            return fichier
    raise ValidationError(CERTIFICAT_TYPE, code="type")


class DateWidget(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReservationForm(forms.Form):
    date = forms.DateField(label="Jour", widget=DateWidget())
    liste_attente = forms.BooleanField(
        label="Si l'activité est complète, m'inscrire sur la liste d'attente", required=False
    )


class AbsenceForm(forms.Form):
    date = forms.DateField(label="Jour", widget=DateWidget())
    # Le jour pour lequel la page a prévenu « hors délai : facturée sauf certificat » (voir
    # `views_planning.absence_declarer`) : sans lui, une absence facturée n'est pas enregistrée.
    avertissement_vu = forms.DateField(required=False, widget=forms.HiddenInput())
    motif = forms.CharField(label="Motif de l'absence", max_length=300)
    certificat = forms.FileField(
        label="Certificat médical (facultatif)",
        required=False,
        help_text="PDF, JPEG ou PNG, 5 Mo au plus. Il justifie une absence déclarée hors délai.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def clean_certificat(self):
        fichier = self.cleaned_data.get("certificat")
        if fichier:
            return certificat_valider(fichier)
        return None


JOURS_TROP = "Cochez au plus {n} jours à la fois."
JOURS_INVALIDE = "Un des jours cochés n'est pas une date valide."
JOURS_MAX = 62


class ListeDatesField(forms.Field):
    """Plusieurs jours (cases « jours » cochées, valeurs AAAA-MM-JJ), triés et sans doublon."""

    widget = forms.SelectMultiple
    default_error_messages = {"invalid": JOURS_INVALIDE}

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            jours = sorted({datetime.date.fromisoformat(str(v)) for v in value})
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if len(jours) > JOURS_MAX:
            raise ValidationError(JOURS_TROP.format(n=JOURS_MAX), code="trop")
        return jours


class JoursForm(forms.Form):
    """Les jours cochés d'une activité dans la vue téléphone du planning."""

    # Aucun jour coché n'est pas une erreur : rien n'est demandé (la page le dit).
    jours = ListeDatesField(label="Jours à réserver", required=False)
    liste_attente = forms.BooleanField(
        label="Si l'activité est complète, m'inscrire sur la liste d'attente", required=False
    )


class PeriodeForm(forms.Form):
    date_debut = forms.DateField(label="Du", widget=DateWidget())
    date_fin = forms.DateField(
        label="Au", widget=DateWidget(), help_text="Par défaut : la veille des prochaines vacances scolaires."
    )
    jours = forms.MultipleChoiceField(
        label="Jours de la semaine", choices=JOURS_SEMAINE, widget=forms.CheckboxSelectMultiple
    )
    liste_attente = forms.BooleanField(
        label="Si l'activité est complète, m'inscrire sur la liste d'attente", required=False
    )

    def clean(self):
        donnees = super().clean()
        debut, fin = donnees.get("date_debut"), donnees.get("date_fin")
        if debut and fin:
            if fin < debut:
                self.add_error("date_fin", "La date de fin doit suivre la date de début.")
            elif fin - debut > datetime.timedelta(days=366):
                self.add_error("date_fin", "Une période ne peut pas dépasser un an.")
        return donnees


class _ChoixReservation(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return (
            f"{obj.inscription.enfant.prenom} {obj.inscription.enfant.nom} — "
            f"{obj.inscription.activite.nom} — {calendrier.date_longue(obj.date)}"
        )


class _ChoixAbsence(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        texte = (
            f"{obj.inscription.enfant.prenom} {obj.inscription.enfant.nom} — "
            f"{obj.inscription.activite.nom} — {calendrier.date_longue(obj.date)} — "
            f"motif : {obj.motif}"
        )
        if obj.hors_delai:
            texte += " — déclarée hors délai"
        texte += " — certificat médical joint" if obj.certificat else " — sans certificat"
        return texte


class ReservationDecisionForm(forms.Form):
    """La demande de réservation en attente de décision (file de modération, type « reservation »).

    Rejoué à la décision : la réservation doit être encore en attente pour cet enfant.
    """

    reservation = _ChoixReservation(label="Réservation", queryset=None)

    def __init__(self, *args, enfant=None, **kwargs):
        from enfants.models import Reservation

        super().__init__(*args, **kwargs)
        self.fields["reservation"].queryset = Reservation.objects.filter(
            inscription__enfant=enfant,
            etat__in=[Reservation.Etat.EN_COURS, Reservation.Etat.EN_ATTENTE, Reservation.Etat.PROPOSEE],
        ).select_related("inscription__enfant", "inscription__activite")


class AbsenceDecisionForm(forms.Form):
    """La déclaration d'absence en attente de décision (file de modération, type « absence »)."""

    absence = _ChoixAbsence(label="Absence", queryset=None)

    def __init__(self, *args, enfant=None, **kwargs):
        from enfants.models import Absence

        super().__init__(*args, **kwargs)
        self.fields["absence"].queryset = Absence.objects.filter(
            inscription__enfant=enfant,
            etat=Absence.Etat.EN_COURS,
        ).select_related("inscription__enfant", "inscription__activite")


class PropositionForm(forms.Form):
    """La réponse de la famille à une place proposée (liste d'attente) : deux boutons."""

    ACCEPTER, REFUSER = "accepter", "refuser"
    reponse = forms.ChoiceField(
        label="Votre réponse",
        choices=[(ACCEPTER, "J'accepte la place"), (REFUSER, "Je refuse la place")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez d'accepter ou de refuser la place.",
            "invalid_choice": "Choisissez d'accepter ou de refuser la place.",
        },
    )
