"""Mise en page : regarder chaque page comme une personne, dans Chromium, à plusieurs largeurs.

axe-core, le Nu Html Checker et Lighthouse passent sur une page dont les valeurs tiennent dans une
colonne d'une lettre ou passent sous le pied de page ; ces contrôles-là mesurent les boîtes :

- `largeur` : la page n'est jamais plus large que la fenêtre (`scrollWidth <= innerWidth`) ;
- `pied` : rien de `<main>` ne finit sous le haut du pied de page ;
- `ecrase` : aucun texte de 4 caractères ou plus dans une boîte de moins de 24 px de large et de
  plus de 3 lignes de haut ;
- `tableau` : jusqu'à 400 px, aucun tableau ne défile de côté (ni lui, ni un conteneur) — sauf la
  grille du planning dans sa vue de bureau, qui a sa propre vue pour téléphone.

Tous les contrôles d'une largeur tiennent en un seul appel JavaScript (`mise_en_page.js`).
"""

from pathlib import Path

LARGEURS = (360, 768, 1024, 1280, 1920)
HAUTEUR = 800
LARGEUR_TELEPHONE = 400
LARGEUR_MIN_TEXTE = 24
# Seule exception à « aucun tableau ne défile de côté » : la grille du mois du planning (vue de
# bureau ; le téléphone a sa propre vue du planning).
TABLEAUX_DEFILANTS = ("table#agenda",)
# Le pied de page du portail, et celui de l'administration de Django.
PIED = "body > footer, #footer"
CONTROLES = ("largeur", "pied", "ecrase", "tableau")

_JS = (Path(__file__).with_name("mise_en_page.js")).read_text(encoding="utf-8")


def defauts(page, *, exemptes=TABLEAUX_DEFILANTS) -> list[dict]:
    """Les défauts de la page affichée, à la largeur actuelle : [{controle, message}]."""
    return page.evaluate(
        _JS,
        {
            "exemptes": list(exemptes),
            "largeurMin": LARGEUR_MIN_TEXTE,
            "largeurTelephone": LARGEUR_TELEPHONE,
            "pied": PIED,
        },
    )


def defauts_aux_largeurs(page, largeurs=LARGEURS, **options) -> list[str]:
    """Les défauts de la page à chaque largeur (la fenêtre est redimensionnée, pas rechargée)."""
    messages = []
    for largeur in largeurs:
        page.set_viewport_size({"width": largeur, "height": HAUTEUR})
        messages += [f"à {largeur} px [{d['controle']}] {d['message']}" for d in defauts(page, **options)]
    return messages
