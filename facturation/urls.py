from django.urls import path

from facturation import views

app_name = "facturation"

urlpatterns = [
    path("", views.releve, name="releve"),
    path("factures/<int:pk>/pdf/", views.facture_pdf, name="facture_pdf"),
]
