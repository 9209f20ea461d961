from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def famille_requise(vue):
    """Une page du portail : il faut être connecté avec un compte rattaché à une famille."""

    @login_required
    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        if request.famille is None:
            raise PermissionDenied("Ce compte n'est rattaché à aucune famille.")
        return vue(request, *args, **kwargs)

    return enveloppe
