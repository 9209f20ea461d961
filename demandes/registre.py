"""Le registre des types de demande : un seul mécanisme de modération pour tous.

Chaque type dit quel formulaire revalide la demande et quel service (de l'application qui
possède la donnée) l'applique. La file de modération, la liste des demandes du parent, les
décisions en masse et l'audit ne connaissent que ce registre.

Ajouter un type de demande
--------------------------
1. Écrire le formulaire (dans l'application qui possède la donnée, ex. `enfants/forms.py`) :
   pré-rempli par `instance=` (ModelForm) ou `initial=`, il valide tout ce qu'il faut (il est
   rejoué au moment de l'acceptation, contre la fiche du moment).
2. Écrire le service qui applique (ex. `enfants.services.enfant_modifier(...)`), avec
   `@transaction.atomic` ; il ne connaît pas `demandes`.
3. Déclarer le type dans un module `demandes/types_<sujet>.py` importé par `demandes.apps` :

       enregistrer(TypeDemande(
           code="absence", libelle="Déclaration d'absence", cote=COTE_ENFANTS,
           categorie="Absences", formulaire=AbsenceForm,
           arguments=lambda *, famille, enfant: {"enfant": enfant},
           appliquer=lambda *, demande, donnees, auteur: planning_services.absence_declarer(...),
           creation=True,            # la demande crée quelque chose : toutes les données gardées
           unique_en_attente=False,  # plusieurs demandes de ce type peuvent attendre ensemble
           colonnes=mes_colonnes,    # facultatif : colonnes(demande, parent=True) → [(libellé, texte)]
       ))

   `arguments(famille=, enfant=)` renvoie les arguments du formulaire (ex. `{"instance": ...}`,
   lu à nouveau en base à chaque appel) ; `sensible=True` cache les valeurs aux agents sans la
   permission « voir les données sanitaires » et dans l'audit ; `masques` masque des champs côté
   parent (IBAN).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.db import models

from commun.audit import valeur_texte as texte  # noqa: F401  (réexporté : registre.texte)

COTE_COMPTE = "compte"
COTE_ENFANTS = "enfants"
COTES = {COTE_COMPTE: "Mon compte", COTE_ENFANTS: "Mes enfants"}
PERMISSION_SANITAIRE = "enfants.voir_donnees_sanitaires"
TEXTE_MASQUE_SANITAIRE = "Donnée sanitaire masquée (permission « voir les données sanitaires » requise)"


def _sans_argument(*, famille, enfant) -> dict:
    return {}


@dataclass(frozen=True)
class TypeDemande:
    code: str
    libelle: str
    cote: str
    categorie: str
    formulaire: type[forms.BaseForm]
    appliquer: Callable
    arguments: Callable = _sans_argument
    creation: bool = False
    unique_en_attente: bool = True
    sensible: bool = False
    masques: dict = field(default_factory=dict)
    colonnes: Callable | None = None
    # Facultatif : appelé au refus, dans la même transaction (ex. la réservation passe
    # « refusée » dans le planning) : refuser(demande=, donnees=, agent=, motif=).
    refuser: Callable | None = None
    # Facultatif : appelé quand le parent annule sa demande : annuler(demande=, donnees=).
    annuler: Callable | None = None
    # Ce que dit l'administration quand un agent accepte (« {pk} » : le numéro de la demande).
    message_acceptee: str = "Demande n° {pk} acceptée : la fiche a été mise à jour."
    # Facultatif : ce que l'agent doit savoir pour décider, montré dans le détail de la demande
    # (ex. les places restantes le jour d'une réservation) : informations(demande) → [(libellé,
    # texte)].
    informations: Callable | None = None
    # Compte dans la limite de demandes par famille et par heure (DEMANDES_LIMITE_PAR_HEURE).
    limite_par_heure: bool = True

    def construire(self, *, famille, enfant=None, data=None) -> forms.BaseForm:
        """Le formulaire du type, pré-rempli avec la fiche actuelle (lue en base)."""
        return self.formulaire(data=data, **self.arguments(famille=famille, enfant=enfant))

    @property
    def champs_annexes(self) -> tuple:
        return tuple(getattr(self.formulaire, "champs_annexes", ()))

    def libelles(self) -> dict:
        return {nom: str(champ.label or nom) for nom, champ in self.formulaire.base_fields.items()}


_TYPES: dict[str, TypeDemande] = {}

# Ce que renvoie `appliquer` quand la demande ne peut pas être satisfaite faute de place (activité
# complète) : elle n'est pas acceptée mais mise en liste d'attente (Demande.Statut.LISTE_ATTENTE).
EN_LISTE_ATTENTE = object()


def motif_acceptee(demande) -> str:
    """Le motif des modifications qu'apporte une demande acceptée (journal d'audit)."""
    return f"Demande n° {demande.pk} acceptée"


def enregistrer(type_demande: TypeDemande) -> TypeDemande:
    if type_demande.code in _TYPES:
        raise ValueError(f"Type de demande déjà enregistré : {type_demande.code}")
    _TYPES[type_demande.code] = type_demande
    return type_demande


def type_demande(code: str) -> TypeDemande:
    return _TYPES[code]


def types(cote: str | None = None) -> list[TypeDemande]:
    return [t for t in _TYPES.values() if cote is None or t.cote == cote]


def libelle(code: str) -> str:
    type_ = _TYPES.get(code)
    return type_.libelle if type_ else code


def categories(cote: str) -> list[str]:
    """Les catégories (filtres de la Liste des demandes) d'un côté, dans l'ordre d'enregistrement."""
    return list(dict.fromkeys(t.categorie for t in types(cote)))


# Valeurs : données JSON de la demande et textes affichés.


def serialiser(valeur):
    """Une valeur nettoyée → une donnée JSON qu'un formulaire relit tel quel."""
    if isinstance(valeur, models.Model):
        return valeur.pk
    if isinstance(valeur, models.QuerySet | list | tuple | set):
        return [serialiser(v) for v in valeur]
    if isinstance(valeur, Decimal):
        return str(valeur)
    if isinstance(valeur, datetime.date | datetime.time):
        return valeur.isoformat()
    return valeur


def valeurs_actuelles(type_: TypeDemande, *, famille, enfant=None) -> tuple[forms.BaseForm, dict]:
    """Le formulaire non lié de la fiche actuelle et ses valeurs initiales, par champ."""
    formulaire = type_.construire(famille=famille, enfant=enfant)
    initiales = {
        nom: formulaire.get_initial_for_field(champ, nom) for nom, champ in formulaire.fields.items()
    }
    return formulaire, initiales


def valeurs_demandees(demande, formulaire: forms.BaseForm) -> dict:
    """Les valeurs d'une demande en attente, par champ du formulaire (hors champs annexes) :
    de quoi pré-remplir le formulaire avec ce qui est déjà demandé."""
    annexes = demande.type_demande.champs_annexes
    return {
        nom: valeur
        for nom, valeur in demande.donnees.items()
        if nom in formulaire.fields and nom not in annexes
    }


def textes_actuels(type_: TypeDemande, *, famille, enfant=None, champs=None) -> dict:
    formulaire, initiales = valeurs_actuelles(type_, famille=famille, enfant=enfant)
    return {
        nom: texte(formulaire.fields[nom], initiales[nom])
        for nom in (champs if champs is not None else initiales)
        if nom in formulaire.fields
    }


def colonnes(demande, *, parent: bool, voir_sanitaire: bool = True) -> list[tuple[str, str]]:
    """Ce qui est demandé, champ par champ : [(libellé, valeur demandée)].

    Côté parent, les champs masqués du type (IBAN) le sont ; une donnée sanitaire n'est montrée
    qu'à qui a la permission.
    """
    type_ = demande.type_demande
    if type_.sensible and not voir_sanitaire:
        return [("Données sanitaires", TEXTE_MASQUE_SANITAIRE)]
    if type_.colonnes is not None:
        return type_.colonnes(demande, parent=parent)
    libelles = type_.libelles()
    resultat = []
    for nom, valeur in demande.apres.items():
        if parent and nom in type_.masques:
            valeur = type_.masques[nom](valeur)
        resultat.append((libelles.get(nom, nom), valeur or "—"))
    return resultat
