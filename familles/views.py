from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from commun import fichiers
from commun.decorators import famille_requise
from familles import selectors, services
from familles.forms import ConsentementForm, PieceDepotForm, PreferencesNotificationForm
from familles.models import TexteConsentement
from familles.validators import iban_masquer

MESSAGE_PIECE_ENVOYEE = "Votre pièce « {nom} » a été envoyée : un agent du CCAS va la vérifier."
MESSAGE_CONSENTEMENT_ACCEPTE = "Votre réponse est enregistrée : « {titre} » accepté."
MESSAGE_CONSENTEMENT_REFUSE = "Votre réponse est enregistrée : « {titre} » refusé."
MESSAGE_PREFERENCES = "Vos choix de notifications sont enregistrés."


@famille_requise
def compte(request):
    """Mon compte : les informations de la famille, du responsable et du conjoint."""
    famille = request.famille
    contexte = {
        "responsable": famille.responsable_principal,
        "conjoint": famille.conjoint,
        "iban_masque": iban_masquer(famille.iban),
        # Le mandat SEPA en cours (modèle de facturation, lu par la relation inverse : familles
        # n'importe pas facturation).
        "mandat": famille.mandats.filter(date_revocation__isnull=True).order_by("-pk").first(),
    }
    return render(request, "familles/compte.html", contexte)


# --- Pièces justificatives (« Documents à fournir ») ------------------------------------


@famille_requise
def pieces(request):
    """Documents à fournir (Mon compte) : les pièces de la famille, puis un résumé par enfant."""
    etats = selectors.pieces_etat(famille=request.famille, avec_fichiers=True)
    par_enfant: dict = {}
    for etat in etats:
        if etat.enfant is not None:
            par_enfant.setdefault(etat.enfant, []).append(etat)
    contexte = {
        "actif": "pieces",
        "etats": [e for e in etats if e.enfant is None],
        "par_enfant": list(par_enfant.items()),
    }
    return render(request, "familles/pieces.html", contexte)


def piece_depot(request, *, type_pk: int, enfant=None):
    """Déposer une pièce (de la famille, ou d'un enfant déjà borné à la famille par l'appelant).

    Partagé par « Mon compte » et « Mes enfants » (enfants.views.piece_deposer)."""
    etats = selectors.pieces_etat(
        famille=request.famille, enfant=enfant, famille_seulement=enfant is None, avec_fichiers=True
    )
    etat = next((e for e in etats if e.type_piece.pk == type_pk), None)
    if etat is None:
        raise Http404("Pièce non demandée.")
    retour = (
        reverse("enfants:pieces", kwargs={"pk": enfant.pk})
        if enfant is not None
        else reverse("familles:pieces")
    )
    envoi = request.method == "POST"
    form = PieceDepotForm(request.POST if envoi else None, request.FILES if envoi else None)
    if request.method == "POST" and etat.depot_possible and form.is_valid():
        try:
            services.piece_deposer(
                famille=request.famille,
                type_piece=etat.type_piece,
                enfant=enfant,
                fichiers=form.cleaned_data["tous_les_fichiers"],
                auteur=request.user,
            )
        except services.DossierErreur as erreur:
            form.add_error(None, erreur.message)
        else:
            messages.success(request, MESSAGE_PIECE_ENVOYEE.format(nom=etat.type_piece.nom))
            return redirect(retour + f"#{etat.ancre}")
    contexte = {"etat": etat, "enfant": enfant, "form": form, "retour": retour, "actif": "pieces"}
    return render(request, "familles/piece_deposer.html", contexte)


@famille_requise
@require_http_methods(["GET", "POST"])
def piece_deposer(request, type_pk):
    return piece_depot(request, type_pk=type_pk)


@famille_requise
def piece_fichier(request, pk):
    """Un fichier déposé par la famille : servi à elle seule, en téléchargement."""
    fichier = get_object_or_404(selectors.fichiers_pieces(famille=request.famille), pk=pk)
    return fichiers.reponse_telechargement(fichier.fichier, nom=fichier.nom, type_mime=fichier.type_mime)


# --- Règlements et consentements --------------------------------------------------------


@famille_requise
def consentements(request):
    """Règlements et consentements : chaque texte en vigueur et la réponse de la famille."""
    contexte = {"actif": "consentements", "etats": selectors.consentements_etat(famille=request.famille)}
    return render(request, "familles/consentements.html", contexte)


@famille_requise
@require_http_methods(["GET", "POST"])
def consentement(request, pk):
    """Lire la version en vigueur d'un texte et y répondre."""
    texte = get_object_or_404(TexteConsentement.objects.all(), pk=pk)
    etats = selectors.consentements_etat(famille=request.famille, texte=texte)
    if not etats:
        raise Http404("Texte non demandé à cette famille.")
    etat = etats[0]
    # Un envoi sans case cochée est un POST vide : le formulaire est lié quand même (erreur).
    form = ConsentementForm(
        request.POST if request.method == "POST" else None, refus_possible=texte.refus_possible
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.consentement_donner(
                famille=request.famille, version=etat.version, accepte=form.accepte, utilisateur=request.user
            )
        except services.DossierErreur as erreur:
            form.add_error(None, erreur.message)
        else:
            message = MESSAGE_CONSENTEMENT_ACCEPTE if form.accepte else MESSAGE_CONSENTEMENT_REFUSE
            messages.success(request, message.format(titre=texte.titre))
            return redirect("familles:consentements")
    contexte = {"actif": "consentements", "etat": etat, "form": form}
    return render(request, "familles/consentement.html", contexte)


# --- Mes notifications (issue 21) ----------------------------------------------------------


@famille_requise
@require_http_methods(["GET", "POST"])
def notifications(request):
    """Mes notifications : les choix du compte connecté, par sorte et par canal (immédiats) ;
    les autorisations courriel et SMS de la famille se changent par une demande (Informations
    responsable)."""
    # Les autorisations et le mobile du responsable du compte (un compte par parent), le
    # titulaire à défaut : ils décident si les cases SMS sont disponibles.
    responsable = selectors.responsable_du_compte(utilisateur=request.user, famille=request.famille)
    empechement = selectors.sms_empechement(responsable=responsable)
    preferences = selectors.preferences_notification(utilisateur=request.user)
    form = PreferencesNotificationForm(
        request.POST or None, preferences=preferences, sms_empechement=empechement
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_notification_enregistrer(utilisateur=request.user, actives=form.actives)
        messages.success(request, MESSAGE_PREFERENCES)
        return redirect("familles:notifications")
    contexte = {"actif": "notifications", "form": form, "principal": responsable}
    return render(request, "familles/notifications.html", contexte)
