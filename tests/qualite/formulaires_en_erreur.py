"""Chaque formulaire du portail envoyé avec des erreurs : des données refusées par page.

Des saisies qu'une personne peut faire dans le navigateur (pas d'option absente d'une liste,
pas de texte dans un champ numérique) : les contrôles dans Chromium les tapent telles quelles.

Les contrôles de qualité (HTML valide, axe, en-têtes) visitent aussi ces pages réaffichées
avec leurs erreurs, et `tests/test_portail_formulaires.py` y vérifie le résumé des erreurs.
Une page de l'inventaire qui porte un formulaire à remplir doit figurer ici (contrôlé).
"""

TROP_LONG = "x" * 6000

FORMULAIRES_EN_ERREUR: dict[str, dict] = {
    # Mon compte
    "demandes:compte_responsable": {
        "nom": "",
        "prenom": "",
        "code_postal": "123",
        "email": "pas-un-courriel",
    },
    "demandes:compte_conjoint": {"nom": "", "telephone_mobile": "12"},
    "demandes:compte_fiscales": {"annee_fiscale": "25", "nombre_parts": "123.456"},
    "demandes:compte_caf": {"numero_allocataire": "ABC"},
    "demandes:compte_bancaires": {"iban": "FR00 1234", "prelevement_automatique": "on"},
    # Mes enfants
    "demandes:nouvel_enfant": {"nom": "", "date_naissance": "2999-01-01"},
    "demandes:enfant_informations": {"nom": "", "prenom": "LÉA", "date_naissance": "2999-01-01"},
    "demandes:enfant_personne_ajout": {"nom": "", "telephone": "12"},
    "demandes:enfant_personne_retrait": {"personne": ""},
    "demandes:enfant_lunettes": {"port_lunettes": "on", "lunettes_precisions": TROP_LONG},
    "demandes:enfant_sanitaire": {"pai": "on", "pai_protocole": ""},
    "demandes:enfant_vaccination": {"vaccin": "", "date": "2999-01-01"},
    # Planning
    "enfants:reservation_demander": {"date": ""},
    "enfants:periode_reserver": {"date_debut": "2015-04-30", "date_fin": "2015-04-01"},
    "enfants:absence_declarer": {"date": "", "motif": ""},
    # Dossier annuel : une pièce envoyée sans fichier, un règlement sans la case cochée
    "familles:piece_deposer": {"fichiers": ""},
    "enfants:piece_deposer": {"fichiers": ""},
    "familles:consentement": {"reponse": ""},
    # Dossier de campagne : « Je certifie… » sans la case cochée
    "demandes:campagne": {"certifie": ""},
    # Inscrire à une activité : aucune activité choisie, période à l'envers
    "enfants:inscrire": {"offre": "", "date_debut": "2027-09-01", "date_fin": "2027-08-01"},
    # Place proposée (liste d'attente) : ni « j'accepte » ni « je refuse »
    "enfants:proposition": {"reponse": ""},
    # Boîte de réception
    "messagerie:nouveau": {"objet": "", "texte": TROP_LONG},
    "messagerie:fil": {"texte": ""},
}

# Formulaires qu'aucune saisie ne peut rendre invalides (cases à cocher facultatives seulement).
# Le planning : les jours à cocher de la vue téléphone (n'en cocher aucun n'envoie rien, la page
# le dit ; les jours refusés par les règles sont dits un par un, comme « Réserver une période »).
FORMULAIRES_SANS_ERREUR_POSSIBLE = {
    "demandes:enfant_autorisations",
    "enfants:planning",
    # Mes notifications : des cases à cocher, toutes facultatives.
    "familles:notifications",
}
