import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers


def _famille(request):
    # La famille est lue avec l'utilisateur (familles.backends.PortailBackend) : pas de requête.
    utilisateur = request.user
    if not utilisateur.is_authenticated or utilisateur.famille_id is None:
        return None
    return utilisateur.famille


class ChangementMotDePasseObligatoireMiddleware:
    """Rattache la famille à la requête et impose le changement d'un mot de passe temporaire.

    Tant que le mot de passe est temporaire, seules la page de changement, la déconnexion et les
    fichiers statiques sont accessibles.
    """

    CHEMINS_LIBRES = (
        "/static/",
        "/deconnexion/",
        "/accessibilite/",
        "/mentions-legales/",
        "/donnees-personnelles/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.famille = _famille(request)
        utilisateur = getattr(request, "user", None)
        if utilisateur is not None and utilisateur.is_authenticated and utilisateur.doit_changer_mot_de_passe:
            cible = reverse("mot_de_passe_nouveau")
            if request.path != cible and not request.path.startswith(self.CHEMINS_LIBRES):
                return redirect(cible)
        return self.get_response(request)


class PagesPersonnellesNonMisesEnCacheMiddleware:
    """Les pages d'un utilisateur connecté portent des données personnelles : no-store."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response


class DureeMaximaleDeSessionMiddleware:
    """Ferme une session ouverte depuis plus de SESSION_DUREE_MAXIMALE secondes, même active ;
    fait glisser l'expiration après inactivité (SESSION_COOKIE_AGE) en ne réécrivant la session
    qu'une fois par SESSION_RAFRAICHISSEMENT secondes (pas une écriture par requête)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        utilisateur = getattr(request, "user", None)
        if utilisateur is not None and utilisateur.is_authenticated:
            maintenant = time.time()
            debut = request.session.get("connexion_debut")
            if debut is None or maintenant - debut > settings.SESSION_DUREE_MAXIMALE:
                logout(request)
                messages.info(request, "Votre session a expiré : reconnectez-vous.")
                return redirect(settings.LOGIN_URL)
            if maintenant - request.session.get("vu", 0) > settings.SESSION_RAFRAICHISSEMENT:
                request.session["vu"] = maintenant  # la session modifiée repart pour un délai
        return self.get_response(request)
