"""« Inscrire à une activité » : la demande d'inscription d'un enfant, depuis sa fiche."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from commun import restrictions
from commun.decorators import famille_requise
from enfants import selectors
from enfants.forms_inscriptions import InscriptionDemandeForm
from enfants.services import inscriptions as services

MESSAGE_DEMANDE_ENVOYEE = (
    "Votre demande d'inscription a été transmise au CCAS : elle sera traitée prochainement. "
    "Vous pouvez la suivre dans la Liste des demandes."
)


@famille_requise
@restrictions.restriction(restrictions.DEMANDES)
@require_http_methods(["GET", "POST"])
def inscrire(request, pk):
    """Les activités ouvertes à l'enfant maintenant (et pourquoi les autres ne le sont pas) ;
    « Valider » envoie une demande d'inscription dans la file de modération."""
    enfant = get_object_or_404(selectors.enfants(famille=request.famille), pk=pk)
    maintenant = timezone.now()
    proposees = selectors.activites_proposees(enfant=enfant, famille=request.famille, maintenant=maintenant)
    formulaire = InscriptionDemandeForm(
        request.POST if request.method == "POST" else None,
        enfant=enfant,
        proposees=proposees,
        maintenant=maintenant,
        initial={"offre": request.GET.get("offre", "")},
    )
    if request.method == "POST" and formulaire.is_valid():
        donnees = formulaire.cleaned_data
        try:
            services.inscription_demander(
                enfant=enfant,
                activite=donnees["activite"],
                campagne=donnees["campagne"],
                date_debut=donnees["date_debut"],
                date_fin=donnees["date_fin"],
                jours_reguliers=donnees["jours_reguliers"],
                auteur=request.user,
            )
        except ValidationError as erreur:
            formulaire.add_error(None, erreur)
        else:
            messages.success(request, MESSAGE_DEMANDE_ENVOYEE)
            return redirect(reverse("demandes:liste") + "?cote=enfants")
    contexte = {
        "enfant": enfant,
        "actif": "inscrire",
        "proposees": proposees,
        "accessibles": [p for p in proposees if p.accessible],
        "form": formulaire,
    }
    return render(request, "enfants/inscrire.html", contexte)
