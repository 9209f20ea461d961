"""Accessibilité : axe-core (npm `axe-core`, installé par `npm ci`) dans Chromium.

La CSP du portail interdit les scripts injectés : le contexte Playwright qui lance axe est créé
avec `bypass_csp=True` (la CSP elle-même est contrôlée dans un autre contexte, sans contournement).
"""

from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]
AXE_JS = RACINE / "node_modules" / "axe-core" / "axe.min.js"
# wcag22aa : taille des cibles (target-size, 24 × 24 px), entre autres.
REGLES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LARGEURS = (360, 1280)
HAUTEUR = 800
# axe-core classe certains défauts « à vérifier » (incomplete) et non en violation : un id en
# double référencé par aria-labelledby/aria-describedby en fait partie depuis la 4.x. Ceux-ci
# bloquent aussi. (Un id en double non référencé relève du Nu Html Checker : WCAG 4.1.1 est
# obsolète et axe ne le signale plus.)
INCOMPLETS_BLOQUANTS = {"duplicate-id-aria"}


def violations(page) -> list[dict]:
    """Les violations axe-core (WCAG 2.2 A et AA) de la page affichée."""
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} est absent : lancez `npm ci` (make install).")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    resultat = page.evaluate(
        "async (regles) => await axe.run(document, "
        "{runOnly: {type: 'tag', values: regles}, resultTypes: ['violations', 'incomplete']})",
        REGLES,
    )
    incomplets = [v for v in resultat["incomplete"] if v["id"] in INCOMPLETS_BLOQUANTS]
    return resultat["violations"] + incomplets


def formater_violations(violations_: list[dict]) -> str:
    sortie = []
    for v in violations_:
        cibles = ", ".join(
            " ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
            for n in v["nodes"][:5]
        )
        sortie.append(f"  [{v['id']}] {v['help']} ({v.get('impact')}) — {cibles}")
    return "\n".join(sortie)
