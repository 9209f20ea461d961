"""Données de démonstration des familles : la famille DUPONT du guide et un agent du CCAS."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from commun.permissions import NOM_GROUPE_CCAS
from familles.models import Famille, Responsable, Utilisateur

IDENTIFIANT_DUPONT = "jean.dupont"
MOT_DE_PASSE_DUPONT = "Bonbons2015"
IDENTIFIANT_DUPONT_CONJOINT = "jeanne.dupont"
MOT_DE_PASSE_DUPONT_CONJOINT = "Caramels2015"
IDENTIFIANT_MARTIN = "sophie.martin"
MOT_DE_PASSE_TEMPORAIRE_MARTIN = "Temporaire2026"
IDENTIFIANT_AGENT = "agent.ccas"
MOT_DE_PASSE_AGENT = "AgentCcas2026"
NUMERO_DUPONT = "1001001818331"
NUMERO_MARTIN = "1001001818332"


@transaction.atomic
def creer() -> list[tuple[str, str, str]]:
    """Crée (ou remet à l'état initial) les comptes de démonstration ; renvoie les identifiants."""
    dupont, _ = Famille.objects.update_or_create(
        numero=NUMERO_DUPONT,
        defaults={
            "organisme_rattachement": "0",
            "regime": Famille.Regime.CAF,
            "numero_allocataire": "1234567",
            "quotient_familial": 850,
            "titulaire_compte": "DUPONT JEAN",
        },
    )
    jean, _ = Responsable.objects.update_or_create(
        famille=dupont,
        role=Responsable.Role.PRINCIPAL,
        defaults={
            "civilite": Responsable.Civilite.MONSIEUR,
            "nom": "DUPONT",
            "prenom": "JEAN",
            "qualite": Responsable.Qualite.PERE,
            "situation": Responsable.Situation.SEPARE,
            "adresse": "12 RUE DES BONBONS",
            "code_postal": "31400",
            "ville": "SAINT - JEAN",
            "telephone_domicile": "01 02 03 04 05",
            "email": "jean.dupont@wanadoo.fr",
            "autorisation_courriel": True,
            "autorisation_sms": False,
        },
    )
    jeanne, _ = Responsable.objects.update_or_create(
        famille=dupont,
        role=Responsable.Role.CONJOINT,
        defaults={
            "civilite": Responsable.Civilite.MADAME,
            "nom": "DUPONT",
            "prenom": "JEANNE",
            "qualite": Responsable.Qualite.MERE,
            "adresse": "Lotissement les bons bonbons.",
            "code_postal": "31400",
            "ville": "SAINT - JEAN",
            "autorisation_courriel": True,
            "autorisation_sms": False,
        },
    )
    martin, _ = Famille.objects.update_or_create(numero=NUMERO_MARTIN, defaults={})
    sophie, _ = Responsable.objects.update_or_create(
        famille=martin,
        role=Responsable.Role.PRINCIPAL,
        defaults={
            "civilite": Responsable.Civilite.MADAME,
            "nom": "MARTIN",
            "prenom": "SOPHIE",
            "qualite": Responsable.Qualite.MERE,
            "situation": Responsable.Situation.MARIE,
            "adresse": "3 RUE DU MOULIN",
            "code_postal": "28300",
            "ville": "LÈVES",
            "telephone_mobile": "06 12 34 56 78",
            "email": "sophie.martin@example.fr",
        },
    )

    def compte(identifiant, mot_de_passe, **champs):
        utilisateur, _ = Utilisateur.objects.update_or_create(username=identifiant, defaults=champs)
        utilisateur.set_password(mot_de_passe)
        utilisateur.save()
        return utilisateur

    compte(
        IDENTIFIANT_DUPONT,
        MOT_DE_PASSE_DUPONT,
        famille=dupont,
        responsable=jean,
        first_name="JEAN",
        last_name="DUPONT",
        email="jean.dupont@wanadoo.fr",
        doit_changer_mot_de_passe=False,
    )
    # Les parents sont séparés : la mère a son propre compte sur le même dossier (issue 22).
    compte(
        IDENTIFIANT_DUPONT_CONJOINT,
        MOT_DE_PASSE_DUPONT_CONJOINT,
        famille=dupont,
        responsable=jeanne,
        first_name="JEANNE",
        last_name="DUPONT",
        email="jeanne.dupont@example.fr",
        doit_changer_mot_de_passe=False,
    )
    compte(
        IDENTIFIANT_MARTIN,
        MOT_DE_PASSE_TEMPORAIRE_MARTIN,
        famille=martin,
        responsable=sophie,
        first_name="SOPHIE",
        last_name="MARTIN",
        email="sophie.martin@example.fr",
        doit_changer_mot_de_passe=True,
    )
    agent = compte(
        IDENTIFIANT_AGENT,
        MOT_DE_PASSE_AGENT,
        famille=None,
        first_name="Camille",
        last_name="AGENT",
        email="agent@leves.fr",
        is_staff=True,
        doit_changer_mot_de_passe=False,
    )
    agent.groups.add(Group.objects.get(name=NOM_GROUPE_CCAS))
    # L'agent de démonstration tient aussi l'accueil : il agit pour une famille (mode guichet).
    agent.user_permissions.add(
        Permission.objects.get(content_type__app_label="familles", codename="agir_pour_famille")
    )
    return [
        ("Parent (famille DUPONT, N° 1001001818331)", IDENTIFIANT_DUPONT, MOT_DE_PASSE_DUPONT),
        (
            "Second parent, séparé (JEANNE DUPONT, même famille)",
            IDENTIFIANT_DUPONT_CONJOINT,
            MOT_DE_PASSE_DUPONT_CONJOINT,
        ),
        (
            "Parent avec mot de passe temporaire (famille MARTIN)",
            IDENTIFIANT_MARTIN,
            MOT_DE_PASSE_TEMPORAIRE_MARTIN,
        ),
        ("Agent du CCAS (administration : /admin/)", IDENTIFIANT_AGENT, MOT_DE_PASSE_AGENT),
    ]
