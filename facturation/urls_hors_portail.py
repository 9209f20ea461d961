"""URL de la facturation hors des pages du portail : le webhook Stripe (appelé par Stripe, sans
session) et la banque simulée de la démonstration (404 hors démonstration)."""

from django.urls import path

from facturation import views

app_name = "banque_simulee"

urlpatterns = [
    path("<int:pk>/", views.banque_simulee, name="banque"),
]
