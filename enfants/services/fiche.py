"""Écritures sur les enfants et leur fiche (appelées quand un agent accepte une demande).

Les données sanitaires sont tracées sans leurs valeurs (RGPD art. 9) : l'audit dit qu'elles
ont changé et qui les a changées.
"""

from django.db import transaction

from commun.audit import audit_enregistrer
from commun.modifier import modele_modifier_audite
from enfants.models import (
    Autorisations,
    DonneesSanitaires,
    Enfant,
    PersonneAutorisee,
    Vaccination,
)


def _audit_enfant(enfant: Enfant, auteur) -> dict:
    """Qui écrit, et à quelle famille et quel objet l'audit rattache une écriture sur un enfant."""
    return {"auteur": auteur, "famille": enfant.famille, "objet": f"Enfant {enfant}"}


CHAMPS_ENFANT_MODIFIABLES = frozenset(
    {
        "nom",
        "prenom",
        "date_naissance",
        "ecole",
        "classe",
        "port_lunettes",
        "lunettes_precisions",
    }
)


@transaction.atomic
def enfant_modifier(*, enfant: Enfant, valeurs: dict, auteur=None, motif: str = "") -> Enfant:
    """Modifie l'identité, la scolarité ou le port de lunettes d'un enfant ; trace l'audit."""
    enfant = Enfant.objects.select_for_update().get(pk=enfant.pk)
    modele_modifier_audite(
        instance=enfant,
        donnees=valeurs,
        champs=CHAMPS_ENFANT_MODIFIABLES,
        auteur=auteur,
        famille=enfant.famille,
        objet=lambda modifie: f"Enfant {modifie}",  # sous son nom après la modification
        action=motif or "Modification de l'enfant",
    )
    return enfant


@transaction.atomic
def autorisations_modifier(*, enfant: Enfant, valeurs: dict, auteur=None, motif: str = "") -> Autorisations:
    autorisations = Autorisations.objects.select_for_update().filter(enfant=enfant).first() or Autorisations(
        enfant=enfant
    )
    modele_modifier_audite(
        instance=autorisations,
        donnees=valeurs,
        **_audit_enfant(enfant, auteur),
        action=motif or "Modification des autorisations",
    )
    return autorisations


@transaction.atomic
def donnees_sanitaires_modifier(
    *, enfant: Enfant, valeurs: dict, auteur=None, motif: str = ""
) -> DonneesSanitaires:
    """Modifie les données de santé ; l'audit ne garde que les noms des champs changés."""
    donnees = DonneesSanitaires.objects.select_for_update().filter(
        enfant=enfant
    ).first() or DonneesSanitaires(enfant=enfant)
    modele_modifier_audite(
        instance=donnees,
        donnees=valeurs,
        **_audit_enfant(enfant, auteur),
        action=motif or "Modification des données sanitaires",
        sensible=True,
    )
    return donnees


@transaction.atomic
def vaccination_ajouter(*, enfant: Enfant, vaccin: str, date, auteur=None, motif: str = "") -> Vaccination:
    vaccination = Vaccination(enfant=enfant, vaccin=vaccin, date=date)
    vaccination.full_clean()
    vaccination.save()
    # Toucher la fiche sanitaire : sa date dit quand la santé de l'enfant a été revue.
    donnees, _ = DonneesSanitaires.objects.get_or_create(enfant=enfant)
    donnees.save(update_fields=["date_mise_a_jour"])
    audit_enregistrer(
        **_audit_enfant(enfant, auteur),
        action=motif or "Vaccination ajoutée",
        apres={"vaccination": "ajoutée"},
        sensible=True,
    )
    return vaccination


@transaction.atomic
def personne_autorisee_ajouter(
    *, enfant: Enfant, valeurs: dict, auteur=None, motif: str = ""
) -> PersonneAutorisee:
    personne = PersonneAutorisee(enfant=enfant, **valeurs)
    personne.full_clean()
    personne.save()
    audit_enregistrer(
        **_audit_enfant(enfant, auteur),
        action=motif or "Personne autorisée ajoutée",
        apres={"personne autorisée": str(personne)},
    )
    return personne


@transaction.atomic
def personne_autorisee_retirer(*, personne: PersonneAutorisee, auteur=None, motif: str = "") -> None:
    enfant = personne.enfant
    texte = str(personne)
    personne.delete()
    audit_enregistrer(
        **_audit_enfant(enfant, auteur),
        action=motif or "Personne autorisée retirée",
        avant={"personne autorisée": texte},
    )


@transaction.atomic
def enfant_creer(
    *, famille, nom: str, prenom: str, date_naissance, souhaits: str = "", auteur=None, motif: str = ""
) -> Enfant:
    """Crée l'enfant d'une famille, marqué « à contacter » pour les fiches d'inscription."""
    enfant = Enfant(
        famille=famille,
        nom=nom.upper(),
        prenom=prenom.upper(),
        date_naissance=date_naissance,
        a_contacter=True,
        souhaits_inscription=souhaits,
    )
    enfant.full_clean()
    enfant.save()
    audit_enregistrer(
        **_audit_enfant(enfant, auteur),
        action=motif or "Enfant ajouté",
        apres={"enfant": str(enfant)},
    )
    return enfant


@transaction.atomic
def enfant_contact_fait(*, enfant: Enfant, auteur=None) -> Enfant:
    """L'agent a contacté la famille : l'enfant n'est plus signalé « à contacter »."""
    Enfant.objects.filter(pk=enfant.pk).update(a_contacter=False)
    audit_enregistrer(
        **_audit_enfant(enfant, auteur),
        action="Famille contactée pour l'inscription",
    )
    enfant.a_contacter = False
    return enfant
