"""Export de toutes les données d'une famille (RGPD, droit d'accès et portabilité).

Le parcours est générique : chaque modèle du portail relié à `Famille` par une chaîne de clés
étrangères (au plus trois maillons) est exporté, si bien qu'un nouveau modèle est couvert sans
rien ajouter ici. Les secrets (mots de passe, jetons, clés) ne sont jamais exportés.

Deux formes : `donnees_famille` (le téléchargement JSON, données brutes) et
`donnees_famille_lisibles` (la page « Mes données » : dates et montants en français, libellés
au lieu des codes, objets liés nommés au lieu de leurs identifiants).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from commun.decouverte import modeles_relies
from commun.formats import montant_fr, taille_fichier_fr
from familles.models import Famille

APPLICATIONS = ("familles", "enfants", "facturation", "messagerie", "demandes")
MOTS_SECRETS = ("password", "secret", "jeton", "token", "cle_", "_cle", "hash", "signature")
CHAMPS_UTILISATEUR = (
    "username",
    "responsable",
    "email",
    "first_name",
    "last_name",
    "last_login",
    "date_joined",
    *("reservations_interdites", "paiement_interdit", "demandes_interdites"),
)
PROFONDEUR_MAX = 3

# Page lisible : les nombres décimaux sont des montants (« 120,60 € ») ou des nombres
# (« 2,5 ») ; un champ décimal absent des deux listes est une erreur (jamais deviné).
CHAMPS_MONTANTS = frozenset({"montant", "prix_unitaire", "revenu_fiscal_reference"})
CHAMPS_NOMBRES = frozenset({"nombre_parts", "quantite"})
# Tailles de fichier en octets : « 5,3 Ko ».
CHAMPS_TAILLES = frozenset({"taille"})
SECTIONS_LIBELLES = {"familles.Famille": "Famille", "familles.Utilisateur": "Comptes de connexion"}
AGENT = "Un agent du CCAS"


@dataclass(frozen=True)
class Section:
    modele: type[models.Model]
    chemin: str  # lookup vers la famille, ex. « enfant__famille »

    @property
    def libelle(self) -> str:
        return str(self.modele._meta.verbose_name_plural).capitalize()


# Les modèles qui n'appartiennent à la famille que par un de ses comptes (on ne traverse pas les
# comptes en général : un message d'agent a pour auteur un compte sans famille).
PAR_LES_COMPTES = {"familles.PreferenceNotification": "utilisateur__famille"}


def _est_secret(nom: str) -> bool:
    return any(mot in nom for mot in MOTS_SECRETS)


def sections() -> list[Section]:
    """Les modèles du portail reliés à une famille, avec le chemin qui les y relie."""
    # Pas de chemin à travers les comptes : un message d'agent appartient à la famille par son
    # fil, pas par le compte (sans famille) de son auteur.
    chemins = modeles_relies(
        Famille,
        applications=APPLICATIONS,
        profondeur_max=PROFONDEUR_MAX,
        sans_traverser=("familles.Utilisateur",),
    )
    # Ce qui appartient à un compte de la famille (et à lui seul) : ses choix de notification.
    for libelle, chemin in PAR_LES_COMPTES.items():
        chemins[apps.get_model(libelle)] = chemin
    return [Section(m, c) for m, c in chemins.items()]


def _valeur(objet, champ):
    valeur = getattr(objet, champ.attname)
    if champ.choices:
        return getattr(objet, f"get_{champ.name}_display")()
    if isinstance(champ, models.FileField):
        return valeur.name if valeur else ""
    if hasattr(valeur, "isoformat"):
        return valeur.isoformat()
    if champ.name == "responsable" and champ.model._meta.label == "familles.Utilisateur":
        # Le compte de quel responsable : son nom (lu avec le compte), pas un numéro interne.
        return str(objet.responsable) if valeur is not None else None
    if valeur is None or isinstance(valeur, bool | int | str | list | dict):
        return valeur
    return str(valeur)


def _champs(modele):
    if modele._meta.label == "familles.Utilisateur":
        return [modele._meta.get_field(n) for n in CHAMPS_UTILISATEUR]
    return [f for f in modele._meta.concrete_fields if not _est_secret(f.name) and not f.primary_key]


def donnees_famille(*, famille: Famille) -> list[dict]:
    """Toutes les données de la famille, section par section (une requête par modèle)."""
    resultat = []
    for section in sections():
        champs = _champs(section.modele)
        filtre = {"pk": famille.pk} if section.chemin == "pk" else {section.chemin: famille.pk}
        objets = section.modele._default_manager.filter(**filtre).order_by("pk")
        if section.modele._meta.label == "familles.Utilisateur":
            objets = objets.select_related("responsable")
        resultat.append(
            {
                "section": section.libelle,
                "modele": section.modele._meta.label,
                "colonnes": [str(f.verbose_name) for f in champs],
                "objets": [{str(f.verbose_name): _valeur(objet, f) for f in champs} for objet in objets],
            }
        )
    return resultat


# --- La page « Mes données » : les mêmes données, lisibles par un parent ----------------------


class ChampDecimalInconnu(ValueError):
    pass


def _nombre_fr(valeur: Decimal) -> str:
    """Decimal("2.50") → « 2,5 » ; Decimal("18.00") → « 18 »."""
    texte = format(valeur, "f")
    if "." in texte:
        texte = texte.rstrip("0").rstrip(".")
    return texte.replace(".", ",")


def _libelle_colonne(champ) -> str:
    return "Taille" if champ.name in CHAMPS_TAILLES else capfirst(str(champ.verbose_name))


def _colonnes_lisibles(modele) -> list:
    """Les champs montrés : ni le lien vers la famille (c'est la sienne), ni les données
    techniques que le modèle déclare (`export_champs_techniques`, gardées dans le JSON)."""
    techniques = set(getattr(modele, "export_champs_techniques", ()))
    return [
        f
        for f in _champs(modele)
        if f.name not in techniques and not (f.is_relation and f.related_model is Famille)
    ]


def _jointures(champs) -> list[str]:
    """Les objets liés lus avec la ligne (et ceux que leur nom affiché lit) : une requête par
    section, quel que soit le nombre de lignes."""
    chemins = []
    for champ in champs:
        if not champ.is_relation:
            continue
        chemins.append(champ.name)
        if champ.related_model._meta.label == "familles.Utilisateur":
            # « jeanne.dupont (JEANNE DUPONT) » : le responsable du compte, joint.
            chemins.append(f"{champ.name}__responsable")
            continue
        for sous in champ.related_model._meta.concrete_fields:
            if sous.is_relation and sous.related_model not in (
                Famille,
                apps.get_model("familles", "Utilisateur"),
            ):
                chemins.append(f"{champ.name}__{sous.name}")
    return chemins


def _lisible(objet, champ, *, famille: Famille) -> str:
    affichage = getattr(objet, f"get_{champ.name}_display", None)
    if affichage is not None:
        texte = affichage()
        return str(texte) if texte not in (None, "") else "—"
    if champ.is_relation:
        return _lie_lisible(getattr(objet, champ.name), famille=famille)
    valeur = getattr(objet, champ.attname)
    if valeur is None or valeur == "":
        return "—"
    return _valeur_lisible(champ, valeur)


def _lie_lisible(lie, *, famille: Famille) -> str:
    """Un objet lié, par son nom ; un compte d'agent reste anonyme (« Un agent du CCAS »)."""
    if lie is None:
        return "—"
    if lie._meta.label == "familles.Utilisateur":
        if lie.famille_id != famille.pk:
            return AGENT
        if lie.responsable_id is not None:
            return f"{lie.get_username()} ({lie.responsable.nom_complet})"
        return lie.get_username()
    return str(lie)


def _valeur_lisible(champ, valeur) -> str:
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(champ, models.FileField):
        return PurePosixPath(valeur.name).name
    if isinstance(valeur, datetime.datetime):
        return f"{timezone.localtime(valeur):%d/%m/%Y à %H:%M}"
    if isinstance(valeur, datetime.date):
        return f"{valeur:%d/%m/%Y}"
    if isinstance(valeur, Decimal):
        return _decimal_lisible(champ, valeur)
    if champ.name in CHAMPS_TAILLES:
        return taille_fichier_fr(valeur)
    if isinstance(valeur, dict):
        return " ; ".join(f"{cle} : {texte}" for cle, texte in valeur.items()) or "—"
    if isinstance(valeur, list):
        return ", ".join(str(v) for v in valeur) or "—"
    return str(valeur)


def _decimal_lisible(champ, valeur: Decimal) -> str:
    if champ.name in CHAMPS_MONTANTS:
        return f"{montant_fr(valeur)}\u00a0€"
    if champ.name in CHAMPS_NOMBRES:
        return _nombre_fr(valeur)
    raise ChampDecimalInconnu(
        f"{champ.model._meta.label}.{champ.name} : montant ou nombre ? Déclarez-le dans "
        "portail.export.CHAMPS_MONTANTS ou CHAMPS_NOMBRES."
    )


def donnees_famille_lisibles(*, famille: Famille) -> list[dict]:
    """Les données de la famille pour la page « Mes données » : une section par modèle, des
    colonnes nommées et des lignes de textes (une requête par modèle)."""
    resultat = []
    for section in sections():
        champs = _colonnes_lisibles(section.modele)
        filtre = {"pk": famille.pk} if section.chemin == "pk" else {section.chemin: famille.pk}
        objets = section.modele._default_manager.filter(**filtre).order_by("pk")
        if jointures := _jointures(champs):
            objets = objets.select_related(*jointures)
        label = section.modele._meta.label
        colonnes = [_libelle_colonne(f) for f in champs]
        resultat.append(
            {
                "section": SECTIONS_LIBELLES.get(label, section.libelle),
                "colonnes": colonnes,
                # (intitulé, valeur) : l'intitulé de la colonne accompagne la valeur sur téléphone.
                "lignes": [
                    list(zip(colonnes, (_lisible(objet, f, famille=famille) for f in champs), strict=True))
                    for objet in objets
                ],
            }
        )
    return resultat
