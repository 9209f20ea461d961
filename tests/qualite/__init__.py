"""Les contrôles de qualité communs à toutes les pages du portail.

Ils parcourent l'inventaire (`tests/inventaire/`) et les pages publiques (`pages_publiques.py`) :
une page ajoutée à l'inventaire est contrôlée sans autre code.

- `visites.py` : comment atteindre chaque page (données préparées, URL, utilisateur connecté) ;
- `jeux.py` : les jeux de données (fabriques, démonstration, « beaucoup de lignes ») ;
- `axe.py` : accessibilité avec axe-core (règles WCAG 2.2 A et AA) dans Chromium ;
- `mise_en_page.py` (+ `mise_en_page.js`) : largeur, pied de page, textes écrasés, tableaux ;
- `administration.py` : les pages principales de l'administration ;
- `vnu.py` : HTML valide avec le Nu Html Checker (une seule JVM pour toute la session) ;
- `isolement.py` : une autre famille reçoit 404 sur les URL à identifiant d'objet ;
- `entetes.py` : en-têtes de sécurité de chaque réponse.
"""
