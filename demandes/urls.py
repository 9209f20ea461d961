"""URL des demandes.

Incluses à la racine (voir portail/urls.py) : la liste vit sous /demandes/, mais chaque
formulaire de demande vit sous l'onglet d'où il s'ouvre (/compte/modifier/…, /enfants/…), pour
que l'onglet « Mon compte » ou « Mes enfants » reste actif.
"""

from django.urls import path

from demandes import registre, types_enfants, views, views_campagnes

app_name = "demandes"

urlpatterns = [
    path("demandes/", views.liste, name="liste"),
    path("demandes/<int:pk>/annuler/", views.annuler, name="annuler"),
    path("demandes/<int:pk>/place/", views.proposition, name="proposition"),
    # Un formulaire par type « Mon compte » (URL sans paramètre : rien à isoler entre familles).
    *[
        path(
            f"compte/modifier/{type_.code}/",
            views.compte_modifier,
            {"code": type_.code},
            name=f"compte_{type_.code}",
        )
        for type_ in registre.types(registre.COTE_COMPTE)
    ],
    # Le dossier d'une campagne d'inscription, sous « Mon compte ».
    path("compte/dossier/<int:pk>/", views_campagnes.campagne, name="campagne"),
    path("enfants/nouveau/", views.nouvel_enfant, name="nouvel_enfant"),
    *[
        path(
            f"enfants/<int:pk>/demande/{type_.code.removeprefix('enfant_')}/",
            views.enfant_modifier,
            {"code": type_.code},
            name=type_.code,
        )
        for type_ in types_enfants.TYPES_FICHE
    ],
]
