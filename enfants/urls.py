from django.urls import path

from enfants import views, views_inscriptions, views_planning

app_name = "enfants"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<int:pk>/", views.fiche, name="fiche"),
    path("<int:pk>/documents/", views.pieces, name="pieces"),
    path("<int:pk>/inscrire/", views_inscriptions.inscrire, name="inscrire"),
    path("<int:pk>/documents/<int:type_pk>/deposer/", views.piece_deposer, name="piece_deposer"),
    # Planning (agenda du mois, demandes de réservation et d'absence)
    path("<int:pk>/planning/", views_planning.planning_courant, name="planning_courant"),
    path("<int:pk>/planning/<int:annee>/<int:mois>/", views_planning.planning, name="planning"),
    path("<int:pk>/calendrier/renouveler/", views_planning.flux_renouveler, name="flux_renouveler"),
    path("inscriptions/<int:pk>/reserver/", views_planning.reservation_demander, name="reservation_demander"),
    path("inscriptions/<int:pk>/reserver-periode/", views_planning.periode_reserver, name="periode_reserver"),
    path("inscriptions/<int:pk>/reserver-jours/", views_planning.jours_reserver, name="jours_reserver"),
    path("inscriptions/<int:pk>/absence/", views_planning.absence_declarer, name="absence_declarer"),
    path("absences/<int:pk>/annuler/", views_planning.absence_annuler, name="absence_annuler"),
    path("places-proposees/<int:pk>/", views_planning.proposition, name="proposition"),
]
