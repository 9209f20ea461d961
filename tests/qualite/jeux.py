"""Jeux de données des contrôles de mise en page et des captures d'écran (`scripts/captures.py`).

Chaque jeu crée une famille et renvoie le parent connecté ; la page à contrôler prépare ensuite ce
dont elle a besoin pour cette famille (`PagePortail.preparer`), puis le jeu la complète :

- `INVENTAIRE` : une famille neuve des fabriques, rien de plus (accessibilité, HTML, CSP) ;
- `DEMO` : les données de démonstration (`manage.py demo`), la famille DUPONT du guide ;
- `VOLUME` : « beaucoup de lignes » — noms, adresses et courriels longs, 20 factures (dont des
  impayées en retard), des demandes refusées aux motifs longs, 20 fils de messages, plusieurs
  enfants inscrits à des activités aux noms longs ; chaque page y ajoute `VOLUME_LIGNES` lignes de
  ce qu'elle liste (`PagePortail.volume`), puis `allonger()` allonge les noms de ce que la page a
  préparé. C'est là qu'une colonne trop étroite ou un tableau trop large se voient.
"""

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field

VOLUME_LIGNES = 20
NOM = "DE LA ROCHEFOUCAULD-MONTMORENCY"
PRENOM = "MARIE-CHRISTINE-ALEXANDRA"
CONJOINT = "JEAN-BAPTISTE-EMMANUEL"
COURRIEL = "marie-christine-alexandra.delarochefoucauld-montmorency@fournisseur-internet-regional.fr"
ADRESSE = (
    "Résidence Les Jardins de la Vallée de l'Eure, bâtiment B, escalier 3, appartement 127, "
    "1234 avenue du Maréchal de Lattre de Tassigny"
)
VILLE = "SAINT-GERMAIN-DE-LA-COUDRE-SUR-HUISNE"
EMPLOYEUR = "Communauté d'agglomération Chartres Métropole — direction de l'éducation et des loisirs"
STRUCTURE = "Accueil de loisirs sans hébergement du Bourg et des Hameaux"
ACTIVITE = "Accueil de loisirs des vacances d'été, journée complète avec repas et goûter"
REGIE = "Régie de recettes de la restauration scolaire et des accueils périscolaires"
MOTIF = (
    "Votre avis d'imposition 2025 sur les revenus 2024 est illisible sur la page 2 : merci de "
    "déposer une copie lisible de toutes les pages à l'accueil du CCAS, place de l'Hôtel de Ville, "
    "ou de la joindre à un message, avant la fin du mois pour que le quotient soit recalculé."
)
OBJET = (
    "Question sur la facturation des journées de vacances d'été réservées puis annulées pour "
    "cause de maladie (certificat médical joint)"
)
PRENOMS_ENFANTS = ("ANNE-SOPHIE-CHARLOTTE", "PIERRE-ALEXANDRE-MAXIMILIEN", "LOUISE-MARGUERITE")


def _rien(*args) -> None:
    return None


@dataclass(frozen=True)
class Jeu:
    """Un jeu de données : `parent()` crée la famille, `completer(page, parent)` la complète."""

    nom: str
    parent: Callable
    # Après la préparation propre à la page (page : PagePortail, ou None pour une page publique).
    completer: Callable = field(default=_rien)


def parent_inventaire():
    from tests.factories import famille_avec_parent

    return famille_avec_parent()


def parent_demo():
    """Les données de `manage.py demo` ; renvoie le parent de la famille DUPONT."""
    from django.core.management import call_command

    from familles.demo import IDENTIFIANT_DUPONT
    from familles.models import Utilisateur

    call_command("demo", force=True, stdout=io.StringIO())
    return Utilisateur.objects.get(username=IDENTIFIANT_DUPONT)


def parent_volume(identifiant: str | None = None, mot_de_passe: str | None = None):
    """Une famille aux textes longs et aux listes pleines ; renvoie son parent."""
    from demandes import services as demandes_services
    from familles.models import Responsable
    from tests.factories import (
        ActiviteFactory,
        FactureFactory,
        InscriptionFactory,
        PersonneAutoriseeFactory,
        RegieFactory,
        ResponsableFactory,
        StructureFactory,
        agent_ccas,
        demande_creer,
        famille_avec_parent,
        fil_avec_messages,
    )

    parent = famille_avec_parent(
        nom=NOM,
        prenom=PRENOM,
        civilite=Responsable.Civilite.MADAME,
        adresse=ADRESSE,
        ville=VILLE,
        email=COURRIEL,
        employeur=EMPLOYEUR,
        adresse_employeur=ADRESSE,
        profession="Responsable administrative et financière",
        telephone_mobile="06 12 34 56 78",
        famille__titulaire_compte=f"{NOM} {PRENOM}",
        famille__banque=REGIE,
        famille__numero_allocataire="12345678901234567890",
        famille__quotient_familial=1234,
    )
    if identifiant:
        parent.username = identifiant
        parent.set_password(mot_de_passe)
        parent.save()
    famille = parent.famille
    ResponsableFactory(
        famille=famille,
        role=Responsable.Role.CONJOINT,
        nom=NOM,
        prenom=CONJOINT,
        civilite=Responsable.Civilite.MONSIEUR,
        adresse=ADRESSE,
        ville=VILLE,
        email=COURRIEL.replace("marie", "jean"),
        employeur=EMPLOYEUR,
    )

    structure = StructureFactory(nom=STRUCTURE)
    for i, prenom in enumerate(PRENOMS_ENFANTS):
        inscription = InscriptionFactory(
            enfant__famille=famille,
            enfant__prenom=prenom,
            enfant__nom=NOM,
            activite=ActiviteFactory(structure=structure, nom=f"{ACTIVITE} ({i + 1})"),
        )
        PersonneAutoriseeFactory(
            enfant=inscription.enfant, nom=NOM, prenom=CONJOINT, lien="Grand-mère maternelle"
        )

    # 20 factures : les plus anciennes en retard, des montants à quatre chiffres.
    regie = RegieFactory(code="RS", nom=REGIE)
    aujourdhui = datetime.date.today()
    for i in range(VOLUME_LIGNES):
        date = aujourdhui - datetime.timedelta(days=15 * (VOLUME_LIGNES - i))
        FactureFactory(
            famille=famille,
            regie=regie,
            numero=f"RS-2026-{100000 + i}",
            date_facture=date,
            quantite=100 + 37 * i,
        )

    agent = agent_ccas()
    for i in range(3):
        demande = demande_creer(parent, "caf", {"quotient_familial": str(900 + i)})
        demandes_services.demande_refuser(demande=demande, agent=agent, motif=MOTIF)
    demande = demande_creer(
        parent,
        "fiscales",
        {"revenu_fiscal_reference": "123456", "nombre_parts": "3.5", "annee_fiscale": "2024"},
    )
    demandes_services.demande_accepter(demande=demande, agent=agent)
    demande_creer(parent, "responsable", {"adresse": ADRESSE.replace("127", "128")})

    for _ in range(VOLUME_LIGNES):
        fil_avec_messages(famille=famille, objet=OBJET)
    return parent


def allonger(famille) -> None:
    """Allonge les noms de ce que la page a préparé pour la famille (fabriques : noms courts)."""
    from django.db.models import Q

    from demandes.models import Demande
    from enfants.models import Activite, Enfant, PersonneAutorisee, Structure
    from messagerie.models import Fil

    Enfant.objects.filter(famille=famille).exclude(prenom__in=PRENOMS_ENFANTS).update(
        prenom=PRENOMS_ENFANTS[0], nom=NOM, ecole="École élémentaire et maternelle Jean de La Fontaine"
    )
    PersonneAutorisee.objects.filter(enfant__famille=famille).update(nom=NOM, prenom=CONJOINT)
    Fil.objects.filter(famille=famille).update(objet=OBJET)
    Demande.objects.filter(famille=famille, statut=Demande.Statut.REFUSEE).update(motif=MOTIF)
    inscrites = Q(inscriptions__enfant__famille=famille)
    for activite in Activite.objects.filter(inscrites).exclude(nom__startswith=ACTIVITE).distinct():
        Activite.objects.filter(pk=activite.pk).update(nom=f"{ACTIVITE} [{activite.pk}]")
    for structure in (
        Structure.objects.filter(activites__in=Activite.objects.filter(inscrites))
        .exclude(nom__startswith=STRUCTURE)
        .distinct()
    ):
        Structure.objects.filter(pk=structure.pk).update(nom=f"{STRUCTURE} [{structure.pk}]")


def completer_volume(page, parent) -> None:
    if page is not None and page.volume is not None:
        page.volume(parent, VOLUME_LIGNES)
    allonger(parent.famille)


INVENTAIRE = Jeu("inventaire", parent_inventaire)
DEMO = Jeu("demo", parent_demo)
VOLUME = Jeu("volume", parent_volume, completer_volume)
JEUX = {jeu.nom: jeu for jeu in (DEMO, VOLUME)}


def completer_administration(famille_a, famille_b) -> None:
    """Au moins deux lignes, de deux familles, aux listes de l'administration que la démonstration
    laisse presque vides (tests/test_admin_requetes.py, tests/test_admin_inventaire.py)."""
    import datetime

    from django.utils import timezone

    from enfants.models import Campagne, Inscription
    from facturation.models import EvenementPaiement, Facture, Mandat, PaiementEnLigne
    from messagerie.models import AttestationEnvoyee, Diffusion
    from tests import factories as f

    aujourd_hui = timezone.localdate()
    for famille in (famille_a, famille_b):
        inscription = Inscription.objects.filter(enfant__famille=famille).first() or f.InscriptionFactory(
            enfant=f.EnfantFactory(famille=famille)
        )
        for jours in (1, 2):
            f.AbsenceFactory(inscription=inscription, date=aujourd_hui + datetime.timedelta(days=jours + 20))
            f.PresenceFactory(inscription=inscription, date=aujourd_hui - datetime.timedelta(days=jours + 40))
        facture = Facture.objects.filter(famille=famille).first() or f.FactureFactory(famille=famille)
        f.PaiementEnLigneFactory(
            facture=facture, famille=famille, tentative=PaiementEnLigne.objects.count() + 1
        )
        AttestationEnvoyee.objects.create(famille=famille, annee=2020, montant="12.50")
        Mandat.objects.create(
            famille=famille,
            rum=f"PF-{famille.numero}-099",  # la démonstration a déjà le -001 de MARTIN
            ics="FR72ZZZ123456",
            titulaire="JEAN DUPONT",
            iban="FR7630006000011234567890189",
            date_signature=aujourd_hui,
        )
        campagne = Campagne.objects.first() or f.CampagneFactory()
        campagne.dossiers.get_or_create(famille=famille)
    from facturation.models import PeriodeClose, Regie

    agent = f.UtilisateurFactory(username="agent-export", famille=None, is_staff=True)
    for n in (1, 2):
        PeriodeClose.objects.create(
            regie=Regie.objects.first(),
            du=datetime.date(2020, n, 1),
            au=datetime.date(2020, n, 28),
            close_par=agent,
            fichier="",
        )
        f.FermetureFactory(date_debut=datetime.date(2030, 1, n), date_fin=datetime.date(2030, 1, n))
        f.RegieFactory(code=f"R{n}")
        f.DocumentFactory()
        f.InformationFactory()
        EvenementPaiement.objects.create(
            evenement_id=f"evt_{n}", type="checkout.session.completed", payload="{}"
        )
        Diffusion.objects.create(structure=f.StructureFactory(), objet=f"Sortie {n}", texte="Sortie au parc.")
        # Issue 21 : les fermetures exceptionnelles et les notifications (courriel, SMS) envoyées.
        f.FermetureFactory(
            date_debut=datetime.date(2031, 1, n), date_fin=datetime.date(2031, 1, n), exceptionnelle=True
        )
    from messagerie.models import Notification

    for famille, canal in ((famille_a, "courriel"), (famille_b, "sms")):
        Notification.objects.create(famille=famille, canal=canal, type="fermeture", statut="envoyee")
