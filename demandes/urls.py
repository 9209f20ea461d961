from django.urls import path

from demandes import registre, types_enfants, views

app_name = "demandes"

# Un formulaire par type « Mon compte » (URL sans paramètre : rien à isoler entre familles).
urlpatterns = [
    path("", views.liste, name="liste"),
    *[
        path(f"compte/{type_.code}/", views.compte_modifier, {"code": type_.code},
             name=f"compte_{type_.code}")
        for type_ in registre.types(registre.COTE_COMPTE)
    ],
    path("enfants/nouveau/", views.nouvel_enfant, name="nouvel_enfant"),
    *[
        path(f"enfants/<int:pk>/{type_.code.removeprefix('enfant_')}/", views.enfant_modifier,
             {"code": type_.code}, name=type_.code)
        for type_ in types_enfants.TYPES_FICHE
    ],
    path("<int:pk>/annuler/", views.annuler, name="annuler"),
]
