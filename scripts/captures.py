"""Captures d'écran de toutes les pages, pour les regarder comme une personne.

    .venv/bin/python scripts/captures.py DOSSIER [--volume] [--largeurs 360,1280] [--pages MOTIF]…

Sert la démonstration (sa propre base SQLite dans un dossier temporaire, `manage.py demo`, le
serveur des tests de Django sur un port libre, DEBUG désactivé comme dans les tests), se
connecte par le formulaire comme le parent (jean.dupont) et l'agent (agent.ccas) de
démonstration, et écrit dans DOSSIER :

- un PNG (page entière) de chaque page de l'inventaire (`tests/inventaire/`) et des pages
  publiques (`tests/qualite/visites.py`) à 360 et 1280 px : `<page>-<largeur>.png` ;
- avec `--volume`, les mêmes pages pour la famille « beaucoup de lignes » (`tests/qualite/jeux.py`,
  identifiant `famille.volume`) : `volume-<page>-<largeur>.png` ;
- les pages principales de l'administration (accueil, chaque liste, quelques fiches, pointage,
  guichet) aux mêmes largeurs : `admin-<page>-<largeur>.png` ;
- `index.html`, la planche contact : chaque page, ses vignettes, et les défauts que les
  contrôles de mise en page (`tests/qualite/mise_en_page.py`) y trouvent à chaque largeur.

Les pages de l'inventaire montrent la famille DUPONT de la démonstration, complétée par ce que
chaque page prépare (`PagePortail.preparer`) ; les pages publiques, une famille neuve.
Il faut l'installation de développement (`make install` : Playwright, factory-boy) et le
Chromium de Debian (`/usr/bin/chromium`, ou la variable CHROMIUM).
"""

import argparse
import html
import io
import logging
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
IDENTIFIANT_VOLUME = "famille.volume"
MOT_DE_PASSE_VOLUME = "Volume2026Captures"


def configurer(dossier_temporaire: Path) -> None:
    """Réglages de développement, base et fichiers dans le dossier temporaire, puis Django."""
    for variable in ("REDIS_URL", "SESSIONS", "DATABASE_URL"):
        os.environ.pop(variable, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portail.settings",
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{dossier_temporaire / 'captures.sqlite3'}",
            "MEDIA_ROOT": str(dossier_temporaire / "media"),
            "FICHIERS_PRIVES_ROOT": str(dossier_temporaire / "prive"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "ADMIN_DOUBLE_AUTHENTIFICATION": "0",
            "LOG_LEVEL": "WARNING",
            # Playwright (API synchrone) fait tourner une boucle asyncio dans ce fil : les
            # préparations des pages appellent l'ORM entre deux captures, de façon synchrone et sûre
            # (comme les tests, voir tests/browser/conftest.py).
            "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        }
    )
    sys.path.insert(0, str(RACINE))
    import django

    django.setup()
    # Le journal des connexions et des 404 voulues n'apprend rien ici.
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise, sans collectstatic


def serveur_demarrer():
    """Le serveur des tests de Django (fichiers statiques compris) dans un fil, port libre.

    DEBUG désactivé comme pendant les tests : la page 404 est celle du portail."""
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    settings.DEBUG = False
    serveur = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    serveur.daemon = True
    serveur.start()
    serveur.is_ready.wait()
    if serveur.error:
        raise serveur.error
    return serveur


def nom_fichier(texte: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in texte)


class Capteur:
    """Le navigateur, un contexte par compte connecté, et ce qui a été capturé."""

    def __init__(self, navigateur, base_url: str, dossier: Path):
        self.navigateur, self.base_url, self.dossier = navigateur, base_url, dossier
        self.contextes = {}
        self.lignes: dict[str, list] = {}

    def contexte(self, cle, *, identifiant=None, mot_de_passe=None, admin=False, utilisateur=None):
        """Le contexte du compte `cle`, connecté une fois pour toutes (formulaire ou cookie)."""
        if cle in self.contextes:
            return self.contextes[cle]
        from tests.qualite.navigateur import connecter

        contexte = self.navigateur.new_context(
            locale="fr-FR", timezone_id="Europe/Paris", base_url=self.base_url
        )
        contexte.set_default_timeout(20_000)
        page = contexte.new_page()
        if identifiant:
            page.goto("/admin/login/" if admin else "/connexion/")
            if admin:
                page.fill("#id_username", identifiant)
                page.fill("#id_password", mot_de_passe)
                page.locator("[type=submit]").click()
            else:
                page.get_by_label("Identifiant").fill(identifiant)
                page.get_by_label("Mot de passe").fill(mot_de_passe)
                page.get_by_role("button", name="Connexion").click()
            page.wait_for_load_state()
            if "/connexion/" in page.url or "/login/" in page.url:
                raise SystemExit(f"connexion impossible comme {identifiant}")
        elif utilisateur is not None:
            connecter(contexte, utilisateur, self.base_url)
        self.contextes[cle] = page
        return page

    def capturer(self, section: str, nom: str, page, url: str, largeurs, afficher):
        """Affiche la page (`afficher(page)`), puis une capture et les défauts par largeur."""
        from tests.qualite import mise_en_page

        page.set_viewport_size({"width": largeurs[0], "height": mise_en_page.HAUTEUR})
        try:
            afficher(page)
        except Exception as erreur:  # une page en erreur figure sur la planche, sans capture
            self.lignes.setdefault(section, []).append((nom, url, [], [f"erreur : {erreur}"]))
            print(f"  {nom} : ERREUR {erreur}", file=sys.stderr)
            return
        images, defauts = [], []
        for largeur in largeurs:
            page.set_viewport_size({"width": largeur, "height": mise_en_page.HAUTEUR})
            fichier = f"{nom_fichier(nom)}-{largeur}.png"
            page.screenshot(path=str(self.dossier / fichier), full_page=True)
            images.append((largeur, fichier))
            defauts += [
                f"à {largeur} px [{d['controle']}] {d['message']}" for d in mise_en_page.defauts(page)
            ]
        self.lignes.setdefault(section, []).append((nom, url, images, defauts))
        print(f"  {nom}{' — ' + str(len(defauts)) + ' défaut(s)' if defauts else ''}")

    def planche(self) -> Path:
        parties = [
            "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>",
            "<title>Captures du Portail Famille</title><style>",
            "body{font-family:sans-serif;margin:1rem}figure{display:inline-block;"
            "margin:0 1rem 1rem 0;vertical-align:top}img{border:1px solid #999;"
            "max-height:420px}section>div{border-top:1px solid #ccc;padding:.5rem 0}"
            ".defaut{color:#a4161a}</style></head><body><h1>Captures du Portail Famille</h1>",
        ]
        for section, lignes in self.lignes.items():
            parties.append(f"<section><h2>{html.escape(section)}</h2>")
            for nom, url, images, defauts in lignes:
                parties.append(
                    f"<div id='{html.escape(nom_fichier(nom))}'><h3>{html.escape(nom)}"
                    f" <small>{html.escape(url)}</small></h3>"
                )
                for largeur, fichier in images:
                    parties.append(
                        f"<figure><a href='{html.escape(fichier)}'><img src='"
                        f"{html.escape(fichier)}' width='{min(largeur, 1280) // 4}' "
                        f"alt='{html.escape(nom)} à {largeur} px'></a>"
                        f"<figcaption>{largeur} px</figcaption></figure>"
                    )
                parties += [f"<p class='defaut'>{html.escape(d)}</p>" for d in defauts]
                parties.append("</div>")
            parties.append("</section>")
        parties.append("</body></html>")
        index = self.dossier / "index.html"
        index.write_text("\n".join(parties), encoding="utf-8")
        return index


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("dossier", type=Path, help="où écrire les PNG et index.html")
    arguments.add_argument(
        "--volume", action="store_true", help="capturer aussi la famille « beaucoup de lignes »"
    )
    arguments.add_argument("--largeurs", default="360,1280", help="largeurs en px (360,1280)")
    arguments.add_argument(
        "--pages",
        action="append",
        default=[],
        metavar="MOTIF",
        help="seulement les pages dont le nom contient ce motif (répétable)",
    )
    arguments.add_argument("--sans-admin", action="store_true", help="sans l'administration")
    options = arguments.parse_args()
    largeurs = [int(x) for x in options.largeurs.split(",")]
    options.dossier.mkdir(parents=True, exist_ok=True)

    temporaire = Path(tempfile.mkdtemp(prefix="captures-"))
    try:
        configurer(temporaire)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("demo", stdout=io.StringIO())
        serveur = serveur_demarrer()
        try:
            index = capturer_tout(f"http://127.0.0.1:{serveur.port}", options, largeurs)
        finally:
            serveur.terminate()
        print(f"Planche contact : {index}")
    finally:
        shutil.rmtree(temporaire, ignore_errors=True)


def capturer_tout(base_url: str, options, largeurs) -> Path:
    from playwright.sync_api import sync_playwright

    from familles.demo import (
        IDENTIFIANT_AGENT,
        IDENTIFIANT_DUPONT,
        MOT_DE_PASSE_AGENT,
        MOT_DE_PASSE_DUPONT,
    )
    from familles.models import Utilisateur
    from tests.inventaire import pages
    from tests.qualite import jeux
    from tests.qualite.administration import pages_admin
    from tests.qualite.navigateur import afficher
    from tests.qualite.visites import PAGES_PUBLIQUES, ids_visites, preparer_visite

    dupont = Utilisateur.objects.get(username=IDENTIFIANT_DUPONT)
    agent = Utilisateur.objects.get(username=IDENTIFIANT_AGENT)
    # Les pages de l'inventaire : la famille DUPONT déjà chargée (sans recharger la démo, qui
    # effacerait ce que les pages précédentes ont préparé) ; les pages publiques : une famille
    # neuve (« mot de passe imposé » ne doit pas bloquer le compte de démonstration).
    demo = jeux.Jeu("demo", lambda: dupont)

    def retenue(nom: str) -> bool:
        return not options.pages or any(motif in nom for motif in options.pages)

    ids = [i for i in ids_visites(html_seulement=True) if retenue(i)]

    with sync_playwright() as p:
        # --lang : champs de fichier et de date en français si chromium-l10n est installé.
        navigateur = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--lang=fr-FR"]
        )
        capteur = Capteur(navigateur, base_url, options.dossier)

        def page_de(visite, cle_parent):
            if visite.utilisateur is None:
                return capteur.contexte("anonyme")
            if visite.utilisateur.pk == cle_parent[1].pk:
                return capteur.contexte(cle_parent[0])
            return capteur.contexte(f"utilisateur-{visite.utilisateur.pk}", utilisateur=visite.utilisateur)

        capteur.contexte("parent", identifiant=IDENTIFIANT_DUPONT, mot_de_passe=MOT_DE_PASSE_DUPONT)
        print("Portail — démonstration")
        for id_ in ids:
            visite = preparer_visite(id_, jeux.INVENTAIRE if id_ in PAGES_PUBLIQUES else demo)
            page = page_de(visite, ("parent", dupont))
            capteur.capturer(
                "Portail — démonstration",
                id_,
                page,
                visite.url,
                largeurs,
                lambda page, visite=visite: afficher(page, visite),
            )

        if options.volume:
            parent = jeux.parent_volume(IDENTIFIANT_VOLUME, MOT_DE_PASSE_VOLUME)
            volume = jeux.Jeu("volume", lambda: parent, jeux.completer_volume)
            capteur.contexte("volume", identifiant=IDENTIFIANT_VOLUME, mot_de_passe=MOT_DE_PASSE_VOLUME)
            print("Portail — beaucoup de lignes")
            for id_ in ids:
                if id_ not in pages():
                    continue
                visite = preparer_visite(id_, volume)
                capteur.capturer(
                    "Portail — beaucoup de lignes",
                    f"volume-{id_}",
                    page_de(visite, ("volume", parent)),
                    visite.url,
                    largeurs,
                    lambda page, visite=visite: afficher(page, visite),
                )

        if not options.sans_admin:
            page = capteur.contexte(
                "agent", identifiant=IDENTIFIANT_AGENT, mot_de_passe=MOT_DE_PASSE_AGENT, admin=True
            )
            print("Administration")
            for nom, url in pages_admin(famille=dupont.famille, agent=agent):
                if retenue(f"admin-{nom}"):
                    capteur.capturer(
                        "Administration",
                        f"admin-{nom}",
                        page,
                        url,
                        largeurs,
                        lambda page, url=url: _ouvrir_admin(page, url),
                    )
        navigateur.close()
    return capteur.planche()


def _ouvrir_admin(page, url):
    reponse = page.goto(url)
    if reponse is None or reponse.status != 200:
        raise RuntimeError(f"{url} → {reponse and reponse.status}")


if __name__ == "__main__":
    main()
