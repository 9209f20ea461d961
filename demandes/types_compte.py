"""Les demandes de « Mon compte » : responsable, conjoint, fiscales, CAF, bancaires."""

from demandes.registre import COTE_COMPTE, TypeDemande, enregistrer, motif_acceptee
from facturation import services as facturation_services
from familles import forms as familles_forms
from familles import services as familles_services
from familles.models import Famille, Responsable
from familles.validators import iban_masquer


def _responsable(role):
    """Les `arguments` et `appliquer` d'une demande sur le responsable de ce rôle."""

    def arguments(*, famille, enfant):
        instance = Responsable.objects.filter(famille=famille, role=role).first()
        return {"instance": instance or Responsable(famille=famille, role=role)}

    def appliquer(*, demande, donnees, auteur):
        return familles_services.responsable_modifier(
            famille=demande.famille,
            role=role,
            valeurs=donnees,
            auteur=auteur,
            motif=motif_acceptee(demande),
        )

    return {"arguments": arguments, "appliquer": appliquer}


def _demande_compte(**champs):
    """Un type de demande de « Mon compte »."""
    return enregistrer(TypeDemande(cote=COTE_COMPTE, **champs))


def _famille(*, famille, enfant):
    # Relue en base : le formulaire ne doit pas modifier l'objet de la requête.
    return {"instance": Famille.objects.get(pk=famille.pk)}


def _appliquer_famille(*, demande, donnees, auteur):
    valeurs = {k: v for k, v in donnees.items() if k in familles_services.CHAMPS_FAMILLE_MODIFIABLES}
    return familles_services.famille_modifier(
        famille=demande.famille,
        valeurs=valeurs,
        auteur=auteur,
        motif=motif_acceptee(demande),
    )


def _demande_famille(**champs):
    """Une demande sur les informations de la famille elle-même (fiscales, CAF, bancaires)."""
    return _demande_compte(arguments=_famille, appliquer=_appliquer_famille, **champs)


RESPONSABLE = _demande_compte(
    code="responsable",
    libelle="Informations responsable",
    categorie="Responsable",
    formulaire=familles_forms.ResponsableForm,
    **_responsable(Responsable.Role.PRINCIPAL),
)
CONJOINT = _demande_compte(
    code="conjoint",
    libelle="Informations conjoint",
    categorie="Conjoint",
    formulaire=familles_forms.ResponsableForm,
    **_responsable(Responsable.Role.CONJOINT),
)
FISCALES = _demande_famille(
    code="fiscales",
    libelle="Informations fiscales",
    categorie="Fiscales",
    formulaire=familles_forms.FiscalesForm,
)
CAF = _demande_famille(
    code="caf",
    libelle="Informations CAF",
    categorie="CAF",
    formulaire=familles_forms.CafForm,
)


def _appliquer_bancaires(*, demande, donnees, auteur):
    """Les coordonnées bancaires, puis le mandat SEPA (créé, amendé ou révoqué)."""
    famille = _appliquer_famille(demande=demande, donnees=donnees, auteur=auteur)
    facturation_services.mandat_appliquer(famille=famille)
    return famille


BANCAIRES = _demande_compte(
    arguments=_famille,
    appliquer=_appliquer_bancaires,
    code="bancaires",
    libelle="Informations bancaires",
    categorie="Bancaires",
    formulaire=familles_forms.BancairesForm,
    masques={"iban": iban_masquer},
)
