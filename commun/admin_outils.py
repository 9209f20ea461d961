"""Outils communs aux pages d'administration."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin, AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils.choices import BaseChoiceIterator

if TYPE_CHECKING:
    # Pour mypy, un mixin d'administration est un ModelAdmin : ses méthodes appellent celles de
    # ModelAdmin (super(), admin_site) ; à l'exécution, il n'hérite que d'object et se place
    # avant `admin.ModelAdmin` dans les bases de la classe qui l'utilise.
    MixinModelAdmin = admin.ModelAdmin[Any]
else:
    MixinModelAdmin = object


class AutocompleteSelectTolerant(AutocompleteSelect):
    """Le widget d'autocomplétion de Django plante (ValueError, erreur 500) en réaffichant un
    formulaire dont la valeur envoyée n'est pas un identifiant (« : », texte) : on ne garde, pour
    l'affichage, que les valeurs qui désignent un objet ; le champ signale l'erreur normalement."""

    def optgroups(self, name, value, attr=None):
        champ = self.choices.field
        valides = []
        for valeur in value:
            try:
                champ.to_python(valeur)
            except ValidationError:
                continue
            valides.append(valeur)
        return super().optgroups(name, valides, attr)


class AutocompleteTolerantMixin(MixinModelAdmin):
    """À placer avant `admin.ModelAdmin` pour les administrations qui ont `autocomplete_fields`."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = AutocompleteSelectTolerant(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SuperutilisateurSeulMixin(MixinModelAdmin):
    """Ajout, modification et suppression réservés aux superutilisateurs, quelles que soient les
    permissions de l'agent (ce qui porte des droits : groupes, appareils TOTP)."""

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class LectureSeuleMixin(MixinModelAdmin):
    """Une administration en lecture seule : ce qu'elle montre s'écrit ailleurs (services,
    imports, journal) ; ni ajout, ni modification, ni suppression, pour personne (le droit
    « voir » reste celui de l'agent)."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CreationParServiceMixin(MixinModelAdmin):
    """L'ajout passe par un service qui crée lui-même l'objet (et trace l'audit).

    Django enregistre d'ordinaire l'objet construit par le formulaire (`save_form`, puis
    `save_model`, `save_related`) et c'est lui qu'il journalise et vers lequel il redirige. Ici,
    à l'ajout, `save_form` renvoie l'objet créé par le service (`objet_creer`) : rien n'est
    recopié d'un objet à l'autre, et il ne reste rien à écrire. Réservé aux administrations sans
    formulaires en ligne à l'ajout (ils sont validés après `save_form`)."""

    def objet_creer(self, request, form):
        raise NotImplementedError

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        return self.objet_creer(request, form)

    def save_related(self, request, form, formsets, change):
        if change:  # à l'ajout, le service a aussi écrit les liens
            super().save_related(request, form, formsets, change)


class ListePrechargeeMixin(MixinModelAdmin):
    """`list_prefetch_related` : ce que la liste précharge, comme `list_select_related` joint ;
    typiquement `famille__responsables`, que le nom d'une famille affiche (« 2015001 — JEAN
    DUPONT ») : une requête pour toute la page, au lieu d'une par ligne (contrôlé pour chaque
    liste par tests/test_admin_requetes.py)."""

    list_prefetch_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(*self.list_prefetch_related)


class VuesPropresMixin(MixinModelAdmin):
    """Une administration avec des pages à elle, déclarées dans `vues_propres` :
    (chemin, nom de la méthode, nom de l'URL). Chaque page passe par `admin_view` (agent connecté,
    pas de cache) et vient avant les URL de Django, qui prendraient sinon le chemin pour un objet."""

    vues_propres: tuple[tuple[str, str, str], ...] = ()

    def get_urls(self):
        from django.urls import path

        propres = [
            path(chemin, self.admin_site.admin_view(getattr(self, methode)), name=nom)
            for chemin, methode, nom in self.vues_propres
        ]
        return propres + super().get_urls()


def en_attente_d_abord(*, statut: str, en_attente: str, arrivee: str) -> list:
    """L'ordre d'une file d'agents : ce qui attend une décision d'abord, le plus ancien en tête
    (premier arrivé, premier servi), puis le reste."""
    from django.db.models import Case, Value, When

    return [Case(When(**{statut: en_attente}, then=Value(0)), default=Value(1)).asc(), arrivee]


class LignesEnRequetesConstantesMixin:
    """Pour un formulaire en ligne (`InlineModelAdmin`) : autant de requêtes pour 1 ligne que
    pour 30 (la fiche d'une structure et ses activités, issue 22).

    - les clés étrangères des lignes sont jointes (une ligne en lecture seule affiche l'objet lié :
      le règlement imputé, l'agent qui a publié ; son libellé nomme l'objet de la fiche) ;
    - les relations plusieurs-à-plusieurs des lignes sont préchargées (une requête par relation
      pour toutes les lignes, pas une par ligne pour les valeurs cochées) ;
    - les choix de chaque liste (clé étrangère ou plusieurs-à-plusieurs) sont lus une fois par
      page et partagés par les formulaires des lignes et le formulaire vide « Ajouter » (sinon
      chaque formulaire relit la table des choix). La validation d'un envoi relit toujours la
      base (`queryset.get`) : un choix supprimé entre-temps est refusé.

    À placer avant `admin.TabularInline` / `admin.StackedInline`."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)  # type: ignore[misc]
        meta = self.model._meta  # type: ignore[attr-defined]
        # Les clés étrangères des lignes jointes (un règlement imputé, l'agent qui a publié), et
        # celle vers l'objet de la fiche : le libellé d'une ligne le nomme souvent (« AL-500001 →
        # AL-1001 »).
        jointes = [champ.name for champ in meta.concrete_fields if champ.many_to_one]
        if jointes:
            queryset = queryset.select_related(*jointes)
        # Les relations plusieurs-à-plusieurs affichées par les lignes (toutes sans `fields`).
        affiches = self.fields  # type: ignore[attr-defined]
        relations = [c.name for c in meta.many_to_many if affiches is None or c.name in affiches]
        return queryset.prefetch_related(*relations) if relations else queryset

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        for champ in formset.form.base_fields.values():
            widget = getattr(champ.widget, "widget", champ.widget)  # sous l'enveloppe « + ✎ »
            # Seulement les listes qui affichent tous leurs choix : l'autocomplétion et les
            # identifiants bruts n'affichent que la valeur choisie (les lire toutes serait pire).
            if (
                isinstance(champ, forms.ModelChoiceField)
                and isinstance(widget, forms.widgets.ChoiceWidget)
                and not isinstance(widget, AutocompleteMixin)
            ):
                champ.choices = ChoixLusUneFois(champ)
        return formset


class ChoixLusUneFois(BaseChoiceIterator):
    """Les choix d'un champ de modèle, lus à la première lecture puis gardés : partagés par toutes
    les copies du champ (chaque formulaire d'un formset copie ses champs, mais garde ses choix :
    `ModelChoiceField.__deepcopy__`). Rien n'est lu tant que personne ne les affiche (Django
    construit le formset plusieurs fois par page pour en connaître les champs)."""

    def __init__(self, champ):
        self.iterateur = champ.iterator(champ)
        self.lus: list | None = None

    def _lire(self) -> list:
        if self.lus is None:
            self.lus = list(iter(self.iterateur))  # iter() : sans le COUNT de len()
        return self.lus

    def __iter__(self):
        return iter(self._lire())

    def __len__(self):
        return len(self._lire())


# Les listes des grandes tables (familles, enfants, inscriptions, jours, présences, factures,
# règlements, fils) : 50 lignes par page au lieu des 100 de Django. À 10 000 familles, le rendu
# des lignes (liens, valeurs, cases) faisait l'essentiel du temps de ces pages (issue 22,
# docs/performance.md) ; un agent y cherche ou filtre plutôt qu'il ne fait défiler.
LIGNES_PAR_PAGE_GRANDES_TABLES = 50


def colonne_formatee(champ: str, description: str, formater):
    """Une colonne (ou un champ en lecture seule) affichée à la française, à déclarer comme
    attribut de l'administration : `montant_fr = colonne_formatee("montant", "montant", euros)`
    (« 120,60 € », « 3,20 € » ; les champs décimaux de Django s'affichaient « 120,60 » et
    « 3,2000 »). Triable par `champ`."""

    @admin.display(description=description, ordering=champ)
    def afficher(modele_admin, obj):  # une méthode de l'administration qui la déclare
        return formater(getattr(obj, champ))

    return afficher
