import datetime

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone

from enfants import services
from enfants.models import (
    Activite,
    Autorisations,
    DonneesSanitaires,
    Enfant,
    PersonneAutorisee,
    Structure,
    Vaccination,
)
from portail.audit import AuditAdminMixin

PERMISSION_SANITAIRE = "enfants.voir_donnees_sanitaires"


def voit_sanitaire(request) -> bool:
    return request.user.has_perm(PERMISSION_SANITAIRE)


class ActiviteInline(admin.TabularInline):
    model = Activite
    extra = 0


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ("nom", "type", "email", "telephone")
    inlines = [ActiviteInline]


class PersonneAutoriseeInline(admin.TabularInline):
    model = PersonneAutorisee
    extra = 0


class AutorisationsInline(admin.StackedInline):
    model = Autorisations
    max_num = 1
    can_delete = False


class DonneesSanitairesInline(admin.StackedInline):
    """Données de santé : seulement pour les agents qui ont « voir les données sanitaires »."""

    model = DonneesSanitaires
    max_num = 1
    can_delete = False
    readonly_fields = ("date_mise_a_jour",)


class VaccinationInline(admin.TabularInline):
    model = Vaccination
    extra = 0


class DossierAMettreAJourFiltre(admin.SimpleListFilter):
    title = "dossier"
    parameter_name = "dossier"

    def lookups(self, request, model_admin):
        return [("a_mettre_a_jour", "À mettre à jour (incomplet ou santé de plus d'un an)"),
                ("a_contacter", "Famille à contacter (nouvel enfant)")]

    def queryset(self, request, queryset):
        if self.value() == "a_mettre_a_jour":
            il_y_a_un_an = timezone.now() - datetime.timedelta(days=365)
            return queryset.filter(
                Q(autorisations__isnull=True)
                | Q(donnees_sanitaires__isnull=True)
                | Q(donnees_sanitaires__date_mise_a_jour__lt=il_y_a_un_an)
                | Q(personnes_autorisees__isnull=True)
            ).distinct()
        if self.value() == "a_contacter":
            return queryset.filter(a_contacter=True)
        return queryset


@admin.register(Enfant)
class EnfantAdmin(AuditAdminMixin, admin.ModelAdmin):
    modeles_sensibles = ("enfants.DonneesSanitaires", "enfants.Vaccination")
    list_display = ("prenom", "nom", "date_naissance", "famille", "a_contacter")
    list_filter = (DossierAMettreAJourFiltre, "a_contacter")
    search_fields = ("nom", "prenom", "famille__numero")
    list_select_related = ("famille",)
    autocomplete_fields = ("famille",)
    actions = ["marquer_contactee"]
    fieldsets = (
        (None, {"fields": ("famille", ("nom", "prenom"), "date_naissance", ("ecole", "classe"))}),
        ("Port de lunettes", {"fields": ("port_lunettes", "lunettes_precisions")}),
        ("Inscription demandée par la famille", {"fields": ("a_contacter", "souhaits_inscription")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("famille__responsables")

    def get_inlines(self, request, obj):
        inlines = [PersonneAutoriseeInline, AutorisationsInline]
        if voit_sanitaire(request):
            inlines += [DonneesSanitairesInline, VaccinationInline]
        return inlines

    def change_view(self, request, object_id, form_url="", extra_context=None):
        enfant = self.get_object(request, object_id)
        if enfant is not None and enfant.a_contacter and request.method == "GET":
            messages.warning(
                request,
                "Enfant ajouté par la famille : contactez-la pour remplir les fiches d'inscription "
                "(voir « Souhaits d'inscription »), puis décochez « famille à contacter ».",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="La famille a été contactée", permissions=["change"])
    def marquer_contactee(self, request, queryset):
        for enfant in queryset.filter(a_contacter=True):
            services.enfant_contact_fait(enfant=enfant, auteur=request.user)
        messages.success(request, "Les enfants sélectionnés ne sont plus signalés « à contacter ».")
