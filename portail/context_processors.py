from django.conf import settings
from django.utils import timezone

from commun import cache_famille
from messagerie import selectors as messagerie_selectors
from portail.onglets import onglets_visibles


def portail(request):
    """Ce que l'en-tête et le pied de page de chaque page affichent."""
    contexte = {
        "NOM_VILLE": settings.NOM_VILLE,
        "NOM_CCAS": settings.NOM_CCAS,
        "CCAS_TELEPHONE": settings.CCAS_TELEPHONE,
        "CCAS_EMAIL": settings.CCAS_EMAIL,
        "SITE_VILLE_URL": settings.SITE_VILLE_URL,
        "aujourdhui": timezone.localdate(),
        "DUREE_BLOCAGE_MINUTES": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    famille = getattr(request, "famille", None)
    if famille is not None and request.user.doit_changer_mot_de_passe:
        # Mot de passe temporaire : tout mène à la page de changement (middleware). Ni onglets,
        # ni liens d'en-tête ou de pied de page qui ne mèneraient nulle part.
        famille = None
        contexte["mot_de_passe_a_changer"] = True
    if famille is not None:
        contexte["famille"] = famille
        contexte["onglets"] = onglets_visibles(request.path)
        # Le compteur de l'en-tête : la messagerie le connaît (une requête, préparée), pour ce
        # compte (chaque responsable a sa lecture : clé du cache par compte).
        # Gardé tant que les données de la famille ne changent pas (commun.cache_famille).
        contexte["messages_non_lus"] = cache_famille.lire(
            request=request,
            nom="non_lus",
            par_compte=True,
            calculer=lambda: cache_famille.Calcul(
                messagerie_selectors.messages_non_lus_nombre(famille=famille, compte=request.user)
            ),
        )
    return contexte
