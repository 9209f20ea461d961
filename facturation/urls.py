from django.urls import path

from facturation import views

app_name = "facturation"

urlpatterns = [
    path("", views.releve, name="releve"),
    path("factures/<int:pk>/pdf/", views.facture_pdf, name="facture_pdf"),
    path("reglements/<int:pk>/recu/", views.recu_pdf, name="recu_pdf"),
    path("mandats/<int:pk>/pdf/", views.mandat_pdf, name="mandat_pdf"),
    path("attestations/<int:annee>/pdf/", views.attestation_pdf, name="attestation_pdf"),
    path("factures/payer/", views.paiement_plusieurs, name="paiement_plusieurs"),
    path("factures/<int:pk>/payer/", views.paiement, name="paiement"),
    path("paiements/<int:pk>/", views.paiement_retour, name="paiement_retour"),
    path("paiements/<int:pk>/annuler/", views.paiement_annuler, name="paiement_annuler"),
]
