"""Le dossier de campagne d'une famille (« Dossier 2027-2028 ») : une page, cinq étapes.

Chaque étape qui s'écrit ici (certifier, « pas d'inscription cette année », envoyer) est un
formulaire de la page (champ `action`) ; le service re-vérifie la fenêtre de la campagne.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from commun.decorators import famille_requise
from demandes import campagnes
from enfants import calendrier
from enfants.models import Campagne

MESSAGE_CERTIFIE = "Votre dossier famille est confirmé."
MESSAGE_SANS = "C'est noté : pas d'inscription cette année pour {prenom}."
MESSAGE_AVEC = "C'est noté : {prenom} peut de nouveau être inscrit à une activité."
MESSAGE_ENVOYE = (
    "Votre dossier a été envoyé au CCAS le {date}. Les agents vont le vérifier ; leurs décisions "
    "sur vos demandes d'inscription arriveront dans votre boîte de réception."
)
LIBELLE_CERTIFIER = "Je certifie l'exactitude des informations de mon dossier"


class CertifierForm(forms.Form):
    certifie = forms.BooleanField(
        label=LIBELLE_CERTIFIER, error_messages={"required": campagnes.MESSAGE_CERTIFIER}
    )


def _agir(request, *, campagne, page, maintenant):
    """Applique l'action envoyée ; renvoie (message de succès, formulaire de certification)."""
    famille, utilisateur = request.famille, request.user
    ecrire = {"famille": famille, "campagne": campagne, "utilisateur": utilisateur, "maintenant": maintenant}
    # Sans action nommée : le premier formulaire de la page, la certification.
    action = request.POST.get("action", "certifier")
    if action == "certifier":
        formulaire = CertifierForm(request.POST)
        if not formulaire.is_valid():
            return None, formulaire
        campagnes.dossier_certifier(**ecrire)
        return MESSAGE_CERTIFIE, formulaire
    if action in ("sans_inscription", "avec_inscription"):
        ligne = next((e for e in page.enfants if str(e.enfant.pk) == request.POST.get("enfant")), None)
        if ligne is None:
            raise campagnes.CampagneErreur(campagnes.MESSAGE_ENFANT_INCONNU)
        sans = action == "sans_inscription"
        campagnes.dossier_sans_inscription(**ecrire, enfant=ligne.enfant, sans=sans)
        return (MESSAGE_SANS if sans else MESSAGE_AVEC).format(prenom=ligne.enfant.prenom), None
    if action == "envoyer":
        dossier = campagnes.dossier_envoyer(**ecrire)
        return MESSAGE_ENVOYE.format(date=calendrier.date_heure_longue(dossier.soumis_le)), None
    return None, None


@famille_requise
@require_http_methods(["GET", "POST"])
def campagne(request, pk):
    """Le dossier de la famille pour une campagne : modifiable pendant sa fenêtre, en lecture
    seule avant, après, ou avant l'ouverture à tous pour qui n'habite pas la commune."""
    campagne = get_object_or_404(Campagne.objects.all(), pk=pk)
    famille = request.famille
    formulaire = None
    # Un seul instant pour toute la requête : la fenêtre vérifiée au POST est celle affichée.
    maintenant = timezone.now()
    if request.method == "POST":
        page = campagnes.dossier_page(famille=famille, campagne=campagne, maintenant=maintenant)
        try:
            succes, formulaire = _agir(request, campagne=campagne, page=page, maintenant=maintenant)
        except campagnes.CampagneErreur as erreur:
            messages.error(request, erreur.message)
        else:
            if succes:
                messages.success(request, succes)
                return redirect(request.path)
    page = campagnes.dossier_page(famille=famille, campagne=campagne, maintenant=maintenant)
    contexte = {
        "actif": "campagne",
        "page": page,
        "form": formulaire if formulaire is not None and formulaire.errors else CertifierForm(),
        "ouverture": calendrier.date_heure_longue(campagne.ouverture),
        "fermeture": calendrier.date_heure_longue(campagne.fermeture),
        "certifie_le": (
            calendrier.date_heure_longue(page.dossier.certifie_le)
            if page.dossier and page.dossier.certifie_le
            else None
        ),
        "soumis_le": calendrier.date_heure_longue(page.dossier.soumis_le) if page.envoye else None,
        "etapes": campagnes.ETAPES,
    }
    return render(request, "demandes/campagne.html", contexte)
