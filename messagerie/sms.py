"""Envoi des SMS : un petit point d'accroche vers un prestataire, choisi par `SMS_BACKEND`.

- `ConsoleSMS` (développement, tests) : écrit le SMS dans le journal, ou en fin du fichier
  `SMS_FICHIER` ; n'appelle personne.
- `BrevoSMS` (production) : l'API des SMS transactionnels de Brevo
  (`POST {BREVO_API_URL}/transactionalSMS/send`, en-tête `api-key`, corps JSON `sender`,
  `recipient` au format international sans « + », `content`, `type` = « transactional »).
  Les tests le font parler à un faux serveur HTTP local, jamais au vrai.

Un envoi qui échoue lève `EchecSMS` : la tâche de fond le retente plus tard (messagerie.tasks).
Les numéros passent par `mobile_e164` (familles.validators, ré-exporté ici) : seuls les mobiles
français (06, 07) reçoivent un SMS.
"""

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

from familles.validators import mobile_e164  # ré-exporté : la règle vit avec les numéros

logger = logging.getLogger(__name__)

__all__ = ["BrevoSMS", "ConsoleSMS", "EchecSMS", "backend", "mobile_e164", "sms_envoyer"]


class EchecSMS(Exception):
    """Le prestataire n'a pas accepté le SMS (réseau, refus, réponse inattendue)."""


class ConsoleSMS:
    """Le SMS est écrit dans le journal (ou ajouté au fichier SMS_FICHIER) ; `envoyes` garde les
    SMS du processus, comme `mail.outbox` pour les courriels (les tests le vident)."""

    envoyes: list[tuple[str, str]] = []

    def envoyer(self, *, numero: str, texte: str) -> str:
        ConsoleSMS.envoyes.append((numero, texte))
        if settings.SMS_FICHIER:
            with open(settings.SMS_FICHIER, "a", encoding="utf-8") as fichier:
                fichier.write(f"{numero}\t{texte}\n")
        else:
            logger.info("SMS à %s : %s", numero, texte)
        return f"console-{len(ConsoleSMS.envoyes)}"


class BrevoSMS:
    """L'API des SMS transactionnels de Brevo (prestataire français)."""

    def envoyer(self, *, numero: str, texte: str) -> str:
        if not settings.BREVO_API_CLE:
            raise EchecSMS("BREVO_API_CLE n'est pas réglée.")
        corps = json.dumps(
            {
                "sender": settings.SMS_EXPEDITEUR,
                "recipient": numero.lstrip("+"),
                "content": texte,
                "type": "transactional",
            }
        ).encode()
        url = settings.BREVO_API_URL.rstrip("/") + "/transactionalSMS/send"
        if not url.startswith(("https://", "http://")):
            raise EchecSMS("BREVO_API_URL doit être une adresse http(s).")
        requete = urllib.request.Request(  # noqa: S310 — schéma vérifié ci-dessus
            url,
            data=corps,
            method="POST",
            headers={
                "api-key": settings.BREVO_API_CLE,
                "accept": "application/json",
                "content-type": "application/json",
            },
        )
        try:
            # Schéma vérifié ci-dessus (http ou https seulement, jamais file:).
            with urllib.request.urlopen(requete, timeout=settings.SMS_TIMEOUT) as reponse:  # noqa: S310  # nosec B310
                donnees = json.loads(reponse.read() or b"{}")
        except urllib.error.HTTPError as erreur:
            raise EchecSMS(f"Brevo a répondu {erreur.code}") from erreur
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as erreur:
            raise EchecSMS(f"Brevo injoignable : {erreur}") from erreur
        if "messageId" not in donnees:
            raise EchecSMS("Réponse de Brevo sans messageId")
        return str(donnees["messageId"])


def backend():
    return import_string(settings.SMS_BACKEND)()


def sms_envoyer(*, numero: str, texte: str) -> str:
    """Envoie un SMS par le prestataire réglé ; renvoie sa référence, ou lève EchecSMS."""
    return backend().envoyer(numero=numero, texte=texte)
