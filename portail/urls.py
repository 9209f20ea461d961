from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from facturation import urls_hors_portail
from facturation import views as facturation_views
from portail import views

app_urls = [
    path("", views.accueil, name="accueil"),
    path("mes-donnees/", views.mes_donnees, name="mes_donnees"),
    path("mes-donnees/export.json", views.mes_donnees_json, name="mes_donnees_json"),
]

urlpatterns = [
    path("", include((app_urls, "portail"))),
    path("sante/", views.sante, name="sante"),
    # Les navigateurs demandent /favicon.ico d'office (pages de l'administration comprises).
    path("favicon.ico", views.favicon),
    path("connexion/", views.ConnexionView.as_view(), name="connexion"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    path("mot-de-passe/nouveau/", views.mot_de_passe_nouveau, name="mot_de_passe_nouveau"),
    path("mot-de-passe/changer/", views.mot_de_passe_changer, name="mot_de_passe_changer"),
    path("mot-de-passe/oublie/", views.MotDePasseOublieView.as_view(), name="mot_de_passe_oublie"),
    path(
        "mot-de-passe/oublie/envoye/",
        TemplateView.as_view(template_name="registration/mot_de_passe_oublie_envoye.html"),
        name="mot_de_passe_oublie_envoye",
    ),
    path(
        "mot-de-passe/reinitialiser/<uidb64>/<token>/",
        views.ReinitialisationConfirmationView.as_view(),
        name="reinitialisation_confirmation",
    ),
    path(
        "mot-de-passe/reinitialise/",
        TemplateView.as_view(template_name="registration/reinitialisation_terminee.html"),
        name="reinitialisation_terminee",
    ),
    path("accessibilite/", views.page_legale("portail/accessibilite.html"), name="accessibilite"),
    path("mentions-legales/", views.page_legale("portail/mentions_legales.html"), name="mentions_legales"),
    path(
        "donnees-personnelles/",
        views.page_legale("portail/donnees_personnelles.html"),
        name="donnees_personnelles",
    ),
    path("compte/", include("familles.urls")),
    path("enfants/", include("enfants.urls")),
    path("releve/", include("facturation.urls")),
    path("messagerie/", include("messagerie.urls")),
    # À la racine : /demandes/ et les formulaires de demande sous /compte/ et /enfants/.
    path("", include("demandes.urls")),
    path("admin/", admin.site.urls),
    path("paiements/stripe/webhook/", facturation_views.webhook_stripe, name="webhook_stripe"),
    path("paiements/payfip/notification/", facturation_views.notification_payfip, name="notification_payfip"),
    path(
        "paiements/<int:pk>/retour/",
        facturation_views.paiement_retour_prestataire,
        name="paiement_retour_prestataire",
    ),
    path("banque-simulee/", include("facturation.urls_hors_portail")),
    path("payfip-simule/", include((urls_hors_portail.payfip_simule, "payfip_simule"))),
    path("calendrier/", include("enfants.urls_ical")),
]

handler403 = "portail.views.acces_refuse"
