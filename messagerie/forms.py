from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from commun import fichiers
from enfants.models import Structure

ERREUR_TROP_DE_FICHIERS = "Vous pouvez joindre {nombre} fichiers au plus."
AIDE_PIECES_JOINTES = "PDF, JPEG ou PNG ; {nombre} fichiers au plus, {taille} Mo chacun au plus."
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class FichiersMultiplesInput(forms.FileInput):
    allow_multiple_selected = True


class FichiersMultiplesField(forms.FileField):
    """Plusieurs fichiers dans un même champ (recette de la documentation de Django)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FichiersMultiplesInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        nettoyer = super().clean
        if isinstance(data, list | tuple):
            return [nettoyer(d, initial) for d in data if d]
        return [nettoyer(data, initial)] if data else []


class PiecesJointesMixin(forms.Form):
    pieces_jointes = FichiersMultiplesField(label="Pièces jointes", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pieces_jointes"].help_text = AIDE_PIECES_JOINTES.format(
            nombre=settings.MESSAGERIE_PIECES_JOINTES_NOMBRE_MAX,
            taille=settings.MESSAGERIE_PIECE_JOINTE_TAILLE_MAX // (1024 * 1024),
        )

    def clean_pieces_jointes(self):
        liste = self.cleaned_data.get("pieces_jointes") or []
        nombre_max = settings.MESSAGERIE_PIECES_JOINTES_NOMBRE_MAX
        if len(liste) > nombre_max:
            raise ValidationError(ERREUR_TROP_DE_FICHIERS.format(nombre=nombre_max))
        erreurs = []
        for fichier in liste:
            try:
                fichiers.piece_jointe_valider(fichier)
            except ValidationError as erreur:
                erreurs.extend(erreur.messages)
        if erreurs:
            raise ValidationError(erreurs)
        return liste


class MessageNouveauForm(PiecesJointesMixin, forms.Form):
    structure = forms.ModelChoiceField(
        label="Destinataire",
        queryset=Structure.objects.order_by("nom"),
        empty_label="Choisissez la structure",
        error_messages={"required": "Choisissez la structure à qui écrire."},
    )
    objet = forms.CharField(
        label="Objet", max_length=150, error_messages={"required": "Indiquez l'objet du message."}
    )
    texte = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Écrivez votre message."},
    )

    field_order = ["structure", "objet", "texte", "pieces_jointes"]


class ReponseForm(PiecesJointesMixin, forms.Form):
    texte = forms.CharField(
        label="Votre réponse",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Écrivez votre réponse."},
    )

    field_order = ["texte", "pieces_jointes"]
