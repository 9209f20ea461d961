import logging
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from commun import cache_famille, restrictions
from commun.decorators import famille_requise
from facturation import attestations, pdf, selectors
from facturation import paiement as paiement_en_ligne
from facturation.forms import PaiementForm, PanierForm

logger = logging.getLogger(__name__)


@famille_requise
def releve(request):
    """Relevé de compte : les opérations d'une année scolaire, l'ancien solde et le solde.

    Trois requêtes pour toute la page (les opérations, les attestations ; les régies qui
    encaissent en ligne s'il reste une facture à payer). Le contenu rendu est gardé tant que
    les données de la famille ne changent pas (commun.cache_famille) ; par compte : la
    restriction « factures en lecture seule »."""
    demandee = request.GET.get("annee", "")
    demandee = demandee if demandee.isdigit() and len(demandee) == 4 else ""
    page = cache_famille.lire(
        request=request,
        nom=f"releve:{demandee}",
        calculer=lambda: cache_famille.Calcul(_releve_rendre(request, demandee)),
        par_compte=True,
    )
    return render(request, "facturation/releve.html", {"page": page})


def _releve_rendre(request, demandee: str) -> cache_famille.PageRendue:
    compte = selectors.compte(famille=request.famille)
    annees = compte.annees_scolaires()
    annee = _annee_demandee(demandee, annees)
    releve = compte.releve(annee)
    # Un compte aux factures en lecture seule (restriction du CCAS) ne voit aucun bouton payer.
    a_payer = any(o.facture is not None and o.facture.reste_du > 0 for o in releve.operations)
    restreint = restrictions.est_restreint(request.user, restrictions.PAIEMENT)
    offre = paiement_en_ligne.offre() if a_payer and not restreint else paiement_en_ligne.Offre()
    contexte = {
        "annees": [(a, f"{a}-{a + 1}") for a in annees],
        "annee": annee,
        "releve": releve,
        "offre": offre,
        # Le formulaire « Payer les factures cochées » : s'il y a une case à cocher.
        "payables": offre.regroupe(
            o.facture
            for o in releve.operations
            if o.facture is not None and o.facture.reste_du > 0 and not o.facture.paiement_en_cours
        ),
        # Les années civiles finies qui ont une attestation de frais de garde.
        "attestations": attestations.annees_disponibles(famille=request.famille),
    }
    return cache_famille.PageRendue(
        titre=f"Relevé de compte {releve.libelle_annee}",
        contenu=render_to_string("facturation/_releve_contenu.html", contexte),
    )


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


def _famille_ou_personnel(request, permission: str):
    """La famille connectée (ses documents seulement), ou None pour un agent qui a `permission`
    (tous les documents) ; 404 pour tout autre compte."""
    if request.famille is not None:
        return request.famille
    if request.user.is_staff and request.user.has_perm(permission):
        return None
    raise Http404


@login_required
def facture_pdf(request, pk: int):
    """La facture en PDF : pour la famille à qui elle est adressée, ou pour le personnel."""
    famille = _famille_ou_personnel(request, "facturation.view_facture")
    try:
        facture = selectors.facture_detail(famille=famille, pk=pk)
    except selectors.Facture.DoesNotExist:
        raise Http404 from None
    return pdf.reponse_facture(facture)


@login_required
def recu_pdf(request, pk: int):
    """Le reçu d'un paiement en PDF : pour la famille qui a payé, ou pour le personnel."""
    famille = _famille_ou_personnel(request, "facturation.view_reglement")
    try:
        reglement = selectors.recu_detail(famille=famille, pk=pk)
    except selectors.Reglement.DoesNotExist:
        raise Http404 from None
    return pdf.reponse_recu(reglement)


@famille_requise
def mandat_pdf(request, pk: int):
    """Le mandat de prélèvement SEPA de la famille en PDF ; celui d'une autre famille : 404."""
    try:
        mandat = selectors.mandat_detail(famille=request.famille, pk=pk)
    except selectors.Mandat.DoesNotExist:
        raise Http404 from None
    return pdf.reponse_mandat(mandat)


@famille_requise
def attestation_pdf(request, annee: int):
    """L'attestation de frais de garde d'une année finie de la famille ; une année qui n'en a
    pas (encore en cours, rien payé pour un enfant de moins de 6 ans) : 404."""
    if annee not in attestations.annees_disponibles(famille=request.famille):
        raise Http404
    return pdf.reponse_attestation(attestations.attestation(famille=request.famille, annee=annee))


# --- Paiement en ligne -----------------------------------------------------------------------


def _email_du_recu(request) -> str:
    """L'adresse proposée pour le reçu : celle du responsable titulaire, sinon celle du compte."""
    responsable = request.famille.responsable_principal
    return responsable.email if responsable and responsable.email else request.user.email


def _session_ouvrir(request, demarrer, **quoi):
    """Ouvre la page de paiement du prestataire (`demarrer` : une facture ou plusieurs) :
    (redirection 303, None), ou (None, le message à montrer au parent)."""
    try:
        tentative = demarrer(famille=request.famille, url_base=request.build_absolute_uri("/"), **quoi)
    except paiement_en_ligne.PaiementImpossible as refus:
        return None, str(refus)
    except paiement_en_ligne.PrestataireInjoignable:
        return None, paiement_en_ligne.ERREUR_PRESTATAIRE
    return HttpResponseRedirect(tentative.url, status=303), None


@famille_requise
@restrictions.restriction(restrictions.PAIEMENT)
@require_http_methods(["GET", "POST"])
def paiement(request, pk: int):
    """La facture et l'email du reçu ; valider ouvre la page de paiement (redirection 303)."""
    facture = get_object_or_404(selectors.factures(famille=request.famille), pk=pk)
    email_initial = _email_du_recu(request)
    disponible = paiement_en_ligne.disponible(facture.regie)
    # Le formulaire n'est lié (et ses erreurs montrées) que s'il est affiché.
    affiche = disponible and facture.reste_du > 0
    form = PaiementForm((request.POST or None) if affiche else None, initial={"email": email_initial})
    erreur = None
    if request.method == "POST" and affiche and form.is_valid():
        reponse, erreur = _session_ouvrir(
            request, paiement_en_ligne.paiement_demarrer, facture=facture, email=form.cleaned_data["email"]
        )
        if reponse is not None:
            return reponse
    return render(
        request,
        "facturation/paiement.html",
        {
            "facture": facture,
            "form": form,
            "erreur": erreur,
            "disponible": disponible,
            "simulation": paiement_en_ligne.simulation(facture.regie),
        },
    )


@famille_requise
@restrictions.restriction(restrictions.PAIEMENT)
@require_http_methods(["GET", "POST"])
def paiement_plusieurs(request):
    """Les factures cochées sur l'accueil ou le relevé (`?factures=…`), leur total et l'email du
    reçu ; valider ouvre une seule page de paiement pour toutes (redirection 303). Une facture
    d'une autre famille (ou un identifiant qui n'en est pas un) : 404."""
    donnees = request.POST if request.method == "POST" else request.GET
    identifiants = donnees.getlist("factures")
    if not all(i.isdigit() for i in identifiants):
        raise Http404
    pks = {int(i) for i in identifiants}
    factures = list(
        selectors.factures(famille=request.famille).filter(pk__in=pks).order_by("date_echeance", "pk")
    )
    if len(factures) != len(pks):
        raise Http404
    email_initial = _email_du_recu(request)
    # Sans facture, le formulaire dit d'en cocher une ; leur régie est préchargée.
    disponible = not factures or any(paiement_en_ligne.disponible(f.regie) for f in factures)
    if request.method == "POST" and disponible:
        form = PanierForm(request.POST, factures=factures, initial={"email": email_initial})
    else:
        form = PanierForm(initial={"email": email_initial}, factures=factures)
    # Formulaire envoyé : ses erreurs disent déjà les refus (PanierForm.clean).
    refus = [] if form.is_bound else paiement_en_ligne.panier_refus(factures)
    erreur = None
    if request.method == "POST" and disponible and form.is_valid():
        reponse, erreur = _session_ouvrir(
            request,
            paiement_en_ligne.paiement_demarrer_plusieurs,
            factures=factures,
            email=form.cleaned_data["email"],
        )
        if reponse is not None:
            return reponse
    return render(
        request,
        "facturation/paiement_plusieurs.html",
        {
            "factures": factures,
            "total": sum((f.reste_du for f in factures if f.reste_du > 0), Decimal("0.00")),
            "form": form,
            "refus": refus,
            "erreur": erreur,
            "disponible": disponible,
            "simulation": paiement_en_ligne.simulation(factures[0].regie) if factures else "",
        },
    )


@famille_requise
def paiement_retour(request, pk: int):
    """Retour de la page de paiement : « en cours de confirmation » puis « payée ». Une
    tentative encore ouverte est vérifiée auprès du prestataire qui sait le dire (PayFiP) : le
    parent revenu sans que la notification soit arrivée voit le résultat."""
    tentative = get_object_or_404(selectors.paiements_en_ligne(famille=request.famille), pk=pk)
    if paiement_en_ligne.retour_constater(paiement=tentative):
        tentative = get_object_or_404(selectors.paiements_en_ligne(famille=request.famille), pk=pk)
    if request.GET.get("format") == "json":  # la page interroge son statut (facturation.js)
        return JsonResponse({"statut": tentative.statut})
    return render(request, "facturation/paiement_retour.html", {"paiement": tentative})


MESSAGE_PAIEMENT_ANNULE = "Paiement annulé : votre facture n'a pas été payée."


@famille_requise
@require_http_methods(["GET", "POST"])
def paiement_annuler(request, pk: int):
    """Retour « annuler » du prestataire (un GET, qui ne change rien) : la facture n'est pas
    payée ; le parent reprend le paiement ou l'annule (POST : la session est fermée)."""
    tentative = get_object_or_404(selectors.paiements_en_ligne(famille=request.famille), pk=pk)
    if request.method == "POST":
        paiement_en_ligne.paiement_annuler(paiement=tentative)
        messages.info(request, MESSAGE_PAIEMENT_ANNULE)
        if tentative.lignes.count() > 1:  # plusieurs factures : elles sont toutes au relevé
            return redirect("facturation:releve")
        return redirect("facturation:paiement", pk=tentative.facture_id)
    return render(request, "facturation/paiement_annuler.html", {"paiement": tentative})


@csrf_exempt
@require_POST
def webhook_stripe(request):
    """Événements Stripe : signature vérifiée sur le corps brut, sinon 400 et rien ne change."""
    try:
        paiement_en_ligne.evenement_recevoir(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except paiement_en_ligne.CorpsIllisible:
        return HttpResponseBadRequest("Contenu illisible.")
    except paiement_en_ligne.SignatureInvalide:
        return HttpResponseBadRequest("Signature invalide.")
    return HttpResponse("ok")


@csrf_exempt
@require_POST
def notification_payfip(request):
    """Notification PayFiP (`idOp=…`, de serveur à serveur) : stockée, puis vérifiée auprès de
    PayFiP ; une opération inconnue du portail : 400 et rien ne change."""
    try:
        paiement_en_ligne.notification_recevoir(corps=request.body)
    except paiement_en_ligne.NotificationInconnue:
        return HttpResponseBadRequest("Opération inconnue.")
    return HttpResponse("ok")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def paiement_retour_prestataire(request, pk: int):
    """Le retour que le prestataire renvoie au navigateur (PayFiP le poste, sans jeton CSRF) :
    redirigé (303) vers la page de retour du portail, qui vérifie la tentative de la famille."""
    return redirect(reverse("facturation:paiement_retour", kwargs={"pk": pk}), permanent=False)


@famille_requise
@restrictions.restriction(restrictions.PAIEMENT)
@require_http_methods(["GET", "POST"])
def banque_simulee(request, pk: int):
    """Démonstration seulement : une fausse page de banque, clairement signalée."""
    tentative = get_object_or_404(selectors.paiements_en_ligne(famille=request.famille), pk=pk)
    if not paiement_en_ligne.banque_simulee_ouverte(tentative):
        raise Http404
    if request.method == "POST" and tentative.statut == tentative.Statut.OUVERTE:
        if request.POST.get("action") == "payer":
            paiement_en_ligne.banque_simulee_payer(paiement=tentative)
            return redirect("facturation:paiement_retour", pk=tentative.pk)
        # Comme chez Stripe : « Annuler » ramène à l'adresse d'annulation, qui ne change rien.
        return redirect("facturation:paiement_annuler", pk=tentative.pk)
    return render(request, "facturation/banque_simulee.html", {"paiement": tentative})


@require_http_methods(["GET", "POST"])
def payfip_simule(request):
    """Démonstration seulement : la page de PayFiP imitée (`?idop=…`, comme
    https://www.payfip.gouv.fr/tpa/paiementws.web). Comme la vraie, elle ne connaît pas le
    compte du parent : l'idOp, imprévisible, suffit."""
    idop = request.GET.get("idop", "")
    operation = paiement_en_ligne.payfip_simule_operation(idop) if idop else None
    if operation is None:
        raise Http404
    if request.method == "POST" and not operation.get("resultrans"):
        action = request.POST.get("action")
        resultrans = {"payer": "P", "refuser": "R"}.get(action or "", "A")
        retour = paiement_en_ligne.payfip_simule_terminer(idop=idop, resultrans=resultrans)
        return HttpResponseRedirect(retour)
    return render(
        request,
        "facturation/payfip_simule.html",
        {"operation": operation, "montant": Decimal(operation["montant"]) / 100},
    )
