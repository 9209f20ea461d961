import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import (
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from commun import cache_famille, journal, restrictions
from commun.decorators import famille_requise
from commun.restrictions import RestrictionRefusee
from facturation import selectors as facturation_selectors
from familles import selectors as familles_selectors
from familles.a_faire import elements_a_faire
from portail import export
from portail.forms import (
    ChangementMotDePasseForm,
    ConnexionForm,
    MotDePasseOublieForm,
    NouveauMotDePasseForm,
)

MESSAGE_MOT_DE_PASSE_CHANGE = "Votre mot de passe a été changé."
MESSAGE_CONSENTEMENTS_A_DONNER = (
    "Des textes du CCAS sont à lire et accepter (nouveaux ou modifiés). Vous pouvez aussi y "
    "revenir plus tard depuis l'accueil."
)


# Le bloc « À faire » de l'accueil résume (l'urgent d'abord, voir familles.a_faire) en
# A_FAIRE_AFFICHES lignes au plus ; la suite est dans « Documents à fournir » et « Règlements et
# consentements » (Mon compte), que la dernière ligne donne avec leur nombre.
A_FAIRE_AFFICHES = 6


@famille_requise
def accueil(request):
    """Accueil : le bloc « À faire », le responsable, les factures à payer et la situation.

    Le contenu rendu est gardé tant que les données de la famille ne changent pas
    (commun.cache_famille) ; par compte : la restriction « factures en lecture seule » et les
    liens permis. Ce qui change avec l'heure (délai d'une place proposée, campagne qui ouvre,
    paiement ouvert) est signalé par les lectures elles-mêmes (`cache_famille.echeance`)."""
    contenu = cache_famille.lire(
        request=request,
        nom="accueil",
        calculer=lambda: cache_famille.Calcul(_accueil_rendre(request)),
        par_compte=True,
    )
    return render(request, "portail/accueil.html", {"contenu": contenu})


def _accueil_rendre(request) -> str:
    a_faire = [
        e for e in elements_a_faire(famille=request.famille) if restrictions.lien_permis(request.user, e.url)
    ]
    # Factures en lecture seule (restriction du CCAS) : aucune régie payable en ligne.
    situation = facturation_selectors.situation(
        famille=request.famille,
        paiement_permis=not restrictions.est_restreint(request.user, restrictions.PAIEMENT),
    )
    contexte = {
        "famille": request.famille,
        "responsable": request.famille.responsable_principal,
        "a_faire": a_faire[:A_FAIRE_AFFICHES],
        "a_faire_autres": len(a_faire[A_FAIRE_AFFICHES:]),
        "situation": situation,
    }
    return render_to_string("portail/_accueil_contenu.html", contexte)


@famille_requise
def mes_donnees(request):
    """Toutes les données de la famille, lisibles (HTML) ; téléchargeables en JSON."""
    return render(
        request,
        "portail/mes_donnees.html",
        {"sections": export.donnees_famille_lisibles(famille=request.famille)},
    )


@famille_requise
def mes_donnees_json(request):
    contenu = {
        "famille": request.famille.numero,
        "export_le": timezone.now().isoformat(),
        "sections": export.donnees_famille(famille=request.famille),
    }
    reponse = JsonResponse(contenu, json_dumps_params={"ensure_ascii": False, "indent": 2})
    reponse["Content-Disposition"] = f'attachment; filename="mes-donnees-{request.famille.numero}.json"'
    return reponse


class ConnexionView(auth_views.LoginView):
    template_name = "registration/connexion.html"
    authentication_form = ConnexionForm
    redirect_authenticated_user = True

    def get_success_url(self):
        """Un texte à accepter (nouvelle version) est demandé dès la connexion ; sans bloquer :
        une adresse demandée explicitement (`next`) est servie, et la page se quitte librement."""
        url = super().get_success_url()
        utilisateur = self.request.user
        if (
            not self.get_redirect_url()
            and utilisateur.famille_id is not None
            and not utilisateur.doit_changer_mot_de_passe
            and familles_selectors.consentements_a_donner(famille=utilisateur.famille)
        ):
            messages.info(self.request, MESSAGE_CONSENTEMENTS_A_DONNER)
            return reverse("familles:consentements")
        return url


def _mot_de_passe_enregistrer(request, form, gabarit):
    """Le nouveau mot de passe valide : enregistré, puis l'accueil ; sinon le formulaire."""
    if request.method == "POST" and form.is_valid():
        utilisateur = form.save()
        # Le hachage de session change : les autres sessions sont fermées, celle-ci gardée.
        update_session_auth_hash(request, utilisateur)
        messages.success(request, MESSAGE_MOT_DE_PASSE_CHANGE)
        return redirect("portail:accueil")
    return render(request, gabarit, {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def mot_de_passe_nouveau(request):
    """Première connexion avec un mot de passe temporaire : en choisir un avant tout."""
    if not request.user.doit_changer_mot_de_passe:
        return redirect("portail:accueil")
    form = NouveauMotDePasseForm(request.user, request.POST or None)
    return _mot_de_passe_enregistrer(request, form, "registration/mot_de_passe_nouveau.html")


@login_required
@require_http_methods(["GET", "POST"])
def mot_de_passe_changer(request):
    """Le cadenas : changer son mot de passe garde cette session et ferme les autres."""
    form = ChangementMotDePasseForm(request.user, request.POST or None)
    return _mot_de_passe_enregistrer(request, form, "registration/mot_de_passe_changer.html")


class MotDePasseOublieView(auth_views.PasswordResetView):
    """« Mot de passe oublié ? » : même réponse que le compte existe ou non, débit limité.

    Au-delà de REINITIALISATION_LIMITE_PAR_HEURE demandes par heure pour une même adresse IP ou
    une même adresse email, aucun courriel n'est envoyé mais la réponse reste identique (ni
    énumération des comptes, ni bombardement de courriels).
    """

    template_name = "registration/mot_de_passe_oublie.html"
    email_template_name = "registration/courriel_reinitialisation.txt"
    subject_template_name = "registration/courriel_reinitialisation_sujet.txt"
    form_class = MotDePasseOublieForm
    success_url = reverse_lazy("mot_de_passe_oublie_envoye")

    def form_valid(self, form):
        cles = (
            f"reinit:ip:{journal.adresse_ip(self.request)}",
            f"reinit:email:{form.cleaned_data['email'].lower()}",
        )
        limite = settings.REINITIALISATION_LIMITE_PAR_HEURE
        depasse = False
        for cle in cles:
            cache.add(cle, 0, timeout=3600)
            if cache.incr(cle) > limite:
                depasse = True
        if depasse:
            journal.evenement("reinitialisation_limitee", request=self.request)
            return HttpResponseRedirect(self.get_success_url())
        journal.evenement("reinitialisation_demandee", request=self.request)
        return super().form_valid(form)


class ReinitialisationConfirmationView(auth_views.PasswordResetConfirmView):
    template_name = "registration/reinitialisation_confirmation.html"
    form_class = NouveauMotDePasseForm
    success_url = reverse_lazy("reinitialisation_terminee")


def favicon(request):
    # Résolu à la requête (le manifeste des fichiers statiques n'existe qu'après collectstatic).
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def sante(request):
    """Vue triviale : sonde du répartiteur de charge, et plancher du cadriciel pour les mesures."""
    return HttpResponse("ok", content_type="text/plain")


def csrf_echec(request, reason=""):
    journal.evenement("csrf_refuse", request=request, chemin=request.path)
    return render(request, "403_csrf.html", status=403)


def acces_refuse(request, exception=None):
    identifiant = request.user.get_username() if request.user.is_authenticated else ""
    journal.evenement("acces_refuse", request=request, identifiant=identifiant, chemin=request.path)
    # Une restriction posée par le CCAS dit pourquoi (le message est un texte du code, jamais
    # celui d'une exception quelconque).
    message = exception.message if isinstance(exception, RestrictionRefusee) else ""
    return render(request, "403.html", {"message": message}, status=403)


def _contexte_pages_legales() -> dict:
    return {
        "CCAS_ADRESSE": settings.CCAS_ADRESSE,
        "DIRECTEUR_PUBLICATION": settings.DIRECTEUR_PUBLICATION,
        "HEBERGEUR_NOM": settings.HEBERGEUR_NOM,
        "HEBERGEUR_ADRESSE": settings.HEBERGEUR_ADRESSE,
        "HEBERGEUR_TELEPHONE": settings.HEBERGEUR_TELEPHONE,
        "DPO_EMAIL": settings.DPO_EMAIL,
        "PORTAIL_URL": settings.PORTAIL_URL,
        "date_evaluation": datetime.date.fromisoformat(settings.ACCESSIBILITE_DATE_EVALUATION),
    }


def page_legale(template_name):
    """Une page publique (déclaration d'accessibilité, mentions légales, données personnelles)."""

    def vue(request):
        return render(request, template_name, _contexte_pages_legales())

    return vue
