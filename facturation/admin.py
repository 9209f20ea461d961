"""Administration de la facturation : les données comptables importées sont en lecture seule."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from commun.admin_outils import LectureSeuleMixin
from facturation.models import (
    Affectation,
    EvenementMandat,
    EvenementPaiement,
    Facture,
    LigneFacture,
    Mandat,
    PaiementEnLigne,
    Regie,
    Reglement,
)


@admin.register(Regie)
class RegieAdmin(admin.ModelAdmin):
    list_display = ("code", "nom", "nature_par_defaut", "dernier_numero_portail")
    search_fields = ("code", "nom")
    readonly_fields = ("dernier_numero_portail",)


class LigneFactureInline(LectureSeuleMixin, admin.TabularInline):
    model = LigneFacture
    fields = ("ordre", "enfant_nom", "enfant", "libelle", "nature", "quantite", "prix_unitaire", "montant")
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
    readonly_fields = (
        "numero",
        "regie",
        "famille",
        "date_facture",
        "date_echeance",
        "periode_debut",
        "periode_fin",
        "montant",
        "date_import",
        "pdf",
    )
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
    readonly_fields = (
        "numero",
        "regie",
        "famille",
        "date",
        "mode",
        "montant",
        "origine",
        "email_recu",
        "reference_externe",
        "date_creation",
        "recu",
    )
    fields = readonly_fields
    inlines = [AffectationReglementInline]

    @admin.display(description="Reçu de paiement")
    def recu(self, obj):
        if obj.recu_rang is None:
            return "—"
        url = reverse("facturation:recu_pdf", kwargs={"pk": obj.pk})
        return format_html('<a href="{}">{}</a>', url, obj.nom_fichier_recu)


@admin.register(PaiementEnLigne)
class PaiementEnLigneAdmin(LectureSeuleMixin, admin.ModelAdmin):
    list_display = (
        "facture",
        "famille",
        "tentative",
        "montant",
        "statut",
        "prestataire",
        "session_id",
        "reglement",
        "date_creation",
    )
    list_filter = ("statut", "prestataire")
    search_fields = ("facture__numero", "famille__numero", "session_id", "email")
    list_select_related = ("facture", "famille", "reglement")
    readonly_fields = (
        "facture",
        "famille",
        "tentative",
        "montant",
        "email",
        "prestataire",
        "session_id",
        "url",
        "statut",
        "expire_le",
        "reglement",
        "date_creation",
    )
    fields = readonly_fields


@admin.register(EvenementPaiement)
class EvenementPaiementAdmin(admin.ModelAdmin):
    list_display = ("evenement_id", "type", "statut", "signale", "session_id", "date_reception")
    list_filter = ("signale", "statut", "type")
    search_fields = ("evenement_id", "session_id")
    readonly_fields = (
        "evenement_id",
        "type",
        "session_id",
        "statut",
        "signale",
        "motif",
        "erreur",
        "tentatives",
        "date_reception",
        "date_traitement",
        "payload",
    )
    fields = readonly_fields
    actions = ["retraiter"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retraiter les événements en échec sélectionnés", permissions=["change"])
    def retraiter(self, request, queryset):
        from facturation import paiement

        resultats = [
            paiement.evenement_traiter(evenement=e)
            for e in queryset.filter(statut=EvenementPaiement.Statut.ECHEC)
        ]
        reussis = sum(1 for e in resultats if e.statut != EvenementPaiement.Statut.ECHEC)
        self.message_user(request, f"{reussis} événement(s) traité(s) sur {len(resultats)} en échec.")


class EvenementMandatInline(LectureSeuleMixin, admin.TabularInline):
    model = EvenementMandat
    fields = ("nature", "date", "iban_precedent", "bic_precedent", "exporte_le")
    readonly_fields = fields
    extra = 0


@admin.register(Mandat)
class MandatAdmin(LectureSeuleMixin, admin.ModelAdmin):
    """Mandats SEPA (créés par l'acceptation des demandes bancaires) et leur export CSV."""

    list_display = ("rum", "famille", "titulaire", "date_signature", "date_revocation")
    search_fields = ("rum", "famille__numero", "titulaire")
    readonly_fields = (
        "famille",
        "rum",
        "ics",
        "titulaire",
        "adresse",
        "iban",
        "bic",
        "date_signature",
        "date_revocation",
    )
    inlines = [EvenementMandatInline]
    change_list_template = "admin/facturation/mandat/change_list.html"

    def get_urls(self):
        from django.urls import path

        return [
            path("exporter/", self.admin_site.admin_view(self.exporter), name="facturation_mandat_exporter"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        peut = request.user.has_perm("facturation.exporter_mandats")
        extra_context = {**(extra_context or {}), "peut_exporter": peut}
        return super().changelist_view(request, extra_context)

    def exporter(self, request):
        """Le CSV des mandats nouveaux, amendés et révoqués pas encore exportés (une seule fois)."""
        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponse
        from django.utils import timezone

        from facturation.services import mandats_exporter

        if request.method != "POST":
            from django.http import HttpResponseNotAllowed

            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("facturation.exporter_mandats"):
            raise PermissionDenied
        reponse = HttpResponse(content_type="text/csv; charset=utf-8")
        nom = f"mandats-{timezone.localdate():%Y%m%d}.csv"
        reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
        mandats_exporter(sortie=reponse)
        return reponse
