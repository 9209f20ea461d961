from django.urls import path

from familles import views

app_name = "familles"

urlpatterns = [
    path("", views.compte, name="compte"),
    path("documents/", views.pieces, name="pieces"),
    path("documents/<int:type_pk>/deposer/", views.piece_deposer, name="piece_deposer"),
    path("documents/fichiers/<int:pk>/", views.piece_fichier, name="piece_fichier"),
    path("consentements/", views.consentements, name="consentements"),
    path("notifications/", views.notifications, name="notifications"),
    path("consentements/<int:pk>/", views.consentement, name="consentement"),
]
