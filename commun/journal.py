"""Journal de sécurité : événements structurés, sans mot de passe ni donnée personnelle.

Chaque événement est une ligne JSON (horodatage UTC, événement, identifiant, adresse IP…). Les
valeurs venant de l'utilisateur sont nettoyées (caractères de contrôle retirés, longueur bornée)
pour neutraliser l'injection dans les journaux.
"""

import logging
import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

journal = logging.getLogger("portail.securite")

LONGUEUR_MAX = 150


def nettoyer(valeur) -> str:
    """Retire les caractères de contrôle (retours à la ligne compris) et borne la longueur."""
    texte = "" if valeur is None else str(valeur)
    texte = "".join(c if c.isprintable() else "\ufffd" for c in texte)
    return texte[:LONGUEUR_MAX]


def adresse_ip(request) -> str:
    if request is None:
        return ""
    return nettoyer(getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR"))


def evenement(nom: str, *, request=None, identifiant=None, **details) -> None:
    """Écrit un événement de sécurité."""
    donnees = {"evenement": nom, "ip": adresse_ip(request)}
    if identifiant is not None:
        donnees["identifiant"] = nettoyer(identifiant)
    donnees.update({cle: nettoyer(valeur) for cle, valeur in details.items()})
    journal.info(nom, extra=donnees)


@receiver(user_logged_in)
def _connexion(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session["connexion_debut"] = request.session["vu"] = time.time()
    evenement("connexion", request=request, identifiant=user.get_username())


@receiver(user_login_failed)
def _echec(sender, credentials, request=None, **kwargs):
    # Les « credentials » contiennent le mot de passe : seul l'identifiant est gardé.
    evenement("connexion_echec", request=request, identifiant=credentials.get("username"))


@receiver(user_logged_out)
def _deconnexion(sender, request, user, **kwargs):
    evenement("deconnexion", request=request, identifiant=user.get_username() if user is not None else "")


@receiver(user_locked_out)
def _verrouillage(sender, request, username, ip_address, **kwargs):
    evenement("verrouillage", request=request, identifiant=username)
