from django.urls import path

from familles import views

app_name = "familles"

urlpatterns = [
    path("", views.compte, name="compte"),
]
