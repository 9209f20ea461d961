"""Les demandes de « Mes enfants » : fiche de l'enfant et ajout d'un enfant à inscrire."""

from demandes.registre import COTE_ENFANTS, TypeDemande, enregistrer, texte
from enfants import forms as enfants_forms
from enfants import services as enfants_services
from enfants.models import Autorisations, DonneesSanitaires, Enfant


def _motif(demande):
    return f"Demande n° {demande.pk} acceptée"


def _enfant_instance(*, famille, enfant):
    # Relu en base, borné à la famille : le formulaire ne modifie jamais un objet partagé.
    return {"instance": Enfant.objects.get(pk=enfant.pk, famille=famille) if enfant else Enfant()}


def _fiche(modele):
    def arguments(*, famille, enfant):
        if enfant is None:
            return {}
        return {"instance": modele.objects.filter(enfant=enfant).first() or modele(enfant=enfant)}

    return arguments


def _appliquer_enfant(*, demande, donnees, auteur):
    return enfants_services.enfant_modifier(
        enfant=demande.enfant, valeurs=donnees, auteur=auteur, motif=_motif(demande)
    )


INFORMATIONS = enregistrer(
    TypeDemande(
        code="enfant_informations",
        libelle="Informations de l'enfant",
        cote=COTE_ENFANTS,
        categorie="Informations",
        formulaire=enfants_forms.EnfantInformationsForm,
        arguments=_enfant_instance,
        appliquer=_appliquer_enfant,
    )
)
PERSONNE_AJOUT = enregistrer(
    TypeDemande(
        code="enfant_personne_ajout",
        libelle="Ajout d'une personne autorisée",
        cote=COTE_ENFANTS,
        categorie="Personnes autorisées",
        formulaire=enfants_forms.PersonneAutoriseeForm,
        creation=True,
        unique_en_attente=False,
        appliquer=lambda *, demande, donnees, auteur: enfants_services.personne_autorisee_ajouter(
            enfant=demande.enfant, valeurs=donnees, auteur=auteur, motif=_motif(demande)
        ),
    )
)
PERSONNE_RETRAIT = enregistrer(
    TypeDemande(
        code="enfant_personne_retrait",
        libelle="Retrait d'une personne autorisée",
        cote=COTE_ENFANTS,
        categorie="Personnes autorisées",
        formulaire=enfants_forms.PersonneRetraitForm,
        arguments=lambda *, famille, enfant: {"enfant": enfant},
        creation=True,
        unique_en_attente=False,
        appliquer=lambda *, demande, donnees, auteur: enfants_services.personne_autorisee_retirer(
            personne=donnees["personne"], auteur=auteur, motif=_motif(demande)
        ),
    )
)
AUTORISATIONS = enregistrer(
    TypeDemande(
        code="enfant_autorisations",
        libelle="Autorisations",
        cote=COTE_ENFANTS,
        categorie="Autorisations",
        formulaire=enfants_forms.AutorisationsForm,
        arguments=_fiche(Autorisations),
        appliquer=lambda *, demande, donnees, auteur: enfants_services.autorisations_modifier(
            enfant=demande.enfant, valeurs=donnees, auteur=auteur, motif=_motif(demande)
        ),
    )
)
LUNETTES = enregistrer(
    TypeDemande(
        code="enfant_lunettes",
        libelle="Port de lunettes",
        cote=COTE_ENFANTS,
        categorie="Port de lunettes",
        formulaire=enfants_forms.LunettesForm,
        arguments=_enfant_instance,
        appliquer=_appliquer_enfant,
    )
)
SANITAIRE = enregistrer(
    TypeDemande(
        code="enfant_sanitaire",
        libelle="Données sanitaires",
        cote=COTE_ENFANTS,
        categorie="Données sanitaires",
        formulaire=enfants_forms.DonneesSanitairesForm,
        arguments=_fiche(DonneesSanitaires),
        sensible=True,
        appliquer=lambda *, demande, donnees, auteur: enfants_services.donnees_sanitaires_modifier(
            enfant=demande.enfant, valeurs=donnees, auteur=auteur, motif=_motif(demande)
        ),
    )
)
VACCINATION = enregistrer(
    TypeDemande(
        code="enfant_vaccination",
        libelle="Vaccination",
        cote=COTE_ENFANTS,
        categorie="Données sanitaires",
        formulaire=enfants_forms.VaccinationForm,
        creation=True,
        unique_en_attente=False,
        sensible=True,
        appliquer=lambda *, demande, donnees, auteur: enfants_services.vaccination_ajouter(
            enfant=demande.enfant,
            vaccin=donnees["vaccin"],
            date=donnees["date"],
            auteur=auteur,
            motif=_motif(demande),
        ),
    )
)


def _appliquer_nouvel_enfant(*, demande, donnees, auteur):
    formulaire = enfants_forms.NouvelEnfantForm()
    souhaits = "\n".join(
        f"{formulaire.fields[nom].label} : {texte(formulaire.fields[nom], donnees.get(nom))}"
        for nom in ("naissance_prevue", "structure", "date_debut", "jours", "remarques")
        if donnees.get(nom) not in (None, "", [])
    )
    enfant = enfants_services.enfant_creer(
        famille=demande.famille,
        nom=donnees["nom"],
        prenom=donnees["prenom"],
        date_naissance=donnees["date_naissance"],
        souhaits=souhaits,
        auteur=auteur,
        motif=_motif(demande),
    )
    # La demande désigne désormais l'enfant créé.
    demande.enfant = enfant
    demande.save(update_fields=["enfant"])
    return enfant


NOUVEL_ENFANT = enregistrer(
    TypeDemande(
        code="nouvel_enfant",
        libelle="Inscription / nouvel enfant",
        cote=COTE_ENFANTS,
        categorie="Inscription",
        formulaire=enfants_forms.NouvelEnfantForm,
        creation=True,
        unique_en_attente=False,
        appliquer=_appliquer_nouvel_enfant,
    )
)

# Les types dont le formulaire s'ouvre depuis la fiche d'un enfant (URL à identifiant d'enfant).
TYPES_FICHE = (
    INFORMATIONS,
    PERSONNE_AJOUT,
    PERSONNE_RETRAIT,
    AUTORISATIONS,
    LUNETTES,
    SANITAIRE,
    VACCINATION,
)
