from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from facturation import pdf, selectors
from portail.decorators import famille_requise


@famille_requise
def releve(request):
    """Relevé de compte : les opérations d'une année scolaire, l'ancien solde et le solde."""
    annees = selectors.annees_scolaires(famille=request.famille)
    annee = _annee_demandee(request.GET.get("annee"), annees)
    contexte = {
        "annees": [(a, f"{a}-{a + 1}") for a in annees],
        "annee": annee,
        "releve": selectors.releve(famille=request.famille, annee=annee),
    }
    return render(request, "facturation/releve.html", contexte)


def _annee_demandee(valeur: str | None, annees: list[int]) -> int:
    """L'année choisie si elle a des opérations ; sinon l'année en cours si elle en a ; sinon la
    plus récente qui en a (ou l'année en cours pour un compte sans opération)."""
    from django.utils import timezone

    if valeur and valeur.isdigit() and int(valeur) in annees:
        return int(valeur)
    courante = selectors.annee_scolaire_de(timezone.localdate())
    if courante in annees or not annees:
        return courante
    return annees[0]


@login_required
def facture_pdf(request, pk: int):
    """La facture en PDF : pour la famille à qui elle est adressée, ou pour le personnel."""
    if request.famille is not None:
        famille = request.famille
    elif request.user.is_staff and request.user.has_perm("facturation.view_facture"):
        famille = None
    else:
        raise Http404
    try:
        facture = selectors.facture_detail(famille=famille, pk=pk)
    except selectors.Facture.DoesNotExist:
        raise Http404 from None
    return pdf.reponse_facture(facture)
