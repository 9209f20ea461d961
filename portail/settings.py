"""Réglages du Portail Famille : un seul module, lu depuis l'environnement.

Les valeurs par défaut conviennent au développement (SQLite, courriels dans la console) ;
en production, DEBUG est faux et SECRET_KEY, DATABASE_URL et ALLOWED_HOSTS sont obligatoires.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(nom: str, defaut: str = "") -> str:
    return os.environ.get(nom, defaut)


def _env_bool(nom: str, defaut: bool = False) -> bool:
    valeur = os.environ.get(nom)
    if valeur is None:
        return defaut
    return valeur.strip().lower() in {"1", "true", "vrai", "oui", "yes", "on"}


def _env_int(nom: str, defaut: int) -> int:
    valeur = os.environ.get(nom)
    return int(valeur) if valeur else defaut


def _origine(url: str) -> str:
    """« https://www.leves.fr/accueil » → « https://www.leves.fr »."""
    morceaux = urlsplit(url)
    return f"{morceaux.scheme}://{morceaux.netloc}"


def _boucle_locale(hote: str) -> bool:
    """« localhost », « 127.0.0.1 », « [::1] », « 0.0.0.0 » : une adresse qui ne sort pas de la
    machine."""
    hote = hote.strip("[]").lower()
    if hote == "localhost" or hote.endswith(".localhost"):
        return True
    try:
        adresse = ipaddress.ip_address(hote)
    except ValueError:
        return False
    return adresse.is_loopback or adresse.is_unspecified


def _env_liste(nom: str, defaut: str = "") -> list[str]:
    return [v.strip() for v in _env(nom, defaut).split(",") if v.strip()]


DEBUG = _env_bool("DEBUG", False)
# Mode démonstration : active le faux prestataire de paiement et les données d'exemple.
DEMO = _env_bool("DEMO", DEBUG)

SECRET_KEY = _env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY est obligatoire quand DEBUG est désactivé (variable d'environnement)."
        )
    # Clé de développement seulement (DEBUG) : hors DEBUG, l'absence de clé est refusée plus haut.
    SECRET_KEY = "dev-insecure-cle-de-developpement-uniquement-ne-pas-utiliser-en-production"  # nosec B105

ALLOWED_HOSTS = _env_liste("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = _env_liste("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portail.apps.PortailAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "commun",
    "portail",
    "familles",
    "enfants",
    "facturation",
    "messagerie",
    "demandes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Note qu'une requête a écrit : les caches par famille ne servent plus (commun.cache_famille).
    "commun.cache_famille.SuiviDesEcrituresMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portail.middleware.ChangementMotDePasseObligatoireMiddleware",
    "portail.middleware.PagesPersonnellesNonMisesEnCacheMiddleware",
    "portail.middleware.DureeMaximaleDeSessionMiddleware",
    # AxesMiddleware doit rester le dernier : il transforme un verrouillage en réponse.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portail.urls"
WSGI_APPLICATION = "portail.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portail.context_processors.portail",
            ],
        },
    },
]

# Base de données : SQLite par défaut (développement), PostgreSQL en production et en CI.
DATABASES = {
    "default": dj_database_url.parse(
        _env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=_env_int("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# PostgreSQL : les requêtes écrites à la main des pages les plus fréquentées sont préparées
# (commun/sql.py). 0 derrière un PgBouncer en mode transaction sans `max_prepared_statements`.
DB_REQUETES_PREPAREES = _env_bool("DB_REQUETES_PREPAREES", True)
if DB_REQUETES_PREPAREES and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django désactive la préparation par défaut ; les curseurs de l'ORM (liaison côté client)
    # ne préparent jamais rien : seules les requêtes de commun/sql.py le sont.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5

# Cache : mémoire locale par défaut ; REDIS_URL pour un cache partagé entre plusieurs serveurs
# (limites de débit, verrouillages, sessions si SESSIONS le demande).
if _env("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _env("REDIS_URL"),
            # Plusieurs portails (ou recette et production) sur un même Redis : chacun son préfixe.
            "KEY_PREFIX": _env("CACHE_PREFIXE", ""),
        }
    }
# Le cache par famille (commun.cache_famille : accueil, planning, relevé, compteur de l'en-tête).
# Ses clés portent la version des données : juste en mémoire locale (chaque processus garde les
# siennes) comme dans Redis (partagé : moins de calculs). `0` : tout est recalculé à chaque page.
CACHE_FAMILLE = _env_bool("CACHE_FAMILLE", True)

# Sessions : en base (défaut), dans le cache partagé (« cache »), ou lues dans le cache et
# écrites en base (« cache_base »). En cache, il faut REDIS_URL : un cache propre à chaque
# processus ne verrait pas la connexion ni la déconnexion faites par un autre.
_SESSIONS = {
    "base": "django.contrib.sessions.backends.db",
    "cache": "django.contrib.sessions.backends.cache",
    "cache_base": "django.contrib.sessions.backends.cached_db",
}
_sessions = _env("SESSIONS", "base").strip().lower()
if _sessions not in _SESSIONS:
    raise ImproperlyConfigured(f"SESSIONS={_sessions!r} : valeurs possibles {', '.join(_SESSIONS)}.")
if _sessions != "base" and not _env("REDIS_URL"):
    raise ImproperlyConfigured(
        "SESSIONS=cache ou cache_base demande un cache partagé : définissez REDIS_URL."
    )
SESSION_ENGINE = _SESSIONS[_sessions]

AUTH_USER_MODEL = "familles.Utilisateur"
AUTHENTICATION_BACKENDS = [
    # Axes d'abord : il refuse toute tentative sur un identifiant verrouillé.
    "axes.backends.AxesStandaloneBackend",
    "familles.backends.PortailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "familles.validators.ComplexiteValidator"},
]
# Double authentification (TOTP, django-otp) des agents pour l'administration : active par
# défaut hors développement.
ADMIN_DOUBLE_AUTHENTIFICATION = _env_bool("ADMIN_DOUBLE_AUTHENTIFICATION", not DEBUG)
OTP_TOTP_ISSUER = "Portail Famille"

# Limite des demandes « Mot de passe oublié » (par adresse IP et par adresse email, par heure).
REINITIALISATION_LIMITE_PAR_HEURE = _env_int("REINITIALISATION_LIMITE_PAR_HEURE", 5)

LOGIN_URL = "connexion"
LOGIN_REDIRECT_URL = "portail:accueil"

# Site de la ville : où mène « Déconnexion ».
SITE_VILLE_URL = _env("SITE_VILLE_URL", "https://www.leves.fr/")
LOGOUT_REDIRECT_URL = SITE_VILLE_URL
NOM_VILLE = _env("NOM_VILLE", "Lèves")
# Prélèvement SEPA : identifiant créancier SEPA (ICS) du CCAS, vérifié au démarrage
# (format FRkk ZZZ nnnnnn, clé ISO 7064 mod 97-10). Vide : aucun mandat n'est créé.
CCAS_ICS = _env("CCAS_ICS", "")
NOM_CCAS = _env("NOM_CCAS", f"CCAS de {NOM_VILLE}")
CCAS_TELEPHONE = _env("CCAS_TELEPHONE", "02 37 180 180")
CCAS_EMAIL = _env("CCAS_EMAIL", "ccas@leves.fr")
CCAS_ADRESSE = _env("CCAS_ADRESSE", "Place de l'Hôtel de Ville, 28300 Lèves")
# SIRET de la structure qui encaisse les frais de garde : imprimé sur les attestations fiscales
# (vide : « non renseigné », et la commande attestations_fiscales refuse d'envoyer).
CCAS_SIRET = _env("CCAS_SIRET", "")
# Adresse publique du portail : liens des courriels et des factures PDF. Hors DEBUG, une
# adresse de la machine elle-même (boucle locale) est refusée : ces liens ne mèneraient nulle
# part chez les familles.
PORTAIL_URL = _env("PORTAIL_URL", "http://127.0.0.1:8000")
_portail = urlsplit(PORTAIL_URL)
if _portail.scheme not in ("http", "https") or not _portail.hostname:
    raise ImproperlyConfigured(
        f"PORTAIL_URL={PORTAIL_URL!r} n'est pas une adresse web complète "
        "(exemple : https://portail.ville.fr)."
    )
if not DEBUG and _boucle_locale(_portail.hostname):
    raise ImproperlyConfigured(
        f"PORTAIL_URL={PORTAIL_URL!r} désigne la machine elle-même : les liens des factures et "
        "des courriels ne mèneraient nulle part chez les familles. Quand DEBUG est désactivé, "
        "indiquez l'adresse publique du portail (exemple : https://portail.ville.fr)."
    )

# Pages légales (mentions légales, données personnelles, déclaration d'accessibilité).
DIRECTEUR_PUBLICATION = _env("DIRECTEUR_PUBLICATION", f"le président du {NOM_CCAS} (le maire de {NOM_VILLE})")
HEBERGEUR_NOM = _env("HEBERGEUR_NOM", f"Mairie de {NOM_VILLE} (serveurs de la commune)")
HEBERGEUR_ADRESSE = _env("HEBERGEUR_ADRESSE", CCAS_ADRESSE)
HEBERGEUR_TELEPHONE = _env("HEBERGEUR_TELEPHONE", CCAS_TELEPHONE)
DPO_EMAIL = _env("DPO_EMAIL", CCAS_EMAIL)
# Date de la dernière évaluation d'accessibilité (AAAA-MM-JJ), affichée dans la déclaration.
ACCESSIBILITE_DATE_EVALUATION = _env("ACCESSIBILITE_DATE_EVALUATION", "2026-11-28")

# Sessions : expiration après inactivité (SESSION_COOKIE_AGE, prolongée à chaque requête) et
# durée de vie absolue depuis la connexion (SESSION_DUREE_MAXIMALE).
SESSION_COOKIE_AGE = _env_int("SESSION_COOKIE_AGE", 30 * 60)
# L'expiration glisse à chaque requête, mais la session n'est réécrite en base qu'au plus une
# fois par SESSION_RAFRAICHISSEMENT secondes (portail.middleware.DureeMaximaleDeSessionMiddleware).
SESSION_RAFRAICHISSEMENT = _env_int("SESSION_RAFRAICHISSEMENT", 60)
SESSION_DUREE_MAXIMALE = _env_int("SESSION_DUREE_MAXIMALE", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "portail.views.csrf_echec"

# Verrouillage après échecs de connexion (django-axes) : par identifiant ET adresse IP.
AXES_ENABLED = _env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = _env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/verrouillage.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = _env_int("AXES_PROXY_COUNT", 0) or None
AXES_USERNAME_FORM_FIELD = "username"

# Langue : le portail est en français seulement (README, « Langue »). Les textes sont écrits
# en français dans le code et les gabarits, sans catalogue de traduction ; USE_I18N reste actif
# pour que Django lui-même (administration, messages de validation, dates) parle français.
LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Fichiers statiques (WhiteNoise quand DEBUG est désactivé)
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(_env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Fichiers privés (pièces jointes, documents) : jamais sous une URL publique.
MEDIA_ROOT = Path(_env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
FICHIERS_PRIVES_ROOT = Path(_env("FICHIERS_PRIVES_ROOT", str(BASE_DIR / "var" / "prive")))

# Courriel : console en développement, SMTP en production (Django 6.1 : MAILERS).
_EMAIL_BACKEND = _env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_EMAIL_OPTIONS: dict = {}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    _EMAIL_OPTIONS = {
        "host": _env("EMAIL_HOST", "localhost"),
        "port": _env_int("EMAIL_PORT", 25),
        "username": _env("EMAIL_HOST_USER"),
        "password": _env("EMAIL_HOST_PASSWORD"),
        "use_tls": _env_bool("EMAIL_USE_TLS", False),
        "timeout": _env_int("EMAIL_TIMEOUT", 10),
    }
elif _EMAIL_BACKEND.endswith("filebased.EmailBackend"):
    _EMAIL_OPTIONS = {"file_path": _env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "courriels"))}
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _EMAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = _env("DEFAULT_FROM_EMAIL", f"Portail Famille <{CCAS_EMAIL}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PASSWORD_RESET_TIMEOUT = _env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24)

# Formulaires : rendus sans `maxlength` (le serveur refuse un texte trop long, jamais coupé).
FORM_RENDERER = "portail.forms.RenduFormulaires"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# En-têtes de sécurité
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # « Déconnexion » (un POST) redirige vers le site de la ville : form-action couvre aussi
    # les redirections qui suivent l'envoi d'un formulaire.
    "form-action": [CSP.SELF, _origine(SITE_VILLE_URL)] + _env_liste("CSP_FORM_ACTION_EXTRA"),
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

if not DEBUG:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Journaux : JSON sur la sortie standard (une ligne par événement). Le journal « portail.securite »
# trace connexions, échecs, verrouillages, refus d'accès et décisions des agents, sans donnée
# personnelle au-delà des identifiants.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "portail.formateur_journal.FormateurJson",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "horodatage", "levelname": "niveau", "name": "journal"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "portail.securite": {"level": "INFO"},
    },
}

# Notifications et rappels (issue 21). SMS : « messagerie.sms.ConsoleSMS » (journal, ou fichier
# SMS_FICHIER) en développement ; « messagerie.sms.BrevoSMS » (API SMS transactionnels de Brevo)
# en production, avec BREVO_API_CLE. Aucun SMS entre RAPPELS_SMS_HEURE_FIN et
# RAPPELS_SMS_HEURE_DEBUT (heure de Paris) : ils partent à la fin des heures calmes. Au-delà de
# RAPPELS_RESUME_SEUIL notifications dans l'heure, un compte reçoit un résumé au lieu des suivantes.
SMS_BACKEND = _env("SMS_BACKEND", "messagerie.sms.ConsoleSMS")
SMS_FICHIER = _env("SMS_FICHIER", "")
SMS_EXPEDITEUR = _env("SMS_EXPEDITEUR", "CCASLeves")
SMS_TIMEOUT = _env_int("SMS_TIMEOUT", 10)
BREVO_API_URL = _env("BREVO_API_URL", "https://api.brevo.com/v3")
BREVO_API_CLE = _env("BREVO_API_CLE", "")
RAPPELS_SMS_HEURE_DEBUT = _env_int("RAPPELS_SMS_HEURE_DEBUT", 8)
RAPPELS_SMS_HEURE_FIN = _env_int("RAPPELS_SMS_HEURE_FIN", 20)
RAPPELS_RESUME_SEUIL = _env_int("RAPPELS_RESUME_SEUIL", 5)

# Messagerie : tâches de fond (framework de tâches de Django, file d'attente en base de données :
# `python manage.py db_worker` les exécute), pièces jointes et notifications par courriel.
INSTALLED_APPS += ["django_tasks_db"]
TASKS = {
    "default": {"BACKEND": _env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")},
}
MESSAGERIE_PIECE_JOINTE_TAILLE_MAX = _env_int("MESSAGERIE_PIECE_JOINTE_TAILLE_MAX", 5 * 1024 * 1024)
MESSAGERIE_PIECES_JOINTES_NOMBRE_MAX = _env_int("MESSAGERIE_PIECES_JOINTES_NOMBRE_MAX", 3)
MESSAGERIE_DOCUMENT_TAILLE_MAX = _env_int("MESSAGERIE_DOCUMENT_TAILLE_MAX", 10 * 1024 * 1024)
# Courriel « nouveau message » : nombre d'essais et délai (secondes) avant le premier nouvel essai.
MESSAGERIE_NOTIFICATION_TENTATIVES_MAX = _env_int("MESSAGERIE_NOTIFICATION_TENTATIVES_MAX", 6)
MESSAGERIE_NOTIFICATION_DELAI = _env_int("MESSAGERIE_NOTIFICATION_DELAI", 60)
# Liste des demandes : les demandes décidées restent affichées ce nombre de jours.
DEMANDES_DUREE_AFFICHAGE_JOURS = _env_int("DEMANDES_DUREE_AFFICHAGE_JOURS", 31)
# Limites d'envoi par famille sur l'heure écoulée : messages (nouveaux et réponses) et demandes
# de modification (les réservations et absences du planning n'y entrent pas).
MESSAGERIE_LIMITE_PAR_HEURE = _env_int("MESSAGERIE_LIMITE_PAR_HEURE", 20)
DEMANDES_LIMITE_PAR_HEURE = _env_int("DEMANDES_LIMITE_PAR_HEURE", 30)

# RGPD : les familles sans activité depuis ce nombre d'années sont anonymisées par
# `manage.py purger_familles` (factures et règlements conservés).
PURGE_ANNEES_INACTIVITE = _env_int("PURGE_ANNEES_INACTIVITE", 3)
# Facturation : WeasyPrint journalise chaque étape du rendu en INFO.
LOGGING["loggers"].update({"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}})

# Paiement en ligne (Stripe Checkout). Sans ces clés, pas de bouton de paiement (sauf la banque
# simulée de la démonstration, DEMO=1).
STRIPE_SECRET_KEY = _env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = _env("STRIPE_WEBHOOK_SECRET")
if STRIPE_SECRET_KEY:
    # Le formulaire de paiement redirige (303) vers Stripe : form-action doit l'autoriser.
    SECURE_CSP["form-action"].append("https://checkout.stripe.com")
LOGGING["loggers"]["stripe"] = {"level": "WARNING"}
# PayFiP (DGFiP) : choisi par régie dans l'administration (numéro client, exercice, mode), sans
# secret. Le formulaire de paiement redirige (303) vers la page de PayFiP : form-action doit
# l'autoriser. PAYFIP_URL_SERVICE : l'adresse du web service (vide : celle de la DGFiP) ; les
# tests y mettent leur faux service sur la boucle locale.
SECURE_CSP["form-action"].append("https://www.payfip.gouv.fr")
PAYFIP_URL_SERVICE = _env("PAYFIP_URL_SERVICE")
LOGGING["loggers"].update({"zeep": {"level": "WARNING"}, "eopayment": {"level": "WARNING"}})


# Planning (enfants) : zone des vacances scolaires (Lèves : zone B), taille maximale d'un
# certificat médical joint à une absence.
ZONE_VACANCES_SCOLAIRES = _env("ZONE_VACANCES_SCOLAIRES", "B").strip().upper()
CERTIFICAT_TAILLE_MAX = _env_int("CERTIFICAT_TAILLE_MAX", 5 * 1024 * 1024)

# Import des exports du logiciel de facturation : années permises dans les dates (une date hors
# de ces bornes est une erreur de saisie ou de format, jamais devinée).
IMPORT_ANNEE_MIN = _env_int("IMPORT_ANNEE_MIN", 2000)
IMPORT_ANNEE_MAX = _env_int("IMPORT_ANNEE_MAX", 2100)

# Dossier annuel : pièces justificatives déposées par les familles (PDF, JPEG ou PNG, plusieurs
# pages par dépôt) et délai d'alerte avant la fin de validité d'une pièce (bloc « À faire »).
PIECES_FICHIER_TAILLE_MAX = _env_int("PIECES_FICHIER_TAILLE_MAX", 10 * 1024 * 1024)
PIECES_FICHIERS_NOMBRE_MAX = _env_int("PIECES_FICHIERS_NOMBRE_MAX", 10)
PIECES_ALERTE_JOURS = _env_int("PIECES_ALERTE_JOURS", 30)

# Campagnes d'inscription : qui habite la commune (priorité avant l'ouverture à tous, activités
# réservées aux habitants). Le code postal seul ne suffit pas (28300 couvre plusieurs communes) :
# il faut le code postal ET le nom de la commune du titulaire du compte.
COMMUNE_CODE_POSTAL = _env("COMMUNE_CODE_POSTAL", "28300").strip()
# Listes d'attente : délai laissé à la famille pour accepter une place qui lui est proposée.
LISTE_ATTENTE_DELAI_HEURES = _env_int("LISTE_ATTENTE_DELAI_HEURES", 24)
