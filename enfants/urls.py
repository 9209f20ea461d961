from django.urls import path

from enfants import views

app_name = "enfants"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<int:pk>/", views.fiche, name="fiche"),
]
