from django.urls import path

from demandes import registre, views

app_name = "demandes"

# Un formulaire par type « Mon compte » (URL sans paramètre : rien à isoler entre familles).
urlpatterns = [
    path("", views.liste, name="liste"),
    *[
        path(f"compte/{type_.code}/", views.compte_modifier, {"code": type_.code},
             name=f"compte_{type_.code}")
        for type_ in registre.types(registre.COTE_COMPTE)
    ],
    path("<int:pk>/annuler/", views.annuler, name="annuler"),
]
