"""Formulaires du planning : réservation d'un jour, d'une période, déclaration d'absence."""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from enfants import calendrier

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
            CERTIFICAT_TROP_GROS.format(taille=taille_max // (1024 * 1024) or 1), code="taille")
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
        label="Si l'activité est complète, m'inscrire sur la liste d'attente", required=False)


class AbsenceForm(forms.Form):
    date = forms.DateField(label="Jour", widget=DateWidget())
    motif = forms.CharField(label="Motif de l'absence", max_length=300)
    certificat = forms.FileField(
        label="Certificat médical (facultatif)", required=False,
        help_text="PDF, JPEG ou PNG, 5 Mo au plus. Il justifie une absence déclarée hors délai.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def clean_certificat(self):
        fichier = self.cleaned_data.get("certificat")
        if fichier:
            return certificat_valider(fichier)
        return None


class PeriodeForm(forms.Form):
    date_debut = forms.DateField(label="Du", widget=DateWidget())
    date_fin = forms.DateField(label="Au", widget=DateWidget(),
                               help_text="Par défaut : la veille des prochaines vacances scolaires.")
    jours = forms.MultipleChoiceField(label="Jours de la semaine", choices=JOURS_SEMAINE,
                                      widget=forms.CheckboxSelectMultiple)
    liste_attente = forms.BooleanField(
        label="Si l'activité est complète, m'inscrire sur la liste d'attente", required=False)

    def clean(self):
        donnees = super().clean()
        debut, fin = donnees.get("date_debut"), donnees.get("date_fin")
        if debut and fin:
            if fin < debut:
                self.add_error("date_fin", "La date de fin doit suivre la date de début.")
            elif fin - debut > datetime.timedelta(days=366):
                self.add_error("date_fin", "Une période ne peut pas dépasser un an.")
        return donnees
