"""URL de la facturation hors des pages du portail : la banque simulée et le PayFiP simulé de
la démonstration (404 hors démonstration). Le webhook Stripe, la notification PayFiP et le
retour posté par le prestataire sont dans `portail/urls.py` (appelés sans session)."""

from django.urls import path

from facturation import views

app_name = "banque_simulee"

urlpatterns = [
    path("<int:pk>/", views.banque_simulee, name="banque"),
]

# La page de paiement du PayFiP simulé (l'espace de noms `payfip_simule`).
payfip_simule = [
    path("", views.payfip_simule, name="page"),
]
