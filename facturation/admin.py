"""Administration de la facturation : les données comptables importées sont en lecture seule."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from commun.admin_outils import (
    LIGNES_PAR_PAGE_GRANDES_TABLES,
    LectureSeuleMixin,
    LignesEnRequetesConstantesMixin,
    ListePrechargeeMixin,
    VuesPropresMixin,
    colonne_formatee,
)
from commun.formats import euros, montant_court, prix_unitaire
from facturation import services
from facturation.exportation import ExportInvalide, consommations_exporter
from facturation.forms import ExportConsommationsForm
from facturation.models import (
    Affectation,
    EvenementMandat,
    EvenementPaiement,
    Facture,
    LigneFacture,
    Mandat,
    PaiementEnLigne,
    PeriodeClose,
    Regie,
    Reglement,
)
from familles.models import Famille


class RechercheExacteMixin:
    """La recherche d'une grande table liée aux familles (factures, règlements), au volume
    d'une vraie ville (issue 22).

    Un terme qui est exactement un N° Famille, ou un numéro de la table (`champ_numero`),
    est cherché exactement, par index (« 9000000004999 » : les factures de cette famille, pas
    celles dont un numéro le contient). Sinon, chaque mot est cherché comme le ferait Django
    (`icontains`), mais sans jointure : les familles et les régies qui le contiennent sont
    lues d'abord dans leurs petites tables, et la grande table est filtrée sur leurs
    identifiants (index des clés étrangères) ou sur ses propres champs (index trigrammes sur
    PostgreSQL) ; un OU entre tables jointes obligeait à balayer toute la grande table."""

    champ_numero = "numero"
    # Les champs de la table elle-même cherchés par `icontains` (index trigrammes sur PostgreSQL).
    champs_propres: tuple[str, ...] = ("numero",)
    # Au-delà, les identifiants sont passés en sous-requête plutôt qu'en liste.
    FAMILLES_EN_LISTE_MAX = 1000

    def get_search_results(self, request, queryset, search_term):
        from django.utils.text import smart_split, unescape_string_literal

        terme = search_term.strip()
        if not terme:
            return queryset, False
        famille = Famille.objects.filter(numero=terme).values_list("pk", flat=True).first()
        if famille is not None:
            return queryset.filter(famille_id=famille), False
        exacts = queryset.filter(**{self.champ_numero: terme})
        if exacts.exists():
            return exacts, False
        for mot in smart_split(terme):
            if mot.startswith(('"', "'")) and mot[0] == mot[-1]:
                mot = unescape_string_literal(mot)
            condition = Q()
            for champ in self.champs_propres:
                condition |= Q(**{f"{champ}__icontains": mot})
            familles = Famille.objects.filter(numero__icontains=mot).values_list("pk", flat=True)
            ids = list(familles[: self.FAMILLES_EN_LISTE_MAX + 1])
            condition |= Q(famille_id__in=ids if len(ids) <= self.FAMILLES_EN_LISTE_MAX else familles)
            regies = Regie.objects.filter(Q(nom__icontains=mot) | Q(code__icontains=mot))
            condition |= Q(regie_id__in=list(regies.values_list("pk", flat=True)))
            queryset = queryset.filter(condition)
        return queryset, False


@admin.register(Regie)
class RegieAdmin(admin.ModelAdmin):
    list_display = ("code", "nom", "prestataire_paiement", "nature_par_defaut", "dernier_numero_portail")
    list_filter = ("prestataire_paiement",)
    search_fields = ("code", "nom")
    readonly_fields = ("dernier_numero_portail",)
    filter_horizontal = ("structures",)
    fieldsets = (
        (
            None,
            {"fields": ("code", "nom", "modalites_paiement", "nature_par_defaut", "dernier_numero_portail")},
        ),
        (
            "Paiement en ligne",
            {
                "fields": ("prestataire_paiement", "payfip_numcli", "payfip_exer", "payfip_mode"),
                "description": (
                    "Le prestataire qui encaisse les paiements par carte de cette régie. PayFiP : "
                    "le numéro client et l'exercice donnés par la DGFiP ; commencer en mode test. "
                    "Les clés de Stripe ne sont jamais saisies ici (environnement du serveur)."
                ),
            },
        ),
        ("Export des consommations", {"fields": ("structures",)}),
    )


class LigneFactureInline(LignesEnRequetesConstantesMixin, LectureSeuleMixin, admin.TabularInline):
    model = LigneFacture
    fields = ("ordre", "enfant_nom", "enfant", "libelle", "nature", "quantite_fr", "prix_fr", "montant_fr")
    readonly_fields = fields
    extra = 0
    quantite_fr = colonne_formatee("quantite", "quantité", montant_court)
    prix_fr = colonne_formatee("prix_unitaire", "prix unitaire", prix_unitaire)
    montant_fr = colonne_formatee("montant", "montant", euros)


class AffectationFactureInline(LignesEnRequetesConstantesMixin, LectureSeuleMixin, admin.TabularInline):
    model = Affectation
    fk_name = "facture"
    fields = ("reglement", "montant_fr")
    readonly_fields = fields
    extra = 0
    verbose_name_plural = "règlements imputés"
    montant_fr = colonne_formatee("montant", "montant", euros)


class AffectationReglementInline(AffectationFactureInline):
    fk_name = "reglement"
    fields = ("facture", "montant_fr")
    readonly_fields = fields
    verbose_name_plural = "factures réglées"


@admin.register(Facture)
class FactureAdmin(RechercheExacteMixin, ListePrechargeeMixin, LectureSeuleMixin, admin.ModelAdmin):
    list_per_page = LIGNES_PAR_PAGE_GRANDES_TABLES
    # Table de centaines de milliers de lignes : pas de COUNT(*) de toute la table à chaque page.
    show_full_result_count = False
    list_display = ("numero", "regie", "famille", "date_facture", "date_echeance", "montant_fr")
    list_filter = ("regie", "date_facture")
    search_fields = ("numero", "famille__numero", "regie__nom", "regie__code")  # RechercheExacteMixin
    # Pas de `date_hierarchy` : ses années (DISTINCT date_trunc) et ses bornes (MIN, MAX) se
    # calculaient sur toute la table à chaque page (issue 22) ; le filtre par date suffit.
    list_select_related = ("regie", "famille")
    list_prefetch_related = ("famille__responsables",)
    readonly_fields = (
        "numero",
        "regie",
        "famille",
        "date_facture",
        "date_echeance",
        "periode_debut",
        "periode_fin",
        "montant_fr",
        "date_import",
        "pdf",
    )
    fields = readonly_fields
    inlines = [LigneFactureInline, AffectationFactureInline]
    montant_fr = colonne_formatee("montant", "montant", euros)

    @admin.display(description="PDF")
    def pdf(self, obj):
        url = reverse("facturation:facture_pdf", kwargs={"pk": obj.pk})
        return format_html('<a href="{}">{}</a>', url, obj.nom_fichier_pdf)


@admin.register(Reglement)
class ReglementAdmin(RechercheExacteMixin, ListePrechargeeMixin, LectureSeuleMixin, admin.ModelAdmin):
    list_per_page = LIGNES_PAR_PAGE_GRANDES_TABLES
    # Table de centaines de milliers de lignes : pas de COUNT(*) de toute la table à chaque page.
    show_full_result_count = False
    list_display = ("numero", "regie", "famille", "date", "mode", "montant_fr", "origine")
    list_filter = ("regie", "mode", "origine", "date")
    search_fields = ("numero", "famille__numero", "regie__nom", "regie__code", "reference_externe")
    champs_propres = ("numero", "reference_externe")  # recherche : voir RechercheExacteMixin
    # Pas de `date_hierarchy` : ses années (DISTINCT date_trunc) et ses bornes (MIN, MAX) se
    # calculaient sur toute la table à chaque page (issue 22) ; le filtre par date suffit.
    list_select_related = ("regie", "famille")
    list_prefetch_related = ("famille__responsables",)
    readonly_fields = (
        "numero",
        "regie",
        "famille",
        "date",
        "mode",
        "montant_fr",
        "origine",
        "email_recu",
        "reference_externe",
        "date_creation",
        "recu",
    )
    fields = readonly_fields
    inlines = [AffectationReglementInline]
    montant_fr = colonne_formatee("montant", "montant", euros)

    @admin.display(description="Reçu de paiement")
    def recu(self, obj):
        if obj.recu_rang is None:
            return "—"
        url = reverse("facturation:recu_pdf", kwargs={"pk": obj.pk})
        return format_html('<a href="{}">{}</a>', url, obj.nom_fichier_recu)


@admin.register(PaiementEnLigne)
class PaiementEnLigneAdmin(ListePrechargeeMixin, LectureSeuleMixin, admin.ModelAdmin):
    list_display = (
        "facture",
        "famille",
        "tentative",
        "montant_fr",
        "statut",
        "prestataire",
        "session_id",
        "reglement",
        "date_creation",
    )
    list_filter = ("statut", "prestataire")
    search_fields = ("facture__numero", "famille__numero", "session_id", "email")
    list_select_related = ("facture", "famille", "reglement")
    list_prefetch_related = ("famille__responsables",)
    readonly_fields = (
        "facture",
        "famille",
        "tentative",
        "montant_fr",
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
    montant_fr = colonne_formatee("montant", "montant", euros)


class AVerifierFiltre(admin.SimpleListFilter):
    """La file de l'accueil de l'administration : « à vérifier » et pas encore vérifiés."""

    title = "vérification"
    parameter_name = "a_verifier"

    def lookups(self, request, model_admin):
        return [("oui", "À vérifier (pas encore vérifiés)"), ("verifies", "Vérifiés")]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(signale=True, verifie_le__isnull=True)
        if self.value() == "verifies":
            return queryset.filter(verifie_le__isnull=False)
        return queryset


PERMISSION_VERIFIER_PAIEMENT = "facturation.verifier_evenementpaiement"


@admin.register(EvenementPaiement)
class EvenementPaiementAdmin(VuesPropresMixin, admin.ModelAdmin):
    list_display = (
        "evenement_id",
        "type",
        "statut",
        "signale",
        "verifie_le",
        "session_id",
        "date_reception",
    )
    list_filter = (AVerifierFiltre, "signale", "statut", "type")
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
        "verifie_par",
        "verifie_le",
        "commentaire_verification",
        "payload",
    )
    fields = readonly_fields
    actions = ["retraiter", "marquer_verifies"]
    change_form_template = "admin/facturation/evenementpaiement/change_form.html"
    vues_propres = (("<int:pk>/verifier/", "verifier", "facturation_evenementpaiement_verifier"),)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_verifier_permission(self, request, obj=None):
        return request.user.has_perm(PERMISSION_VERIFIER_PAIEMENT)

    @admin.action(description="Retraiter les événements en échec sélectionnés", permissions=["change"])
    def retraiter(self, request, queryset):
        from facturation import paiement

        resultats = [
            paiement.evenement_traiter(evenement=e)
            for e in queryset.filter(statut=EvenementPaiement.Statut.ECHEC)
        ]
        reussis = sum(1 for e in resultats if e.statut != EvenementPaiement.Statut.ECHEC)
        self.message_user(request, f"{reussis} événement(s) traité(s) sur {len(resultats)} en échec.")

    @admin.action(
        description="Marquer comme vérifiés les paiements « à vérifier » sélectionnés",
        permissions=["verifier"],
    )
    def marquer_verifies(self, request, queryset):
        a_verifier = list(queryset.filter(signale=True, verifie_le__isnull=True))
        for evenement in a_verifier:
            services.evenement_paiement_verifier(evenement=evenement, agent=request.user, commentaire="")
        ignores = queryset.count() - len(a_verifier)
        texte = f"{len(a_verifier)} paiement(s) marqué(s) vérifié(s)."
        if ignores:
            texte += f" {ignores} ignoré(s) : déjà vérifié(s) ou pas « à vérifier »."
        self.message_user(request, texte, messages.SUCCESS if a_verifier else messages.WARNING)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        evenement = self.get_object(request, object_id)
        peut_verifier = (
            evenement is not None
            and evenement.signale
            and evenement.verifie_le is None
            and self.has_verifier_permission(request)
        )
        extra_context = {
            **(extra_context or {}),
            # Tous les champs sont en lecture seule : rien à enregistrer (la permission de
            # modification sert au retraitement).
            "show_save": False,
            "show_save_and_continue": False,
            "peut_verifier": peut_verifier,
            "url_verifier": (
                reverse("admin:facturation_evenementpaiement_verifier", args=[evenement.pk])
                if peut_verifier
                else ""
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def verifier(self, request, pk):
        """« Marquer comme vérifié » depuis la fiche (POST seulement, avec la permission)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_verifier_permission(request):
            raise PermissionDenied
        evenement = get_object_or_404(self.get_queryset(request), pk=pk)
        try:
            services.evenement_paiement_verifier(
                evenement=evenement,
                agent=request.user,
                commentaire=request.POST.get("commentaire_verification", ""),
            )
        except ValidationError as erreur:
            self.message_user(request, " ".join(erreur.messages), messages.ERROR)
        else:
            self.message_user(
                request, "Le paiement est marqué vérifié : il n’est plus dans la file « à vérifier »."
            )
        return redirect("admin:facturation_evenementpaiement_change", evenement.pk)


PERMISSION_EXPORT = "facturation.exporter_consommations"


@admin.register(PeriodeClose)
class PeriodeCloseAdmin(VuesPropresMixin, LectureSeuleMixin, admin.ModelAdmin):
    """Les périodes exportées vers le logiciel de facturation (closes), et l'export lui-même :
    réservés aux agents qui ont la permission « exporter les consommations »."""

    list_display = ("regie", "du", "au", "structure", "close_le", "close_par")
    list_filter = ("regie",)
    list_select_related = ("regie", "structure", "close_par")
    fields = ("regie", "du", "au", "structure", "close_le", "close_par")
    readonly_fields = fields
    vues_propres = (("exporter/", "exporter", "facturation_periodeclose_exporter"),)

    def has_module_permission(self, request):
        return request.user.has_perm(PERMISSION_EXPORT)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(PERMISSION_EXPORT)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "peut_exporter": True})

    def exporter(self, request):
        """Une régie et une période → le fichier CSV, et la période close (la même période close
        rend le même fichier)."""
        if not request.user.has_perm(PERMISSION_EXPORT):
            raise PermissionDenied
        form = ExportConsommationsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            regie, du, au = form.cleaned_data["regie"], form.cleaned_data["du"], form.cleaned_data["au"]
            try:
                rapport = consommations_exporter(
                    regie=regie, du=du, au=au, structure=form.cleaned_data["structure"], agent=request.user
                )
            except ExportInvalide as erreur:
                form.add_error(None, str(erreur))
            else:
                # Lu par blocs depuis le fichier gardé : jamais entier en mémoire.
                return FileResponse(
                    rapport.ouvrir(),
                    as_attachment=True,
                    filename=rapport.nom_fichier,
                    content_type="text/csv; charset=utf-8",
                )
        return TemplateResponse(
            request,
            "admin/facturation/periodeclose/exporter.html",
            {
                **self.admin_site.each_context(request),
                "title": "Exporter les consommations vers le logiciel de facturation",
                "opts": self.model._meta,
                "form": form,
            },
        )


class EvenementMandatInline(LignesEnRequetesConstantesMixin, LectureSeuleMixin, admin.TabularInline):
    model = EvenementMandat
    fields = ("nature", "date", "iban_precedent", "bic_precedent", "exporte_le")
    readonly_fields = fields
    extra = 0


@admin.register(Mandat)
class MandatAdmin(ListePrechargeeMixin, LectureSeuleMixin, admin.ModelAdmin):
    """Mandats SEPA (créés par l'acceptation des demandes bancaires) et leur export CSV."""

    list_display = ("rum", "famille", "titulaire", "date_signature", "date_revocation")
    list_select_related = ("famille",)
    list_prefetch_related = ("famille__responsables",)
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
