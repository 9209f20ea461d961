"""Génère un volume réaliste pour les mesures (pas des données de démonstration).

Par défaut : 10 000 familles, 20 000 enfants, deux années scolaires d'inscriptions, de
réservations et de présences, 240 000 factures avec leurs lignes et leurs règlements,
100 000 messages, 50 000 demandes ; plus une « famille lourde » qui sert aux mesures page par
page (identifiant `famille.lourde`, mot de passe `Volume2026Ok`) : 5 enfants inscrits chacun à 3
à 6 activités (garderie matin et soir, restauration, études, mercredi, vacances) sur 4 années
scolaires, un jour réservé (contrat régulier ou réservation) chaque jour d'ouverture, pointages
de tous les jours passés, quelques absences, 48 factures, ses propres fils de messages (dont des
non lus) et ses propres demandes (docs/performance.md).
Insertion par lots (`bulk_create`) : quelques minutes sur PostgreSQL.

    python manage.py generer_volume [--familles 10000] [--graine 1]
"""

import datetime
import random
from decimal import Decimal
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from demandes.models import Demande
from enfants import calendrier
from enfants.models import Absence, Activite, Enfant, Inscription, Presence, Reservation, Structure
from facturation.models import Affectation, Facture, LigneFacture, Regie, Reglement
from familles.models import Famille, Responsable, Utilisateur
from messagerie.models import Fil, Message

LOT = 5000
IDENTIFIANT_LOURDE = "famille.lourde"
MOT_DE_PASSE_LOURDE = "Volume2026Ok"
PRENOMS = ["LÉA", "TOM", "EMMA", "LOUIS", "JADE", "HUGO", "LINA", "NOAH", "ROSE", "ADAM"]
NOMS = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "PETIT", "DURAND", "LEROY", "MOREAU"]


def par_lots(iterable, taille=LOT):
    iterateur = iter(iterable)
    while lot := list(islice(iterateur, taille)):
        yield lot


def inserer(modele, objets) -> list:
    cree = []
    for lot in par_lots(objets):
        cree.extend(modele.objects.bulk_create(lot, batch_size=LOT))
    return cree


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--familles", type=int, default=10_000)
        parser.add_argument("--graine", type=int, default=1)

    def handle(self, *args, familles=10_000, graine=1, **options):
        # Hasard reproductible de données de mesure, sans rôle de sécurité.
        self.hasard = random.Random(graine)  # nosec B311
        self.aujourdhui = timezone.localdate()
        annee = self.aujourdhui.year if self.aujourdhui.month >= 9 else self.aujourdhui.year - 1
        self.rentree = datetime.date(annee, 9, 1)
        self.mot_de_passe = make_password(MOT_DE_PASSE_LOURDE)
        with transaction.atomic():
            self._referentiel()
            liste = self._familles(familles)
            lourde = self._famille_lourde()
            enfants = self._enfants(liste, par_famille=2)
            self._planning(enfants, annees=2)
            enfants_lourds = self._enfants([lourde], par_famille=5)
            self._planning_lourd(enfants_lourds, annees=4)
            self._facturation(liste, par_famille=24)
            self._facturation([lourde], par_famille=48)
            # 10 messages et 5 demandes par famille : 100 000 et 50 000 pour 10 000 familles.
            self._messagerie(liste, messages=10 * familles)
            self._demandes(liste, demandes=5 * familles)
            # La famille lourde a les siens : 30 fils de 4 messages, 25 demandes.
            self._messagerie([lourde], messages=120)
            self._demandes([lourde], demandes=25)
        self.stdout.write(
            self.style.SUCCESS(
                f"Volume généré : {Famille.objects.count()} familles, {Enfant.objects.count()} "
                f"enfants, {Inscription.objects.count()} inscriptions, "
                f"{Reservation.objects.count()} réservations, {Presence.objects.count()} présences, "
                f"{Facture.objects.count()} factures, {LigneFacture.objects.count()} lignes, "
                f"{Reglement.objects.count()} règlements, {Message.objects.count()} messages, "
                f"{Demande.objects.count()} demandes. Famille lourde : « {IDENTIFIANT_LOURDE} » / "
                f"« {MOT_DE_PASSE_LOURDE} », enfants {', '.join(str(e.pk) for e in enfants_lourds)} "
                f"({self.cases_lourdes} jours réservés, {self.pointages_lourds} pointages)."
            )
        )

    def _referentiel(self):
        self.regie, _ = Regie.objects.get_or_create(code="VO", defaults={"nom": "Régie volume (mesures)"})
        self.structure, _ = Structure.objects.get_or_create(
            nom="Accueil de loisirs (volume)", defaults={"type": Structure.Type.ALSH}
        )
        self.activites = [
            Activite.objects.get_or_create(structure=self.structure, nom=nom)[0]
            for nom in ("Volume mercredi", "Volume garderie matin", "Volume restauration")
        ]
        # Les activités de la famille lourde, avec de vrais jours d'ouverture : (nom, jours
        # d'ouverture, période). Les trois premières sont celles des autres familles.
        periodes = Activite.Periode
        self.activites_lourdes = [
            Activite.objects.update_or_create(
                structure=self.structure,
                nom=nom,
                defaults={"jours_ouverture": jours, "periode": periode},
            )[0]
            for nom, jours, periode in (
                ("Volume garderie matin", "0134", periodes.SCOLAIRE),
                ("Volume restauration", "0134", periodes.SCOLAIRE),
                ("Volume garderie soir", "0134", periodes.SCOLAIRE),
                ("Volume mercredi", "2", periodes.SCOLAIRE),
                ("Volume études surveillées", "013", periodes.SCOLAIRE),
                ("Volume vacances", "01234", periodes.VACANCES),
            )
        ]

    def _familles(self, nombre):
        depart = Famille.objects.count()
        familles = inserer(
            Famille, (Famille(numero=f"{9000000000000 + depart + i:013d}") for i in range(nombre))
        )
        inserer(
            Responsable,
            (
                Responsable(
                    famille=f,
                    role=Responsable.Role.PRINCIPAL,
                    civilite=Responsable.Civilite.MADAME,
                    nom=self.hasard.choice(NOMS),
                    prenom=self.hasard.choice(PRENOMS),
                    adresse=f"{i} rue du Volume",
                    code_postal="28300",
                    ville="LÈVES",
                    email=f"volume{f.numero}@example.fr",
                )
                for i, f in enumerate(familles)
            ),
        )
        return familles

    def _famille_lourde(self):
        Utilisateur.objects.filter(username=IDENTIFIANT_LOURDE).delete()
        famille = Famille.objects.create(numero=f"{8000000000000 + Famille.objects.count():013d}")
        Responsable.objects.create(
            famille=famille,
            role=Responsable.Role.PRINCIPAL,
            nom="LOURDE",
            prenom="FAMILLE",
            email="lourde@example.fr",
            civilite=Responsable.Civilite.MONSIEUR,
        )
        Responsable.objects.create(
            famille=famille, role=Responsable.Role.CONJOINT, nom="LOURDE", prenom="CONJOINTE"
        )
        Utilisateur.objects.create(
            username=IDENTIFIANT_LOURDE,
            password=self.mot_de_passe,
            famille=famille,
            first_name="FAMILLE",
            last_name="LOURDE",
            email="lourde@example.fr",
        )
        return famille

    def _enfants(self, familles, *, par_famille):
        return inserer(
            Enfant,
            (
                Enfant(
                    famille=f,
                    nom="VOLUME",
                    prenom=self.hasard.choice(PRENOMS),
                    date_naissance=datetime.date(
                        2014 + self.hasard.randrange(10), 1 + self.hasard.randrange(12), 1
                    ),
                )
                for f in familles
                for _ in range(par_famille)
            ),
        )

    def _planning(self, enfants, *, annees):
        inscriptions = []
        for enfant in enfants:
            for decalage in range(annees):
                debut = self.rentree.replace(year=self.rentree.year - decalage)
                for activite in self.hasard.sample(self.activites, 2):
                    inscriptions.append(
                        Inscription(
                            enfant=enfant,
                            activite=activite,
                            date_debut=debut,
                            date_fin=debut.replace(year=debut.year + 1, month=7, day=5),
                            jours_reguliers="2",
                        )
                    )
        inscriptions = inserer(Inscription, inscriptions)

        def jours(inscription):
            # 8 mercredis de l'année scolaire de l'inscription
            premier = inscription.date_debut + datetime.timedelta(
                days=(2 - inscription.date_debut.weekday()) % 7
            )
            return [premier + datetime.timedelta(weeks=4 * k) for k in range(8)]

        inserer(
            Reservation,
            (Reservation(inscription=i, date=j, etat="acceptee") for i in inscriptions for j in jours(i)),
        )
        inserer(
            Presence,
            (
                Presence(inscription=i, date=j, present=True)
                for i in inscriptions
                for j in jours(i)
                if j < self.aujourdhui
            ),
        )

    def _jours_ouverts(self, activite, debut, fin) -> list[datetime.date]:
        """Les jours où l'activité accueille entre deux dates : ses jours de la semaine, hors
        fériés, dans ou hors des vacances scolaires selon sa période."""
        vacances = calendrier.vacances(debut, fin)
        feries = calendrier.feries(debut, fin)
        jours = []
        jour = debut
        while jour <= fin:
            en_vacances = jour in vacances
            if (
                str(jour.weekday()) in activite.jours_ouverture
                and jour not in feries
                and (
                    activite.periode == Activite.Periode.TOUTES
                    or en_vacances == (activite.periode == Activite.Periode.VACANCES)
                )
            ):
                jours.append(jour)
            jour += datetime.timedelta(days=1)
        return jours

    def _planning_lourd(self, enfants, *, annees):
        """Chaque enfant de la famille lourde : 6, 5, 4, 3 puis 6 activités ; une inscription
        sur deux en contrat régulier (tous les jours d'ouverture), les autres réservées jour par
        jour ; chaque jour passé pointé, une absence excusée environ tous les 20 jours."""
        inscriptions, jours_prevus = [], {}
        for rang, enfant in enumerate(enfants):
            activites = self.activites_lourdes[: (6, 5, 4, 3, 6)[rang % 5]]
            for decalage in range(annees):
                debut = self.rentree.replace(year=self.rentree.year - decalage)
                fin = debut.replace(year=debut.year + 1, month=7, day=5)
                for n, activite in enumerate(activites):
                    regulier = (rang + n) % 2 == 0
                    inscription = Inscription(
                        enfant=enfant,
                        activite=activite,
                        date_debut=debut,
                        date_fin=fin,
                        jours_reguliers=activite.jours_ouverture if regulier else "",
                    )
                    inscriptions.append(inscription)
                    jours_prevus[id(inscription)] = (regulier, self._jours_ouverts(activite, debut, fin))
        inserer(Inscription, inscriptions)
        reservations, presences, absences = [], [], []
        for inscription in inscriptions:
            regulier, jours = jours_prevus[id(inscription)]
            for k, jour in enumerate(jours):
                if not regulier:
                    reservations.append(Reservation(inscription=inscription, date=jour, etat="acceptee"))
                absent = k % 20 == 7
                if absent:
                    absences.append(
                        Absence(inscription=inscription, date=jour, motif="Malade", etat="excusee")
                    )
                if jour < self.aujourdhui:
                    presences.append(Presence(inscription=inscription, date=jour, present=not absent))
        self.cases_lourdes = sum(len(jours) for _, jours in jours_prevus.values())
        self.pointages_lourds = len(presences)
        inserer(Reservation, reservations)
        inserer(Presence, presences)
        inserer(Absence, absences)

    def _facturation(self, familles, *, par_famille):
        depart = Facture.objects.filter(regie=self.regie).count()
        factures = []
        for n, famille in enumerate(familles):
            for mois in range(par_famille):
                debut = (self.rentree.replace(day=1) - datetime.timedelta(days=31 * mois)).replace(day=1)
                fin = (debut + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
                montant = Decimal(self.hasard.randrange(1000, 30000)) / 100
                factures.append(
                    Facture(
                        regie=self.regie,
                        numero=f"VO-{depart + n * par_famille + mois + 1}",
                        famille=famille,
                        date_facture=fin + datetime.timedelta(days=5),
                        date_echeance=fin + datetime.timedelta(days=35),
                        periode_debut=debut,
                        periode_fin=fin,
                        montant=montant,
                    )
                )
        factures = inserer(Facture, factures)
        lignes = []
        for facture in factures:
            moitie = (facture.montant / 2).quantize(Decimal("0.01"))
            for ordre, montant in enumerate((moitie, facture.montant - moitie), start=1):
                lignes.append(
                    LigneFacture(
                        facture=facture,
                        ordre=ordre,
                        enfant_nom="VOLUME",
                        libelle="Accueil de loisirs",
                        quantite=Decimal(1),
                        prix_unitaire=montant,
                        montant=montant,
                    )
                )
        inserer(LigneFacture, lignes)
        payees = [f for f in factures if self.hasard.random() < 0.9]
        depart_reglements = Reglement.objects.filter(regie=self.regie).count()
        reglements = inserer(
            Reglement,
            (
                Reglement(
                    regie=self.regie,
                    numero=f"VO-R{depart_reglements + k + 1}",
                    famille_id=f.famille_id,
                    date=f.date_echeance - datetime.timedelta(days=10),
                    mode="cheque",
                    montant=f.montant,
                )
                for k, f in enumerate(payees)
            ),
        )
        inserer(
            Affectation,
            (
                Affectation(reglement=r, facture=f, montant=f.montant)
                for r, f in zip(reglements, payees, strict=True)
            ),
        )

    def _messagerie(self, familles, *, messages):
        par_fil = 4
        fils = inserer(
            Fil,
            (
                Fil(
                    famille=familles[k % len(familles)],
                    structure=self.structure,
                    objet=f"Question {k}",
                    initie_par_famille=k % 2 == 0,
                )
                for k in range(messages // par_fil)
            ),
        )
        maintenant = timezone.now()
        inserer(
            Message,
            (
                Message(
                    fil=fil,
                    de_la_famille=(m % 2 == 0),
                    texte="Bonjour, une question.",
                    date_envoi=maintenant - datetime.timedelta(days=m),
                    # Le dernier message de la famille d'un fil sur vingt attend la structure ;
                    # le plus ancien du CCAS n'a pas été lu par la famille.
                    lu_le=None if (m == 0 and k % 20 == 0) or m >= 3 else maintenant,
                )
                for k, fil in enumerate(fils)
                for m in range(par_fil)
            ),
        )

    def _demandes(self, familles, *, demandes):
        statuts = ["acceptee", "refusee", "en_attente"]
        inserer(
            Demande,
            (
                Demande(
                    type="caf",
                    famille=familles[k % len(familles)],
                    donnees={"quotient_familial": 500 + k % 700},
                    avant={"quotient_familial": 400},
                    apres={"quotient_familial": 500 + k % 700},
                    statut=statuts[k % 3],
                    motif="Justificatif manquant" if k % 3 == 1 else "",
                )
                for k in range(demandes)
            ),
        )
