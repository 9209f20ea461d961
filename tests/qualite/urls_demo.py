"""Configuration d'URL de démonstration (tests seulement) : une vue fautive, une vue correcte.

`enfant_non_borne` cherche l'enfant parmi TOUS les enfants : c'est l'erreur que le contrôle
d'isolement doit attraper. `enfant_borne` le cherche parmi ceux de la famille connectée.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path

from commun.decorators import famille_requise
from enfants.models import Enfant


@famille_requise
def enfant_non_borne(request, pk):
    enfant = get_object_or_404(Enfant, pk=pk)  # défaut volontaire : aucune borne de famille
    return HttpResponse(enfant.prenom)


@famille_requise
def enfant_action_non_bornee(request, pk):
    enfant = get_object_or_404(Enfant, pk=pk)  # défaut volontaire
    return HttpResponse(f"{enfant.prenom} modifié")


@famille_requise
def enfant_borne(request, pk):
    enfant = get_object_or_404(Enfant.objects.filter(famille=request.famille), pk=pk)
    return HttpResponse(enfant.prenom)


demo_urls = [
    path("enfants/<int:pk>/", enfant_non_borne, name="enfant_non_borne"),
    path("enfants/<int:pk>/action/", enfant_action_non_bornee, name="enfant_action_non_bornee"),
    path("enfants-bornes/<int:pk>/", enfant_borne, name="enfant_borne"),
]

urlpatterns = [
    path("demo/", include((demo_urls, "demo"))),
    path("", include("portail.urls")),
]
