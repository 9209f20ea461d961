"""Le tableau de bord d'une campagne d'inscription, dans l'administration.

L'administration des campagnes vit dans `enfants.admin` (formulaire, liste) ; le tableau de bord
lit aussi les demandes d'inscription : il s'ajoute ici, dans `demandes`, qui lit toutes les
applications (l'administration de `enfants` est remplacée par sa version avec tableau de bord).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from commun.admin_outils import VuesPropresMixin
from demandes import campagnes
from enfants.admin import CampagneAdmin, etat_campagne, fenetre_libelle
from enfants.models import Campagne


class CampagneTableauAdmin(VuesPropresMixin, CampagneAdmin):
    list_display = (*CampagneAdmin.list_display, "lien_tableau")
    vues_propres = (("<int:pk>/tableau-de-bord/", "tableau_de_bord", "enfants_campagne_tableau_de_bord"),)

    @admin.display(description="Suivi")
    def lien_tableau(self, obj):
        return format_html(
            '<a href="{}">Tableau de bord</a>',
            reverse("admin:enfants_campagne_tableau_de_bord", args=[obj.pk]),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if object_id and str(object_id).isdigit():
            extra_context["lien_tableau"] = reverse(
                "admin:enfants_campagne_tableau_de_bord", args=[object_id]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def tableau_de_bord(self, request, pk):
        """Familles invitées / commencées / envoyées / complètes, pièces à vérifier, demandes
        d'inscription par activité face aux places, listes d'attente."""
        if not (self.has_view_permission(request) and request.user.has_perm("demandes.view_demande")):
            raise PermissionDenied
        campagne = get_object_or_404(Campagne.objects.all(), pk=pk)
        tableau = campagnes.campagne_tableau_de_bord(campagne=campagne)
        contexte = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Tableau de bord — {campagne.nom}",
            "campagne": campagne,
            "tableau": tableau,
            "fenetre": fenetre_libelle(campagne.ouverture, campagne.fermeture),
            "etat": etat_campagne(campagne, timezone.now()),
            "url_pieces": reverse("admin:familles_piecejustificative_changelist") + "?statut=en_attente",
            "url_demandes": reverse("admin:demandes_demande_changelist")
            + f"?type={campagnes.TYPE_INSCRIPTION}",
        }
        return TemplateResponse(request, "admin/enfants/campagne_tableau_de_bord.html", contexte)


admin.site.unregister(Campagne)
admin.site.register(Campagne, CampagneTableauAdmin)
