"""Administration du projet : les appareils TOTP des agents."""

from django.contrib import admin
from django.http import Http404
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from commun.admin_outils import SuperutilisateurSeulMixin


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
