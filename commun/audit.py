"""Écriture du journal d'audit (appelée par les services de chaque application et l'admin)."""

import datetime
from decimal import Decimal

from django import forms
from django.db import models
from django.utils import formats, timezone

from commun.admin_outils import MixinModelAdmin
from commun.models import Audit


def _date_heure_texte(valeur: datetime.datetime) -> str:
    # Une date et heure lue en base est en UTC : on trace l'heure de Paris, celle que l'agent a saisie.
    if timezone.is_aware(valeur):
        valeur = timezone.localtime(valeur)
    return formats.date_format(valeur, "d/m/Y H:i")


def valeur_texte(champ: forms.Field, valeur) -> str:
    """Le texte affiché d'une valeur (initiale ou nettoyée) d'un champ de formulaire."""
    if valeur is None or valeur == "" or valeur == [] or valeur == ():
        return ""
    if isinstance(champ, forms.BooleanField | forms.NullBooleanField):
        return "Oui" if valeur else "Non"
    if isinstance(champ, forms.ModelMultipleChoiceField):
        objets = list(valeur) if isinstance(valeur, models.QuerySet) else valeur
        if objets and not isinstance(objets[0], models.Model) and champ.queryset is not None:
            objets = list(champ.queryset.filter(pk__in=objets))
        return ", ".join(str(o) for o in objets)
    if isinstance(champ, forms.ModelChoiceField):
        if not isinstance(valeur, models.Model) and champ.queryset is not None:
            valeur = champ.queryset.filter(pk=valeur).first() or valeur
        return str(valeur)
    if isinstance(champ, forms.ChoiceField):
        # Les choix normalisés, que le champ recopie dans son widget (`champ.choices` est typé
        # comme ce qu'on peut lui affecter : dictionnaire, fonction, énumération…).
        choix = {str(k): str(v) for k, v in champ.widget.choices}
        if isinstance(valeur, list | tuple):
            return ", ".join(choix.get(str(v), str(v)) for v in valeur)
        return choix.get(str(valeur), str(valeur))
    if isinstance(valeur, Decimal):
        return formats.number_format(valeur)
    if isinstance(valeur, datetime.datetime):
        return _date_heure_texte(valeur)
    if isinstance(valeur, datetime.date):
        return valeur.strftime("%d/%m/%Y")
    return str(valeur)


def audit_enregistrer(
    *,
    auteur,
    famille,
    objet: str,
    action: str,
    avant: dict | None = None,
    apres: dict | None = None,
    sensible: bool = False,
) -> Audit:
    """Ajoute une trace ; pour une donnée sensible, les valeurs ne sont jamais conservées."""
    avant = dict(avant or {})
    apres = dict(apres or {})
    champs = sorted(set(avant) | set(apres))
    if sensible:
        avant, apres = {}, {}
    return Audit.objects.create(
        auteur=auteur if getattr(auteur, "pk", None) else None,
        famille=famille,
        objet=str(objet)[:200],
        action=str(action)[:200],
        avant=avant,
        apres=apres,
        champs=champs,
        sensible=sensible,
    )


class AuditAdminMixin(MixinModelAdmin):
    """Trace dans l'audit ce qu'un agent modifie dans l'administration (fiche et lignes liées).

    `modeles_sensibles` : libellés de modèles (« enfants.DonneesSanitaires ») dont les valeurs ne
    sont jamais gardées ; `champs_masques` : champ → fonction de masquage (IBAN).
    """

    modeles_sensibles: tuple = ()
    champs_masques: dict = {}

    def famille_de(self, obj):
        if obj._meta.label == "familles.Famille":
            return obj
        return getattr(obj, "famille", None)

    def objet_audit(self, obj) -> str:
        return f"{obj._meta.verbose_name} {obj}"

    def action_audit(self, formulaire, *, creation: bool) -> str:
        return "Création dans l'administration" if creation else "Modification dans l'administration"

    def _tracer(self, request, formulaire, obj, *, creation, sensible):
        if not formulaire.changed_data and not creation:
            return
        avant, apres = {}, {}
        for nom in formulaire.changed_data:
            champ = formulaire.fields.get(nom)
            if champ is None or nom in ("DELETE", "id"):
                continue
            libelle = str(champ.label or nom)
            masque = self.champs_masques.get(nom, lambda t: t)
            avant[libelle] = masque(valeur_texte(champ, formulaire.initial.get(nom)))
            apres[libelle] = masque(valeur_texte(champ, formulaire.cleaned_data.get(nom)))
        if not apres and not creation:
            return
        audit_enregistrer(
            auteur=request.user,
            famille=self.famille_de(obj),
            objet=self.objet_audit(obj),
            action=self.action_audit(formulaire, creation=creation),
            avant=avant,
            apres=apres,
            sensible=sensible,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._tracer(
            request, form, obj, creation=not change, sensible=obj._meta.label in self.modeles_sensibles
        )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        sensible = formset.model._meta.label in self.modeles_sensibles
        parent = form.instance
        for formulaire in formset.forms:
            objet = formulaire.instance
            if objet.pk is None or formulaire in getattr(formset, "deleted_forms", []):
                continue
            if formulaire.has_changed():
                creation = objet in getattr(formset, "new_objects", [])
                self._tracer(request, formulaire, objet, creation=creation, sensible=sensible)
        for objet in getattr(formset, "deleted_objects", []):
            audit_enregistrer(
                auteur=request.user,
                famille=self.famille_de(parent),
                objet=f"{objet._meta.verbose_name} {objet}",
                action="Suppression dans l'administration",
                sensible=sensible,
            )


# Ce que l'anonymisation RGPD fait des modèles de `commun` reliés à une famille.
AUDIT_ANONYMISATION = {Audit: "conservé sans les valeurs : avant/après effacés"}


def audit_famille_anonymiser(*, famille) -> dict:
    """Le journal d'audit garde les traces de la famille, sans leurs valeurs."""
    return {"traces_audit": Audit.objects.filter(famille=famille).update(avant={}, apres={})}
