"""Un cache par famille qui ne peut pas servir une donnée périmée par une écriture.

La clé d'une entrée porte la version des données de la famille et celle des données communes
(`commun.versions` : montées par des déclencheurs de la base à **chaque** écriture, quel qu'en
soit le chemin), la date du jour, le compte (pour ce qui en dépend) et l'empreinte du
déploiement (modèles, code, gabarits et réglages : une nouvelle version ne relit ni un objet ni
une page rendus par l'ancienne). Une écriture validée change
la version : l'entrée n'est plus jamais lue.

Ce qui change avec l'heure sans aucune écriture (un paiement en ligne qui expire, une place
proposée dont le délai passe, une campagne qui ouvre) : le calcul dit jusqu'à quand sa valeur
est juste (`Calcul.valable_jusqu_a`) ; passé cet instant, l'entrée est recalculée.

Pas de cache (calcul direct) :
- sans versions lues avec le compte (`familles.backends.PortailBackend`) ;
- si la requête a déjà écrit (`SuiviDesEcrituresMiddleware` : la version lue au début de la
  requête ne dit plus l'état de la base) ;
- l'entrée n'est écrite qu'après validation de la transaction (`on_commit`) : un calcul fait
  dans une transaction annulée n'est jamais gardé.

Après la restauration d'une sauvegarde, les versions reviennent en arrière : `scripts/restaurer.sh`
les fait toutes sauter d'un grand pas aléatoire (aucune clé déjà écrite n'est plus lue).
"""

import datetime
import functools
import hashlib
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

PREFIXE = "famille"
# Une instruction qui écrit (ou pourrait écrire : `SELECT … FOR UPDATE`, un point de sauvegarde).
_ECRITURE = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.I)


@dataclass(frozen=True)
class Calcul:
    """Une valeur à garder, et l'instant où elle devient fausse sans écriture (None : jamais
    avant la fin du jour)."""

    valeur: Any
    valable_jusqu_a: datetime.datetime | None = None


# Les fichiers du projet dont le contenu entre dans l'empreinte du déploiement.
_SUFFIXES_DU_CODE = {".py", ".html", ".txt", ".css"}


@dataclass(frozen=True)
class PageRendue:
    """Le titre et le contenu d'une page, rendus sans rien de la requête (ni jeton CSRF, ni
    en-tête, ni messages) : ce qu'on peut garder par famille et servir tel quel."""

    titre: str
    contenu: str


@functools.cache
def empreinte_du_deploiement() -> str:
    """Ce qui, en changeant, rend faux tout ce qui est gardé : les modèles (tables et colonnes),
    le contenu du code et des gabarits du projet (une page rendue par l'ancienne version n'est
    pas servie par la nouvelle) et les réglages (ex. un prestataire de paiement configuré).
    Calculée une fois par processus ; la même dans chaque processus d'un même déploiement."""
    empreinte = hashlib.sha256()
    for modele in sorted(apps.get_models(), key=lambda m: m._meta.label):
        colonnes = ",".join(f.attname for f in modele._meta.concrete_fields)
        empreinte.update(f"{modele._meta.label}:{colonnes}\n".encode())
    racine = Path(settings.BASE_DIR)
    dossiers = [Path(a.path) for a in apps.get_app_configs() if Path(a.path).is_relative_to(racine)]
    moteurs: list[dict[str, Any]] = settings.TEMPLATES
    dossiers += [Path(d) for moteur in moteurs for d in moteur.get("DIRS", [])]
    fichiers = {f for d in dossiers for f in d.rglob("*") if f.suffix in _SUFFIXES_DU_CODE and f.is_file()}
    for fichier in sorted(fichiers):
        empreinte.update(str(fichier.relative_to(racine)).encode() + b"\0" + fichier.read_bytes())
    for nom in sorted(n for n in dir(settings) if n.isupper()):
        empreinte.update(f"{nom}={getattr(settings, nom)!r}\n".encode())
    return empreinte.hexdigest()[:12]


def _fin_du_jour(maintenant: datetime.datetime) -> datetime.datetime:
    demain = timezone.localdate(maintenant) + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(demain, datetime.time()))


def cle(*, request, nom: str, par_compte: bool) -> str | None:
    """La clé de `nom` pour la famille de la requête, ou None (pas de cache possible)."""
    utilisateur = getattr(request, "user", None)
    if (
        not settings.CACHE_FAMILLE
        or utilisateur is None
        or getattr(utilisateur, "famille_id", None) is None
        or not hasattr(utilisateur, "version_famille")
        or getattr(request, "ecritures", False)
    ):
        return None
    compte = utilisateur.pk if par_compte else ""
    return ":".join(
        str(morceau)
        for morceau in (
            PREFIXE,
            empreinte_du_deploiement(),
            nom,
            utilisateur.famille_id,
            compte,
            utilisateur.version_famille,
            utilisateur.version_commune,
            timezone.localdate().isoformat(),
        )
    )


# Les échéances signalées par les lectures du calcul en cours (None hors d'un calcul).
_ECHEANCES: ContextVar[list | None] = ContextVar("cache_famille_echeances", default=None)


def echeance(instant: datetime.datetime | None) -> None:
    """Signale, depuis une lecture, l'instant où ce qu'elle vient de lire change sans écriture
    (délai d'une place proposée, expiration d'un paiement) : l'entrée du cache en cours de
    calcul n'est pas servie au-delà. Sans calcul en cours : rien."""
    echeances = _ECHEANCES.get()
    if echeances is not None and instant is not None:
        echeances.append(instant)


def lire(*, request, nom: str, calculer: Callable[[], Calcul], par_compte: bool = False) -> Any:
    """La valeur `nom` de la famille de la requête : du cache si sa version est la bonne et
    qu'elle est encore valable, sinon calculée (et gardée après validation)."""
    cle_entree = cle(request=request, nom=nom, par_compte=par_compte)
    if cle_entree is None:
        return calculer().valeur
    maintenant = timezone.now()
    entree = cache.get(cle_entree)
    if entree is not None:
        valable_jusqu_a, valeur = entree
        if valable_jusqu_a is None or maintenant < valable_jusqu_a:
            return valeur
    jeton = _ECHEANCES.set([])
    try:
        calcul = calculer()
        echeances = _ECHEANCES.get() or []
    finally:
        _ECHEANCES.reset(jeton)
    if calcul.valable_jusqu_a is not None:
        echeances.append(calcul.valable_jusqu_a)
    valable_jusqu_a = min(echeances, default=None)
    if valable_jusqu_a is not None and valable_jusqu_a <= maintenant:
        return calcul.valeur  # déjà échue : rien à garder
    fin = _fin_du_jour(maintenant)
    if valable_jusqu_a is not None:
        fin = min(fin, valable_jusqu_a)
    duree = max(1, int((fin - maintenant).total_seconds()))
    entree = (valable_jusqu_a, calcul.valeur)
    transaction.on_commit(lambda: cache.set(cle_entree, entree, duree))
    return calcul.valeur


class SuiviDesEcrituresMiddleware:
    """Note sur la requête (`request.ecritures`) qu'elle a écrit dans la base : dès lors, les
    versions lues avec le compte ne disent plus l'état de la base et `lire` calcule sans cache
    (ex. ouvrir un fil marque ses messages lus, puis l'en-tête compte les non-lus)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.ecritures = False

        def surveiller(execute, sql, params, many, context):
            if not request.ecritures and _ECRITURE.search(sql):
                request.ecritures = True
            return execute(sql, params, many, context)

        with connection.execute_wrapper(surveiller):
            return self.get_response(request)
