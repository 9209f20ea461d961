"""Les demandes de « Mon compte » : responsable, conjoint, fiscales, CAF, bancaires."""

from demandes.registre import COTE_COMPTE, TypeDemande, enregistrer
from familles import forms as familles_forms
from familles import services as familles_services
from familles.models import Famille, Responsable
from familles.validators import iban_masquer


def _responsable(role):
    def arguments(*, famille, enfant):
        instance = Responsable.objects.filter(famille=famille, role=role).first()
        return {"instance": instance or Responsable(famille=famille, role=role)}

    def appliquer(*, demande, donnees, auteur):
        return familles_services.responsable_modifier(
            famille=demande.famille,
            role=role,
            valeurs=donnees,
            auteur=auteur,
            motif=f"Demande n° {demande.pk} acceptée",
        )

    return arguments, appliquer


def _famille(*, famille, enfant):
    # Relue en base : le formulaire ne doit pas modifier l'objet de la requête.
    return {"instance": Famille.objects.get(pk=famille.pk)}


def _appliquer_famille(*, demande, donnees, auteur):
    valeurs = {k: v for k, v in donnees.items() if k in familles_services.CHAMPS_FAMILLE_MODIFIABLES}
    return familles_services.famille_modifier(
        famille=demande.famille,
        valeurs=valeurs,
        auteur=auteur,
        motif=f"Demande n° {demande.pk} acceptée",
    )


_args, _appl = _responsable(Responsable.Role.PRINCIPAL)
RESPONSABLE = enregistrer(
    TypeDemande(
        code="responsable",
        libelle="Informations responsable",
        cote=COTE_COMPTE,
        categorie="Responsable",
        formulaire=familles_forms.ResponsableForm,
        arguments=_args,
        appliquer=_appl,
    )
)
_args, _appl = _responsable(Responsable.Role.CONJOINT)
CONJOINT = enregistrer(
    TypeDemande(
        code="conjoint",
        libelle="Informations conjoint",
        cote=COTE_COMPTE,
        categorie="Conjoint",
        formulaire=familles_forms.ResponsableForm,
        arguments=_args,
        appliquer=_appl,
    )
)
FISCALES = enregistrer(
    TypeDemande(
        code="fiscales",
        libelle="Informations fiscales",
        cote=COTE_COMPTE,
        categorie="Fiscales",
        formulaire=familles_forms.FiscalesForm,
        arguments=_famille,
        appliquer=_appliquer_famille,
    )
)
CAF = enregistrer(
    TypeDemande(
        code="caf",
        libelle="Informations CAF",
        cote=COTE_COMPTE,
        categorie="CAF",
        formulaire=familles_forms.CafForm,
        arguments=_famille,
        appliquer=_appliquer_famille,
    )
)
BANCAIRES = enregistrer(
    TypeDemande(
        code="bancaires",
        libelle="Informations bancaires",
        cote=COTE_COMPTE,
        categorie="Bancaires",
        formulaire=familles_forms.BancairesForm,
        arguments=_famille,
        appliquer=_appliquer_famille,
        masques={"iban": iban_masquer},
    )
)
