"""Modification auditée d'un objet (forme de `model_update` du guide HackSoft).

Les services qui appliquent une demande acceptée (fiche famille, responsable, enfant,
autorisations, santé) passent tous par ici : champs autorisés vérifiés, valeurs posées,
`full_clean()` puis `save()`, et les textes avant/après que le journal d'audit garde.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import models

from commun.audit import audit_enregistrer


@dataclass(frozen=True)
class Modification:
    instance: models.Model
    avant: dict[str, str]
    apres: dict[str, str]


def texte_audit(instance: models.Model, champ: str) -> str:
    """La valeur d'un champ telle que l'audit la montre : libellé du choix, Oui/Non,
    date en JJ/MM/AAAA, « » pour rien."""
    valeur = getattr(instance, champ)
    affichage = getattr(instance, f"get_{champ}_display", None)
    if affichage is not None:
        return str(affichage())
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if hasattr(valeur, "strftime"):
        return valeur.strftime("%d/%m/%Y")
    return "" if valeur is None else str(valeur)


def modele_modifier(
    *,
    instance: models.Model,
    donnees: Mapping,
    champs: Iterable[str] | None = None,
    masques: Mapping[str, Callable[[str], str]] | None = None,
) -> Modification:
    """Pose `donnees` sur `instance`, valide (`full_clean`) et enregistre.

    `champs` : les seuls champs modifiables (ValueError sinon) ; None : tous.
    `masques` : champ → fonction qui masque sa valeur dans l'audit (ex. l'IBAN).
    Renvoie l'instance et les textes avant/après, indexés par le nom affiché du champ.
    """
    if champs is not None:
        inconnus = set(donnees) - set(champs)
        if inconnus:
            raise ValueError(f"Champs non modifiables : {sorted(inconnus)}")
    masques = masques or {}

    def texte(champ: str) -> str:
        if champ in masques:
            return masques[champ](getattr(instance, champ))
        return texte_audit(instance, champ)

    avant, apres = {}, {}
    for champ, valeur in donnees.items():
        libelle = str(getattr(instance._meta.get_field(champ), "verbose_name", champ))
        avant[libelle] = texte(champ)
        setattr(instance, champ, valeur)
        apres[libelle] = texte(champ)
    instance.full_clean()
    instance.save()
    return Modification(instance=instance, avant=avant, apres=apres)


def modele_modifier_audite(
    *,
    instance: models.Model,
    donnees: Mapping,
    auteur,
    famille,
    objet: str | Callable[[models.Model], str],
    action: str,
    champs: Iterable[str] | None = None,
    masques: Mapping[str, Callable[[str], str]] | None = None,
    sensible: bool = False,
) -> Modification:
    """`modele_modifier`, puis la trace d'audit avec les textes avant/après (sans leurs valeurs
    si `sensible`). `objet` peut être une fonction de l'instance modifiée : l'audit nomme alors
    l'objet tel qu'il est après la modification (un enfant renommé, sous son nouveau nom)."""
    modification = modele_modifier(instance=instance, donnees=donnees, champs=champs, masques=masques)
    audit_enregistrer(
        auteur=auteur,
        famille=famille,
        objet=objet(modification.instance) if callable(objet) else objet,
        action=action,
        avant=modification.avant,
        apres=modification.apres,
        sensible=sensible,
    )
    return modification
