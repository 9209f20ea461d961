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
