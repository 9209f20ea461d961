"""Le noyau commun : ce dont toutes les applications se servent, sans dépendre d'aucune.

Droits (groupe CCAS), décorateurs des vues, journal d'audit et journal de sécurité, requêtes SQL
écrites à la main, formats français (montants, tailles, pluriels), aides de l'administration,
fichiers privés (contrôle du contenu, téléchargement), limites d'envoi. `commun` n'importe
aucune application du domaine ni le projet `portail` : le contrat d'import (`pyproject.toml`,
section `importlinter`) le vérifie dans la suite de tests.
"""
