from django.contrib import admin

from enfants.models import Activite, Enfant, Structure


class ActiviteInline(admin.TabularInline):
    model = Activite
    extra = 0


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ("nom", "type", "email", "telephone")
    inlines = [ActiviteInline]


@admin.register(Enfant)
class EnfantAdmin(admin.ModelAdmin):
    list_display = ("prenom", "nom", "date_naissance", "famille")
    search_fields = ("nom", "prenom", "famille__numero")
    list_select_related = ("famille",)
    autocomplete_fields = ("famille",)
