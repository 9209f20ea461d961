from django.conf import settings
from django.contrib import admin

admin.site.site_header = f"Portail Famille — {settings.NOM_CCAS}"
admin.site.site_title = "Portail Famille"
admin.site.index_title = "Administration du CCAS"
