"""En-têtes de sécurité que chaque réponse du portail doit porter."""


def directives_csp(valeur: str) -> dict[str, list[str]]:
    directives = {}
    for morceau in valeur.split(";"):
        mots = morceau.split()
        if mots:
            directives[mots[0].lower()] = mots[1:]
    return directives


def defauts_entetes(response, *, connecte: bool) -> list[str]:
    """Ce qui manque dans les en-têtes de la réponse (liste vide : tout y est)."""
    defauts = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        defauts.append("pas d'en-tête Content-Security-Policy")
        directives = {}
    else:
        directives = directives_csp(csp)
        scripts = directives.get("script-src", directives.get("default-src"))
        if scripts is None:
            defauts.append("CSP sans script-src ni default-src")
        elif "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts:
            defauts.append(f"CSP script-src trop permissive : {' '.join(scripts)}")
        if "'unsafe-inline'" in directives.get("style-src", []):
            defauts.append("CSP style-src autorise 'unsafe-inline'")
    if (
        directives.get("frame-ancestors") != ["'none'"]
        and response.headers.get("X-Frame-Options", "").upper() != "DENY"
    ):
        defauts.append("ni frame-ancestors 'none' ni X-Frame-Options DENY")
    if response.headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        defauts.append("pas de X-Content-Type-Options: nosniff")
    if not response.headers.get("Referrer-Policy"):
        defauts.append("pas de Referrer-Policy")
    if connecte and "no-store" not in response.headers.get("Cache-Control", ""):
        defauts.append(
            "page personnelle sans Cache-Control: no-store "
            f"(reçu : {response.headers.get('Cache-Control')!r})"
        )
    return defauts
