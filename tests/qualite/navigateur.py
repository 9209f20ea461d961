"""Aides pour les contrôles dans Chromium : connexion par cookie, visite, violations de CSP."""

from django.conf import settings
from django.test import Client

# Écoute, dès le chargement, les violations de CSP signalées par le navigateur. Playwright
# injecte ce script par le protocole de débogage : la CSP de la page ne s'y applique pas.
ECOUTE_CSP = """
window.__violationsCsp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violationsCsp.push(
    `${e.violatedDirective} : ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def connecter(contexte, utilisateur, base_url: str) -> None:
    """Remplace les cookies du contexte par une session ouverte pour `utilisateur` (ou aucune)."""
    contexte.clear_cookies()
    if utilisateur is None:
        return
    client = Client()
    client.force_login(utilisateur)
    contexte.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )


def violations_csp(page, console: list[str]) -> list[str]:
    """Les violations de CSP de la page affichée : événements du document et console."""
    evenements = page.evaluate("() => window.__violationsCsp || []")
    messages = [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    return list(evenements) + messages


def remplir(champ, valeur: str) -> None:
    """Saisit `valeur` dans un champ comme le ferait une personne : case cochée (valeur non
    vide) ou décochée, bouton radio de cette valeur choisi (vide : aucun choix), option choisie
    dans une liste, aucun fichier choisi, texte tapé ailleurs."""
    genre = champ.evaluate("e => e.type")
    if genre == "checkbox":
        champ.set_checked(bool(valeur))
    elif genre == "radio":
        if valeur:
            champ.locator(f"xpath=ancestor::form//input[@type='radio'][@value='{valeur}']").first.check()
    elif genre.startswith("select"):
        champ.select_option(valeur)
    elif genre == "file":
        # Seul envoi refusé qu'une personne fait à coup sûr : aucun fichier choisi.
        champ.set_input_files([])
    else:
        champ.fill(valeur)


def afficher(page, visite):
    """Affiche la page de la visite ; avec `visite.donnees`, envoie son formulaire (réaffiché)."""
    reponse = page.goto(visite.url)
    assert reponse is not None and reponse.status == visite.statut, (
        f"{visite.id} : {visite.url} → {reponse and reponse.status}"
    )
    if visite.donnees is not None:
        # Le formulaire qui porte les champs à remplir (une page en a parfois plusieurs).
        premier = next(iter(visite.donnees))
        formulaire = page.locator("main form", has=page.locator(f"[name='{premier}']")).first
        for nom, valeur in visite.donnees.items():
            remplir(formulaire.locator(f"[name='{nom}']").first, valeur)
        with page.expect_navigation():
            formulaire.locator("[type=submit]").first.click()
    return page
