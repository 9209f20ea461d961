"""Formulaires de la demande d'inscription à une activité (« Inscrire à une activité »).

`InscriptionDemandeForm` : la page de la famille, parmi les activités proposées à l'enfant à
l'instant du POST (campagne close entre-temps : refusée). `InscriptionDecisionForm` : ce que
garde la demande (`donnees` : activité, campagne, dates, jours réguliers), rejoué quand un agent
l'accepte, sans la fenêtre de la campagne (un agent décide après la fermeture).
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone

from enfants import calendrier, criteres
from enfants.forms import DateWidget
from enfants.models import Activite, Campagne, Inscription

NON_OUVERTE = "Cette activité n'est pas ouverte à {prenom} : choisissez-en une dans la liste."
CHOIX_REQUIS = "Choisissez l'activité."
CAMPAGNE_CLOSE = (
    "La campagne « {nom} » est close depuis le {date} à {heure} : la demande n'a pas été envoyée."
)
CAMPAGNE_HABITANTS = (
    "La campagne « {nom} » est réservée aux habitants de la commune jusqu'au {date} à {heure} : "
    "la demande n'a pas été envoyée."
)
HORS_PERIODE = "Choisissez des dates entre le {debut} et le {fin} (période proposée)."
DATES_ORDONNEES = "La date de fin doit être postérieure ou égale à la date de début."
JOURS_NON = (
    "Les jours réguliers ne s'appliquent pas à « {activite} » (réservation jour par jour) : "
    "laissez les cases vides."
)
JOUR_FERME = "« {activite} » n'a pas lieu le {jour}."
DEJA_INSCRIT = "{prenom} est déjà inscrit(e) à « {activite} » sur cette période."

JOURS_SEMAINE = [(str(i), calendrier.JOURS[i].capitalize()) for i in range(5)]


def libelle_proposee(proposee) -> str:
    """« Garderie — Garderie matin (Rentrée 2027 : du 01/09/2027 au 06/07/2028) »."""
    quand = f"du {proposee.debut:%d/%m/%Y} au {proposee.fin:%d/%m/%Y}"
    cadre = f"{proposee.campagne.nom} : {quand}" if proposee.campagne else f"toute l'année : {quand}"
    return f"{proposee.activite.structure.nom} — {proposee.activite.nom} ({cadre})"


def _deja_inscrit(*, enfant, activite, debut, fin) -> bool:
    return Inscription.objects.filter(
        enfant=enfant, activite=activite, date_debut__lte=fin, date_fin__gte=debut
    ).exists()


class InscriptionDemandeForm(forms.Form):
    offre = forms.CharField(
        label="Activité",
        max_length=40,
        widget=forms.Select(),
        error_messages={"required": CHOIX_REQUIS},
    )
    date_debut = forms.DateField(
        label="Du",
        required=False,
        widget=DateWidget(),
        help_text="Laissez vide : dès le début de la période proposée.",
    )
    date_fin = forms.DateField(
        label="Au",
        required=False,
        widget=DateWidget(),
        help_text="Laissez vide : jusqu'à la fin de la période proposée.",
    )
    jours = forms.MultipleChoiceField(
        label="Jours réguliers",
        choices=JOURS_SEMAINE,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Garderie périscolaire, restauration scolaire et crèche : les jours où l'enfant vient "
            "chaque semaine. Pas pour l'accueil de loisirs, réservé jour par jour."
        ),
    )

    def __init__(self, *args, enfant=None, proposees=(), maintenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.enfant = enfant
        self.maintenant = maintenant or timezone.now()
        self.proposees = list(proposees)
        accessibles = [p for p in proposees if p.accessible]
        self.fields["offre"].widget.choices = [("", "— Choisissez l'activité —")] + [
            (p.valeur, libelle_proposee(p)) for p in accessibles
        ]
        if accessibles and not any(p.jours_reguliers_possibles for p in accessibles):
            del self.fields["jours"]  # seulement des accueils de loisirs : réservés jour par jour
        if len(accessibles) == 1 and not self.is_bound:
            # Une seule activité possible : elle est choisie, sa période est pré-remplie.
            seule = accessibles[0]
            self.initial.update(offre=seule.valeur, date_debut=seule.debut, date_fin=seule.fin)

    def clean_offre(self):
        valeur = self.cleaned_data["offre"]
        for proposee in self.proposees:
            if proposee.valeur == valeur:
                if not proposee.accessible:
                    raise ValidationError(proposee.raison)
                return proposee
        # Plus proposée : la campagne a fermé entre l'affichage et l'envoi, ou valeur inconnue.
        _activite, _, campagne = valeur.partition("-")
        if campagne.isdigit() and int(campagne):
            trouvee = Campagne.objects.filter(pk=int(campagne)).first()
            if trouvee is not None and trouvee.fermeture <= self.maintenant:
                fermeture = timezone.localtime(trouvee.fermeture)
                raise ValidationError(
                    CAMPAGNE_CLOSE.format(
                        nom=trouvee.nom, date=f"{fermeture:%d/%m/%Y}", heure=f"{fermeture:%H:%M}"
                    )
                )
            if trouvee is not None and trouvee.ouverture_tous and self.maintenant < trouvee.ouverture_tous:
                tous = timezone.localtime(trouvee.ouverture_tous)
                raise ValidationError(
                    CAMPAGNE_HABITANTS.format(nom=trouvee.nom, date=f"{tous:%d/%m/%Y}", heure=f"{tous:%H:%M}")
                )
        raise ValidationError(NON_OUVERTE.format(prenom=self.enfant.prenom))

    def clean(self):
        donnees = super().clean()
        proposee = donnees.get("offre")
        if proposee is None:
            return donnees
        activite = proposee.activite
        debut = donnees.get("date_debut") or proposee.debut
        fin = donnees.get("date_fin") or proposee.fin
        if "date_debut" in self.errors or "date_fin" in self.errors:
            return donnees
        hors = HORS_PERIODE.format(debut=f"{proposee.debut:%d/%m/%Y}", fin=f"{proposee.fin:%d/%m/%Y}")
        if debut < proposee.debut or debut > proposee.fin:
            self.add_error("date_debut", hors)
        if fin > proposee.fin or fin < proposee.debut:
            self.add_error("date_fin", hors)
        if fin < debut:
            self.add_error("date_fin", DATES_ORDONNEES)
        if self.errors:
            return donnees
        # Les critères d'âge se lisent au premier jour demandé, pas seulement à celui proposé.
        refus = criteres.refus(
            activite=activite,
            enfant=self.enfant,
            habite_la_commune=True,  # la commune est déjà vérifiée (proposee.refus)
            debut=debut,
        )
        if refus is not None:
            self.add_error("date_debut", refus.raison)
        jours = "".join(sorted(set(donnees.get("jours") or [])))  # absent : aucun jour
        if jours and not criteres.jours_reguliers_possibles(activite):
            self.add_error("jours", JOURS_NON.format(activite=activite.nom))
        for chiffre in jours:
            if chiffre not in activite.jours_ouverture:
                self.add_error(
                    "jours", JOUR_FERME.format(activite=activite.nom, jour=calendrier.JOURS[int(chiffre)])
                )
        if not self.errors and _deja_inscrit(enfant=self.enfant, activite=activite, debut=debut, fin=fin):
            raise ValidationError(DEJA_INSCRIT.format(prenom=self.enfant.prenom, activite=activite.nom))
        donnees.update(
            activite=activite,
            campagne=proposee.campagne,
            date_debut=debut,
            date_fin=fin,
            jours_reguliers=jours,
        )
        return donnees


class InscriptionDecisionForm(forms.Form):
    """La demande « inscription_activite » telle que la file la garde et la rejoue."""

    activite = forms.ModelChoiceField(label="Activité", queryset=Activite.objects.select_related("structure"))
    campagne = forms.ModelChoiceField(label="Campagne", queryset=Campagne.objects.all(), required=False)
    date_debut = forms.DateField(label="Du")
    date_fin = forms.DateField(label="Au")
    jours_reguliers = forms.CharField(
        label="Jours réguliers",
        required=False,
        max_length=7,
        validators=[RegexValidator(r"^[0-6]{0,7}$", "Des chiffres de 0 (lundi) à 6 (dimanche).")],
    )

    def __init__(self, *args, enfant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.enfant = enfant

    def clean(self):
        donnees = super().clean()
        debut, fin, activite = donnees.get("date_debut"), donnees.get("date_fin"), donnees.get("activite")
        if debut and fin and fin < debut:
            self.add_error("date_fin", DATES_ORDONNEES)
        elif (
            debut
            and fin
            and activite
            and self.enfant is not None
            and _deja_inscrit(enfant=self.enfant, activite=activite, debut=debut, fin=fin)
        ):
            raise ValidationError(DEJA_INSCRIT.format(prenom=self.enfant.prenom, activite=activite.nom))
        return donnees


def periode_texte(debut: datetime.date, fin: datetime.date) -> str:
    return f"du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}"
