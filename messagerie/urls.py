from django.urls import path

from messagerie import views

app_name = "messagerie"

urlpatterns = [
    path("", views.boite, name="boite"),
    path("envoyes/", views.envoyes, name="envoyes"),
    path("supprimes/", views.supprimes, name="supprimes"),
    path("nouveau/", views.nouveau, name="nouveau"),
    path("<int:pk>/", views.fil, name="fil"),
    path("<int:pk>/supprimer/", views.fil_supprimer, name="fil_supprimer"),
    path("<int:pk>/restaurer/", views.fil_restaurer, name="fil_restaurer"),
    path("pieces-jointes/<int:pk>/", views.piece_jointe, name="piece_jointe"),
    path("infos/", views.infos, name="infos"),
    path("infos/formulaires/<int:pk>/", views.document, name="document"),
]
