"""Export de toutes les données d'une famille (RGPD, droit d'accès et portabilité).

Le parcours est générique : chaque modèle du portail relié à `Famille` par une chaîne de clés
étrangères (au plus trois maillons) est exporté, si bien qu'un nouveau modèle est couvert sans
rien ajouter ici. Les secrets (mots de passe, jetons, clés) ne sont jamais exportés.
"""

from collections import deque
from dataclasses import dataclass

from django.apps import apps
from django.db import models

from familles.models import Famille

APPLICATIONS = ("familles", "enfants", "facturation", "messagerie", "demandes")
MOTS_SECRETS = ("password", "secret", "jeton", "token", "cle_", "_cle", "hash", "signature")
CHAMPS_UTILISATEUR = ("username", "email", "first_name", "last_name", "last_login", "date_joined")
PROFONDEUR_MAX = 3


@dataclass(frozen=True)
class Section:
    modele: type[models.Model]
    chemin: str  # lookup vers la famille, ex. « enfant__famille »

    @property
    def libelle(self) -> str:
        return str(self.modele._meta.verbose_name_plural).capitalize()


def _est_secret(nom: str) -> bool:
    return any(mot in nom for mot in MOTS_SECRETS)


def sections() -> list[Section]:
    """Les modèles du portail reliés à une famille, avec le chemin qui les y relie."""
    chemins: dict[type[models.Model], str] = {Famille: "pk"}
    file = deque([(Famille, "")])
    modeles = [m for m in apps.get_models() if m._meta.app_label in APPLICATIONS]
    while file:
        cible, chemin_cible = file.popleft()
        if chemin_cible.count("__") + 1 > PROFONDEUR_MAX:
            continue
        for modele in modeles:
            if modele in chemins:
                continue
            for champ in modele._meta.get_fields():
                if (
                    isinstance(champ, models.ForeignKey | models.OneToOneField)
                    and champ.related_model is cible
                ):
                    chemin = champ.name if not chemin_cible else f"{champ.name}__{chemin_cible}"
                    chemins[modele] = chemin
                    # Pas de chemin à travers les comptes : un message d'agent appartient à la
                    # famille par son fil, pas par le compte (sans famille) de son auteur.
                    if modele._meta.label != "familles.Utilisateur":
                        file.append((modele, chemin))
                    break
    return [Section(m, c) for m, c in chemins.items()]


def _valeur(objet, champ):
    valeur = getattr(objet, champ.attname)
    if champ.choices:
        return getattr(objet, f"get_{champ.name}_display")()
    if isinstance(champ, models.FileField):
        return valeur.name if valeur else ""
    if hasattr(valeur, "isoformat"):
        return valeur.isoformat()
    if valeur is None or isinstance(valeur, bool | int | str | list | dict):
        return valeur
    return str(valeur)


def _champs(modele):
    if modele._meta.label == "familles.Utilisateur":
        return [modele._meta.get_field(n) for n in CHAMPS_UTILISATEUR]
    return [
        f for f in modele._meta.concrete_fields
        if not _est_secret(f.name) and not f.primary_key
    ]


def donnees_famille(*, famille: Famille) -> list[dict]:
    """Toutes les données de la famille, section par section (une requête par modèle)."""
    resultat = []
    for section in sections():
        champs = _champs(section.modele)
        filtre = {"pk": famille.pk} if section.chemin == "pk" else {section.chemin: famille.pk}
        objets = section.modele._default_manager.filter(**filtre).order_by("pk")
        resultat.append({
            "section": section.libelle,
            "modele": section.modele._meta.label,
            "colonnes": [str(f.verbose_name) for f in champs],
            "objets": [
                {str(f.verbose_name): _valeur(objet, f) for f in champs} for objet in objets
            ],
        })
    return resultat
