"""Les demandes de « Mes enfants » : fiche de l'enfant et ajout d'un enfant à inscrire."""

from demandes.registre import COTE_ENFANTS, TypeDemande, enregistrer, motif_acceptee, texte
from enfants import forms as enfants_forms
from enfants import services as enfants_services
from enfants.models import Autorisations, DonneesSanitaires, Enfant


def _demande_enfant(**champs):
    """Un type de demande de « Mes enfants »."""
    return enregistrer(TypeDemande(cote=COTE_ENFANTS, **champs))


def _appliquer_valeurs(service):
    """Applique une demande acceptée par `service(enfant=, valeurs=, auteur=, motif=)`."""

    def appliquer(*, demande, donnees, auteur):
        return service(enfant=demande.enfant, valeurs=donnees, auteur=auteur, motif=motif_acceptee(demande))

    return appliquer


def _enfant_instance(*, famille, enfant):
    # Relu en base, borné à la famille : le formulaire ne modifie jamais un objet partagé.
    return {"instance": Enfant.objects.get(pk=enfant.pk, famille=famille) if enfant else Enfant()}


def _fiche(modele):
    def arguments(*, famille, enfant):
        if enfant is None:
            return {}
        return {"instance": modele.objects.filter(enfant=enfant).first() or modele(enfant=enfant)}

    return arguments


INFORMATIONS = _demande_enfant(
    code="enfant_informations",
    libelle="Informations de l'enfant",
    categorie="Informations",
    formulaire=enfants_forms.EnfantInformationsForm,
    arguments=_enfant_instance,
    appliquer=_appliquer_valeurs(enfants_services.enfant_modifier),
)
PERSONNE_AJOUT = _demande_enfant(
    code="enfant_personne_ajout",
    libelle="Ajout d'une personne autorisée",
    categorie="Personnes autorisées",
    formulaire=enfants_forms.PersonneAutoriseeForm,
    creation=True,
    unique_en_attente=False,
    appliquer=_appliquer_valeurs(enfants_services.personne_autorisee_ajouter),
)
PERSONNE_RETRAIT = _demande_enfant(
    code="enfant_personne_retrait",
    libelle="Retrait d'une personne autorisée",
    categorie="Personnes autorisées",
    formulaire=enfants_forms.PersonneRetraitForm,
    arguments=lambda *, famille, enfant: {"enfant": enfant},
    creation=True,
    unique_en_attente=False,
    appliquer=lambda *, demande, donnees, auteur: enfants_services.personne_autorisee_retirer(
        personne=donnees["personne"], auteur=auteur, motif=motif_acceptee(demande)
    ),
)
AUTORISATIONS = _demande_enfant(
    code="enfant_autorisations",
    libelle="Autorisations",
    categorie="Autorisations",
    formulaire=enfants_forms.AutorisationsForm,
    arguments=_fiche(Autorisations),
    appliquer=_appliquer_valeurs(enfants_services.autorisations_modifier),
)
LUNETTES = _demande_enfant(
    code="enfant_lunettes",
    libelle="Port de lunettes",
    categorie="Port de lunettes",
    formulaire=enfants_forms.LunettesForm,
    arguments=_enfant_instance,
    appliquer=_appliquer_valeurs(enfants_services.enfant_modifier),
)
SANITAIRE = _demande_enfant(
    code="enfant_sanitaire",
    libelle="Données sanitaires",
    categorie="Données sanitaires",
    formulaire=enfants_forms.DonneesSanitairesForm,
    arguments=_fiche(DonneesSanitaires),
    sensible=True,
    appliquer=_appliquer_valeurs(enfants_services.donnees_sanitaires_modifier),
)
VACCINATION = _demande_enfant(
    code="enfant_vaccination",
    libelle="Vaccination",
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
        motif=motif_acceptee(demande),
    ),
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
        motif=motif_acceptee(demande),
    )
    # La demande désigne désormais l'enfant créé.
    demande.enfant = enfant
    demande.save(update_fields=["enfant"])
    return enfant


NOUVEL_ENFANT = _demande_enfant(
    code="nouvel_enfant",
    libelle="Inscription / nouvel enfant",
    categorie="Inscription",
    formulaire=enfants_forms.NouvelEnfantForm,
    creation=True,
    unique_en_attente=False,
    appliquer=_appliquer_nouvel_enfant,
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
