from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from commun.decorators import famille_requise
from enfants import selectors
from familles import selectors as familles_selectors
from familles import views as familles_views


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


@famille_requise
def pieces(request, pk):
    """Documents à fournir pour un enfant (pièces de l'enfant, tenues par familles)."""
    enfant = get_object_or_404(selectors.enfants(famille=request.famille), pk=pk)
    contexte = {
        "enfant": enfant,
        "actif": "pieces",
        "etats": familles_selectors.pieces_etat(famille=request.famille, enfant=enfant, avec_fichiers=True),
    }
    return render(request, "enfants/pieces.html", contexte)


@famille_requise
@require_http_methods(["GET", "POST"])
def piece_deposer(request, pk, type_pk):
    enfant = get_object_or_404(selectors.enfants(famille=request.famille), pk=pk)
    return familles_views.piece_depot(request, type_pk=type_pk, enfant=enfant)
