"""Le flux iCalendar public (jeton secret) : hors des pages du portail, sans connexion."""

from django.urls import path

from enfants import views_planning

app_name = "ical"

urlpatterns = [
    path("<str:jeton>.ics", views_planning.flux_ical, name="flux"),
]
