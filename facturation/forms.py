from django import forms


class PaiementForm(forms.Form):
    email = forms.EmailField(
        label="Adresse email pour recevoir le reçu de paiement",
        max_length=254,
        error_messages={
            "required": "Indiquez l'adresse email qui recevra le reçu.",
            "invalid": "Saisissez une adresse email valide (exemple : nom@domaine.fr).",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ExportConsommationsForm(forms.Form):
    """La période à exporter vers le logiciel de facturation (et à clore), pour une régie."""

    regie = forms.ModelChoiceField(
        label="Régie",
        queryset=None,
        error_messages={
            "required": "Choisissez la régie.",
            "invalid_choice": "Choisissez une régie de la liste.",
        },
    )
    structure = forms.ModelChoiceField(
        label="Structure (facultatif : toutes celles de la régie)",
        queryset=None,
        required=False,
        error_messages={"invalid_choice": "Choisissez une structure de la liste."},
    )
    du = forms.DateField(
        label="Du",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez le premier jour.", "invalid": "Date invalide (JJ/MM/AAAA)."},
    )
    au = forms.DateField(
        label="Au",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez le dernier jour.", "invalid": "Date invalide (JJ/MM/AAAA)."},
    )

    def __init__(self, *args, **kwargs):
        from enfants.models import Structure
        from facturation.models import Regie

        super().__init__(*args, **kwargs)
        self.fields["regie"].queryset = Regie.objects.order_by("code")
        self.fields["structure"].queryset = Structure.objects.order_by("nom")

    def clean(self):
        donnees = super().clean()
        du, au = donnees.get("du"), donnees.get("au")
        if du and au and au < du:
            raise forms.ValidationError("Le dernier jour est avant le premier.")


class PanierForm(PaiementForm):
    """Payer plusieurs factures : l'email du reçu, et les factures cochées (déjà lues, bornées
    à la famille, par la vue) qui doivent être impayées, d'une seule régie, sans paiement en
    cours."""

    def __init__(self, *args, factures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.factures = factures

    def clean(self):
        from facturation import paiement as paiement_en_ligne

        donnees = super().clean()
        for message in paiement_en_ligne.panier_refus(self.factures):
            self.add_error(None, message)
        return donnees
