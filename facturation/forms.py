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


class PanierForm(PaiementForm):
    """Payer plusieurs factures : l'email du reçu, et les factures cochées (déjà lues, bornées
    à la famille, par la vue) qui doivent être impayées, d'une seule régie, sans paiement en
    cours."""

    def __init__(self, *args, factures, **kwargs):
        super().__init__(*args, **kwargs)
        self.factures = factures

    def clean(self):
        from facturation import paiement as paiement_en_ligne

        donnees = super().clean()
        for message in paiement_en_ligne.panier_refus(self.factures):
            self.add_error(None, message)
        return donnees
