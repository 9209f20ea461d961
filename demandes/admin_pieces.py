"""La file de vérification des pièces justificatives, dans l'administration.

Comme la file des demandes : en attente d'abord, les plus anciennes en tête ; le détail montre
les fichiers dans la page ; « Valider » avec une date de fin de validité, « Refuser » avec un
motif ; la famille est prévenue (demandes.services.piece_accepter / piece_refuser). Les pièces
de santé (type « donnée de santé ») ne sont visibles que des agents habilités.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from commun import fichiers
from commun.admin_outils import en_attente_d_abord
from demandes import services
from familles import services as familles_services
from familles.models import FichierPiece, PieceJustificative

MESSAGE_VALIDEE = "Pièce n° {pk} validée jusqu'au {date}."
MESSAGE_REFUSEE = "Pièce n° {pk} refusée."


class ValidationForm(forms.Form):
    valide_jusqu_au = forms.DateField(
        label="Valable jusqu'au",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date de fin de validité.", "invalid": "Date invalide."},
    )


class RefusForm(forms.Form):
    motif = forms.CharField(
        label="Motif du refus (communiqué à la famille)",
        max_length=familles_services.PIECE_MOTIF_LONGUEUR_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": familles_services.MESSAGE_PIECE_MOTIF_REQUIS},
    )


def validite_proposee(piece) -> datetime.date:
    """Aujourd'hui plus la durée de validité du type (en mois), au dernier jour du mois s'il le faut."""
    jour = timezone.localdate()
    mois = jour.month - 1 + piece.type_piece.duree_validite_mois
    annee, mois = jour.year + mois // 12, mois % 12 + 1
    for quantieme in (jour.day, 30, 29, 28):
        try:
            return datetime.date(annee, mois, quantieme)
        except ValueError:
            continue
    raise AssertionError("inatteignable")


class StatutFiltre(admin.SimpleListFilter):
    title = "statut"
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return PieceJustificative.Statut.choices

    def queryset(self, request, queryset):
        return queryset.filter(statut=self.value()) if self.value() else queryset


class FichierPieceInline(admin.TabularInline):
    model = FichierPiece
    fields = ("nom", "type_mime", "taille")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PieceJustificative)
class PieceJustificativeAdmin(admin.ModelAdmin):
    list_display = (
        "numero",
        "type_piece",
        "famille",
        "enfant",
        "statut",
        "deposee_le",
        "nombre_fichiers",
        "valide_jusqu_au",
        "decidee_par",
    )
    list_display_links = ("numero", "type_piece")
    list_filter = (StatutFiltre, "type_piece", "deposee_le")
    search_fields = (
        "famille__numero",
        "famille__responsables__nom",
        "famille__responsables__prenom",
        "enfant__prenom",
        "enfant__nom",
    )
    list_select_related = ("type_piece", "famille", "enfant", "decidee_par")
    date_hierarchy = "deposee_le"
    fields = (
        "type_piece",
        "famille",
        "enfant",
        "statut",
        "deposee_le",
        "deposee_par",
        "fichiers_html",
        "valide_jusqu_au",
        "motif",
        "decidee_le",
        "decidee_par",
    )
    readonly_fields = fields
    change_form_template = "admin/familles/piecejustificative/change_form.html"

    def get_ordering(self, request):
        return en_attente_d_abord(
            statut="statut", en_attente=PieceJustificative.Statut.EN_ATTENTE, arrivee="deposee_le"
        )

    def get_queryset(self, request):
        qs = (
            super()
            .get_queryset(request)
            .select_related("type_piece", "famille", "enfant", "decidee_par", "deposee_par")
            .prefetch_related("famille__responsables", "fichiers")
            .annotate(fichiers_nombre=Count("fichiers"))
        )
        if not familles_services.peut_voir_sanitaire(request.user):
            qs = qs.exclude(type_piece__sanitaire=True)
        return qs

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="n°", ordering="pk")
    def numero(self, obj):
        return obj.pk

    @admin.display(description="fichiers", ordering="fichiers_nombre")
    def nombre_fichiers(self, obj):
        return obj.fichiers_nombre

    @admin.display(description="fichiers déposés")
    def fichiers_html(self, obj):
        def apercu(fichier):
            url = reverse("admin:familles_piecejustificative_fichier", args=[obj.pk, fichier.pk])
            if fichier.type_mime == "application/pdf":
                vue = format_html(
                    '<iframe class="apercu-piece" src="{}" title="{}"></iframe>',
                    url,
                    f"Aperçu de {fichier.nom}",
                )
            else:
                vue = format_html(
                    '<img class="apercu-piece" src="{}" alt="{}">', url, f"Page : {fichier.nom}"
                )
            return (fichier.nom, url, vue)

        return format_html_join(
            "",
            '<figure class="piece-fichier"><figcaption>{} — <a href="{}" target="_blank" rel="noopener">'
            "ouvrir dans un nouvel onglet</a></figcaption>{}</figure>",
            (apercu(f) for f in obj.fichiers.all()),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        piece = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if piece is not None:
            en_attente = piece.statut == PieceJustificative.Statut.EN_ATTENTE
            extra_context.update(
                {
                    "en_attente": en_attente,
                    "peut_decider": en_attente and self.has_change_permission(request, piece),
                    "form_validation": ValidationForm(initial={"valide_jusqu_au": validite_proposee(piece)}),
                    "form_refus": RefusForm(),
                    "url_valider": reverse("admin:familles_piecejustificative_valider", args=[piece.pk]),
                    "url_refuser": reverse("admin:familles_piecejustificative_refuser", args=[piece.pk]),
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/fichier/<int:fichier_pk>/",
                self.admin_site.admin_view(self.vue_fichier),
                name="familles_piecejustificative_fichier",
            ),
            path(
                "<int:pk>/valider/",
                self.admin_site.admin_view(require_POST(self.vue_valider)),
                name="familles_piecejustificative_valider",
            ),
            path(
                "<int:pk>/refuser/",
                self.admin_site.admin_view(require_POST(self.vue_refuser)),
                name="familles_piecejustificative_refuser",
            ),
        ] + super().get_urls()

    def _piece(self, request, pk, *, decider: bool):
        piece = get_object_or_404(self.get_queryset(request), pk=pk)
        permis = (
            self.has_change_permission(request, piece)
            if decider
            else self.has_view_permission(request, piece)
        )
        if not permis:
            raise PermissionDenied
        return piece

    def vue_fichier(self, request, pk, fichier_pk):
        """Un fichier d'une pièce, affiché dans la page (type vérifié au dépôt)."""
        piece = self._piece(request, pk, decider=False)
        fichier = get_object_or_404(piece.fichiers.all(), pk=fichier_pk)
        return fichiers.reponse_telechargement(
            fichier.fichier, nom=fichier.nom, type_mime=fichier.type_mime, en_ligne=True
        )

    def _decider(self, request, piece, operation, formulaire, **kwargs):
        url_detail = reverse("admin:familles_piecejustificative_change", args=[piece.pk])
        if not formulaire.is_valid():
            for erreurs in formulaire.errors.values():
                for erreur in erreurs:
                    messages.error(request, f"Pièce n° {piece.pk} : {erreur}")
            return HttpResponseRedirect(url_detail)
        try:
            operation(piece=piece, agent=request.user, **formulaire.cleaned_data)
        except (familles_services.DossierErreur, PermissionDenied) as erreur:
            messages.error(request, f"Pièce n° {piece.pk} : {getattr(erreur, 'message', erreur)}")
            return HttpResponseRedirect(url_detail)
        return None

    def vue_valider(self, request, pk):
        piece = self._piece(request, pk, decider=True)
        formulaire = ValidationForm(request.POST)
        erreur = self._decider(request, piece, services.piece_accepter, formulaire)
        if erreur:
            return erreur
        date = formulaire.cleaned_data["valide_jusqu_au"]
        messages.success(request, MESSAGE_VALIDEE.format(pk=piece.pk, date=f"{date:%d/%m/%Y}"))
        return HttpResponseRedirect(reverse("admin:familles_piecejustificative_changelist"))

    def vue_refuser(self, request, pk):
        piece = self._piece(request, pk, decider=True)
        erreur = self._decider(request, piece, services.piece_refuser, RefusForm(request.POST))
        if erreur:
            return erreur
        messages.success(request, MESSAGE_REFUSEE.format(pk=piece.pk))
        return HttpResponseRedirect(reverse("admin:familles_piecejustificative_changelist"))
