"""Outils communs aux pages d'administration."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError

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
