"""Comment atteindre chaque page contrôlée : inventaire du portail et pages publiques.

Les données viennent d'un jeu (`tests/qualite/jeux.py`) : par défaut une famille neuve des
fabriques ; les contrôles de mise en page et les captures prennent aussi la démonstration et le
jeu « beaucoup de lignes ».
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.tokens import default_token_generator
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.inventaire import PagePortail, pages
from tests.qualite.formulaires_en_erreur import FORMULAIRES_EN_ERREUR
from tests.qualite.jeux import INVENTAIRE, Jeu
from tests.urls_portail import urls_portail


@dataclass
class Visite:
    """Une page prête à être demandée : son URL et qui la demande."""

    id: str
    url: str
    utilisateur: object | None = None  # None : visiteur anonyme
    html: bool = True
    methode: str = "GET"
    statut: int = 200  # statut attendu (après redirections)
    # Formulaire de la page à soumettre avec ces données (page réaffichée avec ses erreurs).
    donnees: dict | None = None

    @property
    def connecte(self) -> bool:
        return self.utilisateur is not None


def parametres_attendus(nom: str) -> dict[str, str] | None:
    """Les paramètres de l'URL nommée `nom` (ex. {"pk": "int"}), None si elle est hors portail."""
    for url in urls_portail():
        if url.nom == nom:
            return url.parametres
    return None


def url_de_page(page: PagePortail, parent) -> str:
    """Prépare les données de la page pour la famille de `parent` et renvoie son URL."""
    kwargs = page.preparer(parent) or {}
    attendus = parametres_attendus(page.nom)
    if attendus is not None and set(kwargs) != set(attendus):
        raise AssertionError(
            f"{page.nom} : preparer() renvoie les paramètres {sorted(kwargs)} "
            f"mais l'URL attend {sorted(attendus)}"
        )
    try:
        url = reverse(page.nom, kwargs=kwargs)
    except NoReverseMatch as erreur:
        raise AssertionError(f"{page.nom} : URL impossible à construire avec {kwargs} ({erreur})") from erreur
    if page.query:
        url += "?" + urlencode(page.query, doseq=True)
    return url


def visite_inventaire(page: PagePortail, jeu: Jeu = INVENTAIRE) -> Visite:
    parent = jeu.parent()
    url = url_de_page(page, parent)
    jeu.completer(page, parent)
    return Visite(id=page.nom, url=url, utilisateur=parent, html=page.html, methode=page.methode)


# Pages publiques (hors espaces du portail) : chacune sait préparer sa visite (données du jeu
# `jeu` pour celles qui demandent un parent).


def _anonyme(chemin: str, statut: int = 200) -> Callable[[Jeu], Visite]:
    def preparer(jeu: Jeu) -> Visite:
        return Visite(id=chemin, url=chemin, statut=statut)

    return preparer


def _parent(jeu: Jeu):
    parent = jeu.parent()
    jeu.completer(None, parent)
    return parent


def _erreurs(chemin: str, donnees: dict, connecte: bool = False) -> Callable[[Jeu], Visite]:
    """La page réaffichée après un envoi invalide : messages d'erreur compris."""

    def preparer(jeu: Jeu) -> Visite:
        utilisateur = _parent(jeu) if connecte else None
        return Visite(id=chemin, url=chemin, utilisateur=utilisateur, donnees=donnees)

    return preparer


def _reinitialisation_valide(jeu: Jeu) -> Visite:
    parent = _parent(jeu)
    uid = urlsafe_base64_encode(force_bytes(parent.pk))
    jeton = default_token_generator.make_token(parent)
    url = reverse("reinitialisation_confirmation", kwargs={"uidb64": uid, "token": jeton})
    # La vue redirige vers « …/set-password/ » après avoir rangé le jeton en session.
    return Visite(id="reinitialisation", url=url)


def _reinitialisation_erreurs(jeu: Jeu) -> Visite:
    visite = _reinitialisation_valide(jeu)
    visite.donnees = {"nouveau_mot_de_passe": "abc", "confirmation": "abc"}
    return visite


def _mot_de_passe_nouveau(jeu: Jeu) -> Visite:
    parent = _parent(jeu)
    parent.doit_changer_mot_de_passe = True
    parent.save(update_fields=["doit_changer_mot_de_passe"])
    return Visite(id="mot_de_passe_nouveau", url=reverse("mot_de_passe_nouveau"), utilisateur=parent)


def _mot_de_passe_nouveau_erreurs(jeu: Jeu) -> Visite:
    visite = _mot_de_passe_nouveau(jeu)
    visite.donnees = {"nouveau_mot_de_passe": "motdepasse", "confirmation": "motdepasse"}
    return visite


def _inventaire_en_erreur(nom: str, donnees: dict) -> Callable[[Jeu], Visite]:
    """Une page de l'inventaire réaffichée après l'envoi de son formulaire avec des erreurs."""

    def preparer(jeu: Jeu) -> Visite:
        visite = visite_inventaire(pages()[nom], jeu)
        visite.donnees = donnees
        return visite

    return preparer


def _connecte(nom_url: str) -> Callable[[Jeu], Visite]:
    def preparer(jeu: Jeu) -> Visite:
        return Visite(id=nom_url, url=reverse(nom_url), utilisateur=_parent(jeu))

    return preparer


PAGES_PUBLIQUES: dict[str, Callable[[Jeu], Visite]] = {
    "public:connexion": _anonyme("/connexion/"),
    "public:connexion_erreurs": _erreurs("/connexion/", {"username": "inconnu", "password": "faux"}),
    "public:mot_de_passe_oublie": _anonyme("/mot-de-passe/oublie/"),
    "public:mot_de_passe_oublie_erreurs": _erreurs("/mot-de-passe/oublie/", {"email": "pas-un-courriel"}),
    "public:mot_de_passe_oublie_envoye": _anonyme("/mot-de-passe/oublie/envoye/"),
    "public:reinitialisation": _reinitialisation_valide,
    "public:reinitialisation_lien_invalide": _anonyme("/mot-de-passe/reinitialiser/MQ/lien-invalide/"),
    "public:reinitialisation_terminee": _anonyme("/mot-de-passe/reinitialise/"),
    "public:mot_de_passe_nouveau": _mot_de_passe_nouveau,
    "public:reinitialisation_erreurs": _reinitialisation_erreurs,
    "public:mot_de_passe_changer": _connecte("mot_de_passe_changer"),
    "public:mot_de_passe_changer_erreurs": _erreurs(
        "/mot-de-passe/changer/",
        {"ancien_mot_de_passe": "faux", "nouveau_mot_de_passe": "court", "confirmation": "autre"},
        connecte=True,
    ),
    "public:accessibilite": _anonyme("/accessibilite/"),
    "public:mentions_legales": _anonyme("/mentions-legales/"),
    "public:donnees_personnelles": _anonyme("/donnees-personnelles/"),
    "public:accessibilite_connecte": _connecte("accessibilite"),
    "public:page_introuvable": _anonyme("/page-introuvable/", statut=404),
    "public:mot_de_passe_nouveau_erreurs": _mot_de_passe_nouveau_erreurs,
    **{
        f"erreurs:{nom}": _inventaire_en_erreur(nom, donnees)
        for nom, donnees in FORMULAIRES_EN_ERREUR.items()
    },
}


def ids_visites(*, html_seulement: bool = False, get_seulement: bool = True) -> list[str]:
    """Les identifiants de toutes les pages contrôlées (pour `pytest.mark.parametrize`)."""
    ids = [
        nom
        for nom, page in sorted(pages().items())
        if (not get_seulement or page.methode == "GET") and (not html_seulement or page.html)
    ]
    return ids + list(PAGES_PUBLIQUES)


def preparer_visite(id_: str, jeu: Jeu = INVENTAIRE) -> Visite:
    """Crée les données de la page `id_` (données du jeu `jeu`) et renvoie sa visite."""
    if id_ in PAGES_PUBLIQUES:
        visite = PAGES_PUBLIQUES[id_](jeu)
        visite.id = id_
        return visite
    return visite_inventaire(pages()[id_], jeu)


def demander(client, visite: Visite):
    """La réponse du client de test Django à la visite (redirections suivies)."""
    client.logout()
    if visite.utilisateur is not None:
        client.force_login(visite.utilisateur)
    if visite.donnees is not None:
        # Comme le navigateur : afficher la page (redirections suivies), puis envoyer le formulaire.
        page = client.get(visite.url, follow=True)
        return client.post(page.wsgi_request.get_full_path(), visite.donnees, follow=True)
    if visite.methode == "POST":
        return client.post(visite.url)
    # Une réponse non HTML (PDF, redirection vers un prestataire…) est contrôlée telle quelle.
    return client.get(visite.url, follow=visite.html)
