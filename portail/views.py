from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from facturation import selectors as facturation_selectors
from portail.decorators import famille_requise
from portail.forms import (
    ChangementMotDePasseForm,
    ConnexionForm,
    MotDePasseOublieForm,
    NouveauMotDePasseForm,
)

MESSAGE_MOT_DE_PASSE_CHANGE = "Votre mot de passe a été changé."


@famille_requise
def accueil(request):
    contexte = {"responsable": request.famille.responsable_principal}
    contexte["situation"] = facturation_selectors.situation(famille=request.famille)
    return render(request, "portail/accueil.html", contexte)


class ConnexionView(auth_views.LoginView):
    template_name = "registration/connexion.html"
    authentication_form = ConnexionForm
    redirect_authenticated_user = True


@login_required
@require_http_methods(["GET", "POST"])
def mot_de_passe_nouveau(request):
    """Première connexion avec un mot de passe temporaire : en choisir un avant tout."""
    if not request.user.doit_changer_mot_de_passe:
        return redirect("portail:accueil")
    form = NouveauMotDePasseForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        utilisateur = form.save()
        update_session_auth_hash(request, utilisateur)
        messages.success(request, MESSAGE_MOT_DE_PASSE_CHANGE)
        return redirect("portail:accueil")
    return render(request, "registration/mot_de_passe_nouveau.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def mot_de_passe_changer(request):
    """Le cadenas : changer son mot de passe garde cette session et ferme les autres."""
    form = ChangementMotDePasseForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        utilisateur = form.save()
        # Le hachage de session change : les autres sessions sont fermées, celle-ci gardée.
        update_session_auth_hash(request, utilisateur)
        messages.success(request, MESSAGE_MOT_DE_PASSE_CHANGE)
        return redirect("portail:accueil")
    return render(request, "registration/mot_de_passe_changer.html", {"form": form})


class MotDePasseOublieView(auth_views.PasswordResetView):
    template_name = "registration/mot_de_passe_oublie.html"
    email_template_name = "registration/courriel_reinitialisation.txt"
    subject_template_name = "registration/courriel_reinitialisation_sujet.txt"
    form_class = MotDePasseOublieForm
    success_url = reverse_lazy("mot_de_passe_oublie_envoye")


class ReinitialisationConfirmationView(auth_views.PasswordResetConfirmView):
    template_name = "registration/reinitialisation_confirmation.html"
    form_class = NouveauMotDePasseForm
    success_url = reverse_lazy("reinitialisation_terminee")


def csrf_echec(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def page_statique(template_name):
    def vue(request):
        return render(request, template_name)

    return vue
