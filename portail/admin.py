"""Administration du module portail : le journal d'audit, les appareils TOTP des agents."""

from django.contrib import admin
from django.http import Http404
from django.utils.html import format_html, format_html_join
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from portail.admin_outils import SuperutilisateurSeulMixin
from portail.models import Audit


@admin.register(Audit)
class AuditAdmin(admin.ModelAdmin):
    """Le journal d'audit : consultation seule."""

    list_display = ("date", "auteur", "famille", "action", "objet", "champs_modifies")
    list_filter = ("sensible", "date")
    search_fields = ("famille__numero", "objet", "action", "auteur__username")
    list_select_related = ("auteur", "famille")
    date_hierarchy = "date"
    fields = ("date", "auteur", "famille", "objet", "action", "champs_modifies", "detail")
    readonly_fields = fields

    @admin.display(description="champs modifiés")
    def champs_modifies(self, obj):
        return ", ".join(obj.champs) or "—"

    @admin.display(description="avant → après")
    def detail(self, obj):
        if obj.sensible:
            return "Donnée sensible : les valeurs ne sont pas conservées dans le journal."
        lignes = ((champ, obj.avant.get(champ, ""), obj.apres.get(champ, "")) for champ in obj.champs)
        return format_html(
            "<table><thead><tr><th scope='col'>Champ</th><th scope='col'>Avant</th>"
            "<th scope='col'>Après</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", lignes),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AppareilTOTPAdmin(SuperutilisateurSeulMixin, TOTPDeviceAdmin):
    """Les appareils de double authentification des agents (django-otp), durcis :

    - la configuration et le QR code d'un appareil absent répondent 404 (django-otp faisait une
      erreur 500), de même que ceux d'un appareil qu'on n'a pas le droit de voir (la réponse ne
      dit pas quels identifiants existent) ;
    - un agent qui n'est pas superutilisateur ne voit que ses propres appareils et n'en crée,
      modifie ni supprime aucun : la clé TOTP d'un autre compte ne se lit pas.
    """

    def get_queryset(self, request):
        appareils = super().get_queryset(request)
        if request.user.is_superuser:
            return appareils
        return appareils.filter(user=request.user)

    def _appareil_visible(self, request, pk) -> None:
        appareil = self.get_queryset(request).filter(pk=pk).first()
        if appareil is None or not self.has_view_or_change_permission(request, appareil):
            raise Http404("Appareil introuvable.")

    def config_view(self, request, pk):
        self._appareil_visible(request, pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        self._appareil_visible(request, pk)
        return super().qrcode_view(request, pk)


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, AppareilTOTPAdmin)
