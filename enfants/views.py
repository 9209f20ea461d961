from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from commun.decorators import famille_requise
from enfants import selectors


@famille_requise
def liste(request):
    """Mes enfants : les enfants de la famille."""
    enfants = selectors.enfants_avec_inscriptions(famille=request.famille, jour=timezone.localdate())
    return render(request, "enfants/liste.html", {"enfants": enfants})


@famille_requise
def fiche(request, pk):
    """La fiche d'un enfant : informations, personnes autorisées, autorisations, santé."""
    enfant = get_object_or_404(selectors.enfants_fiche(famille=request.famille), pk=pk)
    contexte = {
        "enfant": enfant,
        "actif": "fiche",
        "autorisations": getattr(enfant, "autorisations", None),
        "sanitaire": getattr(enfant, "donnees_sanitaires", None),
    }
    return render(request, "enfants/fiche.html", contexte)
