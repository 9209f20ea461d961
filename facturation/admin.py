"""Administration de la facturation : les données comptables importées sont en lecture seule."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from facturation.models import Affectation, Facture, LigneFacture, Regie, Reglement


class LectureSeuleMixin:
    """Factures et règlements viennent du logiciel de facturation : on ne les retouche pas ici."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Regie)
class RegieAdmin(admin.ModelAdmin):
    list_display = ("code", "nom", "dernier_numero")
    search_fields = ("code", "nom")
    readonly_fields = ("dernier_numero",)


class LigneFactureInline(LectureSeuleMixin, admin.TabularInline):
    model = LigneFacture
    fields = ("ordre", "enfant_nom", "enfant", "libelle", "quantite", "prix_unitaire", "montant")
    readonly_fields = fields
    extra = 0


class AffectationFactureInline(LectureSeuleMixin, admin.TabularInline):
    model = Affectation
    fk_name = "facture"
    fields = ("reglement", "montant")
    readonly_fields = fields
    extra = 0
    verbose_name_plural = "règlements imputés"


class AffectationReglementInline(AffectationFactureInline):
    fk_name = "reglement"
    fields = ("facture", "montant")
    readonly_fields = fields
    verbose_name_plural = "factures réglées"


@admin.register(Facture)
class FactureAdmin(LectureSeuleMixin, admin.ModelAdmin):
    list_display = ("numero", "regie", "famille", "date_facture", "date_echeance", "montant")
    list_filter = ("regie", "date_facture")
    search_fields = ("numero", "famille__numero", "regie__nom", "regie__code")
    date_hierarchy = "date_facture"
    list_select_related = ("regie", "famille")
    readonly_fields = ("numero", "regie", "famille", "date_facture", "date_echeance",
                       "periode_debut", "periode_fin", "montant", "date_import", "pdf")
    fields = readonly_fields
    inlines = [LigneFactureInline, AffectationFactureInline]

    @admin.display(description="PDF")
    def pdf(self, obj):
        url = reverse("facturation:facture_pdf", kwargs={"pk": obj.pk})
        return format_html('<a href="{}">{}</a>', url, obj.nom_fichier_pdf)


@admin.register(Reglement)
class ReglementAdmin(LectureSeuleMixin, admin.ModelAdmin):
    list_display = ("numero", "regie", "famille", "date", "mode", "montant", "origine")
    list_filter = ("regie", "mode", "origine", "date")
    search_fields = ("numero", "famille__numero", "regie__nom", "regie__code", "reference_externe")
    date_hierarchy = "date"
    list_select_related = ("regie", "famille")
    readonly_fields = ("numero", "regie", "famille", "date", "mode", "montant", "origine",
                       "email_recu", "reference_externe", "date_creation")
    fields = readonly_fields
    inlines = [AffectationReglementInline]
