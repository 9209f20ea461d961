from django.shortcuts import render

from commun.decorators import famille_requise
from familles.validators import iban_masquer


@famille_requise
def compte(request):
    """Mon compte : les informations de la famille, du responsable et du conjoint."""
    famille = request.famille
    contexte = {
        "responsable": famille.responsable_principal,
        "conjoint": famille.conjoint,
        "iban_masque": iban_masquer(famille.iban),
    }
    return render(request, "familles/compte.html", contexte)
