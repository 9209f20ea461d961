"""Enfants, structures d'accueil et activités."""

import datetime
import os
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commun.champs import lien_utilisateur
from familles.models import Famille


class Structure(models.Model):
    """Un lieu d'accueil : crèche, accueil de loisirs, garderie, restauration scolaire."""

    class Type(models.TextChoices):
        CRECHE = "creche", _("Crèche")
        ALSH = "alsh", _("Accueil de loisirs")
        GARDERIE = "garderie", _("Garderie périscolaire")
        RESTAURATION = "restauration", _("Restauration scolaire")

    nom = models.CharField(_("nom"), max_length=100, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=Type)
    email = models.EmailField(_("email"), blank=True)
    telephone = models.CharField(_("téléphone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom


class Activite(models.Model):
    """Une unité réservable d'une structure : « ALSH Mercredi après-midi », « Garderie matin »."""

    structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="activites", verbose_name=_("structure")
    )
    nom = models.CharField(_("nom"), max_length=100)
    code_facturation = models.CharField(
        _("code de facturation"),
        max_length=20,
        blank=True,
        help_text=_("Le code de la prestation dans le logiciel de facturation (export des consommations)."),
    )
    duree_heures = models.DecimalField(
        _("durée facturée (heures)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Activité comptée en heures : la quantité exportée par jour. Vide : 1 par jour."),
    )

    class Periode(models.TextChoices):
        TOUTES = "toutes", _("Toute l'année")
        SCOLAIRE = "scolaire", _("Hors vacances scolaires")
        VACANCES = "vacances", _("Pendant les vacances scolaires")

    # Jours d'ouverture : chiffres des jours de la semaine (0 = lundi … 6 = dimanche).
    jours_ouverture = models.CharField(
        _("jours d'ouverture"),
        max_length=7,
        default="01234",
        validators=[RegexValidator(r"^[0-6]{1,7}$", _("Des chiffres de 0 (lundi) à 6 (dimanche)."))],
        help_text=_("Chiffres des jours : 0 = lundi, 1 = mardi … 6 = dimanche. Ex. « 2 » pour le mercredi."),
    )
    periode = models.CharField(
        _("période d'ouverture"), max_length=10, choices=Periode, default=Periode.TOUTES
    )
    capacite = models.PositiveIntegerField(_("capacité par jour"), default=20)
    delai_reservation = models.PositiveSmallIntegerField(
        _("délai de réservation (jours ouvrés)"),
        default=2,
        help_text=_("Réserver au plus tard J-n jours ouvrés à l'heure limite."),
    )
    delai_absence = models.PositiveSmallIntegerField(
        _("délai d'absence (jours ouvrés)"),
        default=2,
        help_text=_("Au-delà, l'absence est facturée sauf certificat accepté par un agent."),
    )
    heure_limite = models.TimeField(_("heure limite"), default=datetime.time(12, 0))
    horizon_reservation = models.PositiveSmallIntegerField(
        _("horizon de réservation (jours)"),
        default=90,
        help_text=_("Combien de jours à l'avance les familles peuvent réserver."),
    )
    places_inscription = models.PositiveIntegerField(
        _("nombre d'inscriptions maximum"),
        null=True,
        blank=True,
        help_text=_(
            "Au-delà, les demandes d'inscription vont en liste d'attente. Vide : pas de limite "
            "(seules les places de chaque jour comptent)."
        ),
    )
    acceptation_automatique = models.BooleanField(
        _("acceptation automatique"),
        default=False,
        help_text=_("Accepter sans agent les demandes conformes aux règles et à la capacité."),
    )
    # Critères d'accès aux inscriptions (demande « Inscrire à une activité »).
    age_minimum_mois = models.PositiveSmallIntegerField(
        _("âge minimum (en mois)"),
        null=True,
        blank=True,
        help_text=_(
            "En mois révolus, au premier jour de l'inscription demandée (pour une campagne : le "
            "début de sa période). Ex. 3 pour la crèche, 36 pour 3 ans. Vide : pas de minimum."
        ),
    )
    age_maximum_mois = models.PositiveSmallIntegerField(
        _("âge maximum (en mois)"),
        null=True,
        blank=True,
        help_text=_(
            "En mois révolus, inclus, au premier jour de l'inscription demandée. Ex. 35 pour « moins "
            "de 3 ans », 143 pour « jusqu'à 11 ans et 11 mois ». Vide : pas de maximum."
        ),
    )
    niveaux = models.CharField(
        _("niveaux scolaires admis"),
        max_length=60,
        blank=True,
        validators=[
            RegexValidator(
                r"^(?:(?:TPS|PS|MS|GS|CP|CE1|CE2|CM1|CM2|6E|5E|4E|3E)(?:,|$))*$",
                _("Des niveaux de la liste (TPS, PS, MS, GS, CP, CE1… 3E), séparés par des virgules."),
            )
        ],
        help_text=_(
            "Aucun niveau coché : toutes les classes. Sinon, la classe de l'enfant (sa fiche) doit "
            "se lire exactement comme l'un d'eux, sinon la famille est invitée à la préciser."
        ),
    )
    reservee_habitants = models.BooleanField(
        _("réservée aux habitants de la commune"),
        default=False,
        help_text=_("Seules les familles dont le titulaire du compte habite la commune peuvent s'inscrire."),
    )
    inscription_toute_annee = models.BooleanField(
        _("inscriptions toute l'année"),
        default=False,
        help_text=_(
            "Les familles peuvent demander une inscription à tout moment, hors campagne (jusqu'à la "
            "fin de l'année scolaire en cours, le 31 août)."
        ),
    )
    # Conditions d'accès à la réservation (vérifiées par `enfants.conditions`, chaque jour demandé).
    pieces_exigees = models.ManyToManyField(
        "familles.TypePiece",
        related_name="activites_exigeantes",
        verbose_name=_("pièces exigées pour réserver"),
        blank=True,
        help_text=_("Une pièce validée qui couvre le jour réservé (pour une pièce de l'enfant : la sienne)."),
    )
    textes_exiges = models.ManyToManyField(
        "familles.TexteConsentement",
        related_name="activites_exigeantes",
        verbose_name=_("textes à avoir acceptés pour réserver"),
        blank=True,
        help_text=_("La version en vigueur de chaque texte doit être acceptée par la famille."),
    )
    blocage_impayes_jours = models.PositiveSmallIntegerField(
        _("bloquer si une facture est impayée depuis plus de (jours)"),
        null=True,
        blank=True,
        help_text=_(
            "Les nouvelles réservations sont refusées si une facture reste impayée plus de ce nombre "
            "de jours après son échéance. Vide : jamais bloqué."
        ),
    )

    if TYPE_CHECKING:
        # Posés par le planning (`selectors.planning_page`) ou par `enfants.conditions` : des
        # pièces, des textes sont exigés pour réserver ; absents d'une activité lue autrement.
        exige_pieces: bool
        exige_textes: bool

    # Sert à l'export des consommations : une période close n'est recalculée que si l'une
    # de ses lignes a changé depuis sa dernière vérification (facturation.exportation).
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")
        ordering = ["structure__nom", "nom"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "nom"], name="activite_nom_unique"),
        ]

    def __str__(self) -> str:
        return self.nom

    def clean(self):
        super().clean()
        if (
            self.age_minimum_mois is not None
            and self.age_maximum_mois is not None
            and self.age_minimum_mois > self.age_maximum_mois
        ):
            raise ValidationError(
                {"age_maximum_mois": _("L'âge maximum doit être supérieur ou égal à l'âge minimum.")}
            )

    @property
    def niveaux_admis(self) -> list[str]:
        """Les codes des niveaux admis (liste vide : toutes les classes)."""
        return [code for code in self.niveaux.split(",") if code]

    @property
    def a_des_conditions(self) -> bool:
        """Une condition d'accès à la réservation est réglée (pièces, textes lus d'avance, ou
        impayés) ; vrai tant que les pièces et textes exigés n'ont pas été lus."""
        return (
            getattr(self, "exige_pieces", True)
            or getattr(self, "exige_textes", True)
            or self.blocage_impayes_jours is not None
        )


class Enfant(models.Model):
    """Un enfant d'une famille."""

    famille = models.ForeignKey(
        Famille, on_delete=models.CASCADE, related_name="enfants", verbose_name=_("famille")
    )
    nom = models.CharField(_("nom"), max_length=100)
    prenom = models.CharField(_("prénom"), max_length=100)
    date_naissance = models.DateField(_("date de naissance"))
    # Fiche de l'enfant (issue « Mes enfants »)
    ecole = models.CharField(_("école"), max_length=140, blank=True)
    classe = models.CharField(_("classe"), max_length=40, blank=True)
    port_lunettes = models.BooleanField(_("port de lunettes"), default=False)
    lunettes_precisions = models.CharField(_("précisions (lunettes)"), max_length=255, blank=True)
    a_contacter = models.BooleanField(
        _("famille à contacter"),
        default=False,
        help_text=_("Enfant ajouté par la famille : la contacter pour les fiches d'inscription."),
    )
    souhaits_inscription = models.TextField(_("souhaits d'inscription"), blank=True)

    class Meta:
        verbose_name = _("enfant")
        verbose_name_plural = _("enfants")
        ordering = ["famille", "date_naissance", "prenom"]

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom}"

    @property
    def age(self) -> str:
        return age_texte(self.date_naissance)


# Fiche de l'enfant (issue « Mes enfants ») ---------------------------------------------------


def age_texte(naissance, aujourdhui=None) -> str:
    """« 3 ans », « 8 mois », « à naître »."""
    import datetime

    aujourdhui = aujourdhui or datetime.date.today()
    if naissance > aujourdhui:
        return "à naître"
    mois = (aujourdhui.year - naissance.year) * 12 + aujourdhui.month - naissance.month
    if aujourdhui.day < naissance.day:
        mois -= 1
    if mois < 24:
        return f"{mois} mois"
    return f"{mois // 12} ans"


class PersonneAutorisee(models.Model):
    """Une personne autorisée à venir chercher l'enfant."""

    enfant = models.ForeignKey(
        Enfant,
        on_delete=models.CASCADE,
        related_name="personnes_autorisees",
        verbose_name=_("enfant"),
    )
    nom = models.CharField(_("nom"), max_length=100)
    prenom = models.CharField(_("prénom"), max_length=100)
    lien = models.CharField(_("lien avec l'enfant"), max_length=60)
    telephone = models.CharField(_("téléphone"), max_length=20)

    class Meta:
        verbose_name = _("personne autorisée")
        verbose_name_plural = _("personnes autorisées")
        ordering = ["nom", "prenom", "pk"]

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom} ({self.lien})"


class Autorisations(models.Model):
    """Les autorisations données par la famille pour l'enfant."""

    enfant = models.OneToOneField(
        Enfant, on_delete=models.CASCADE, related_name="autorisations", verbose_name=_("enfant")
    )
    photo = models.BooleanField(_("droit à l'image (photos)"), default=False)
    sorties = models.BooleanField(_("sorties hors de la structure"), default=False)
    soins_urgence = models.BooleanField(_("soins d'urgence et hospitalisation"), default=False)
    rentrer_seul = models.BooleanField(_("rentrer seul"), default=False)
    transport = models.BooleanField(_("transport en car"), default=False)
    date_mise_a_jour = models.DateTimeField(_("mise à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("autorisations")
        verbose_name_plural = _("autorisations")

    def __str__(self) -> str:
        return f"Autorisations de {self.enfant}"


class DonneesSanitaires(models.Model):
    """Données de santé de l'enfant (RGPD art. 9) : famille et agents habilités seulement."""

    class Regime(models.TextChoices):
        # CNIL : pas de catégorie religieuse ; des repas, pas des convictions.
        STANDARD = "standard", _("Sans régime particulier")
        SANS_VIANDE = "sans_viande", _("Sans viande")
        VEGETARIEN = "vegetarien", _("Végétarien")
        MEDICAL = "medical", _("Régime médical (voir PAI)")

    enfant = models.OneToOneField(
        Enfant,
        on_delete=models.CASCADE,
        related_name="donnees_sanitaires",
        verbose_name=_("enfant"),
    )
    medecin_traitant = models.CharField(_("médecin traitant"), max_length=140, blank=True)
    medecin_telephone = models.CharField(_("téléphone du médecin"), max_length=20, blank=True)
    allergies = models.TextField(_("allergies"), blank=True)
    regime_alimentaire = models.CharField(
        _("régime alimentaire"), max_length=20, choices=Regime, default=Regime.STANDARD
    )
    pai = models.BooleanField(_("PAI (projet d'accueil individualisé)"), default=False)
    pai_protocole = models.TextField(_("protocole du PAI"), blank=True)
    remarques = models.TextField(_("remarques"), blank=True)
    date_mise_a_jour = models.DateTimeField(_("mise à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("données sanitaires")
        verbose_name_plural = _("données sanitaires")
        permissions = [("voir_donnees_sanitaires", "Voir les données sanitaires")]

    def __str__(self) -> str:
        return f"Données sanitaires de {self.enfant}"


class Vaccination(models.Model):
    enfant = models.ForeignKey(
        Enfant, on_delete=models.CASCADE, related_name="vaccinations", verbose_name=_("enfant")
    )
    vaccin = models.CharField(_("vaccin"), max_length=100)
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("vaccination")
        verbose_name_plural = _("vaccinations")
        ordering = ["-date", "vaccin"]

    def __str__(self) -> str:
        return f"{self.vaccin} ({self.date:%d/%m/%Y})"


# --- Planning : inscriptions, calendrier des structures, réservations, absences, présences ---


class StockagePrive(FileSystemStorage):
    """Fichiers privés (certificats) : sous FICHIERS_PRIVES_ROOT, jamais servis par une URL."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.FICHIERS_PRIVES_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def deconstruct(self):
        return ("enfants.models.StockagePrive", (), {})


class Fermeture(models.Model):
    """Une fermeture d'une structure saisie par un agent (pont, travaux…) : dates incluses."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="fermetures", verbose_name=_("structure")
    )
    # Vide : toute la structure ferme ; sinon, seulement cette activité de la structure.
    activite = models.ForeignKey(
        Activite,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="fermetures",
        verbose_name=_("activité seule"),
    )
    date_debut = models.DateField(_("du"))
    date_fin = models.DateField(_("au"))
    motif = models.CharField(_("motif"), max_length=200, blank=True)
    # Déclarée en urgence (grève, intempéries, bâtiment) : les réservations de ces jours ont été
    # annulées (`Reservation.fermeture`), les familles prévenues, l'export les marque non facturées.
    exceptionnelle = models.BooleanField(_("fermeture exceptionnelle"), default=False)
    declaree_le = models.DateTimeField(_("déclarée le"), default=timezone.now)
    declaree_par = lien_utilisateur(_("déclarée par"))

    # Sert à l'export des consommations : une période close n'est recalculée que si l'une
    # de ses lignes a changé depuis sa dernière vérification (facturation.exportation).
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        ordering = ["-date_debut"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_fin__gte=models.F("date_debut")), name="fermeture_dates_ordonnees"
            ),
        ]

    def __str__(self) -> str:
        quoi = f"{self.structure} — {self.activite.nom}" if self.activite_id else str(self.structure)
        return f"{quoi} : {self.date_debut:%d/%m/%Y} – {self.date_fin:%d/%m/%Y}"

    # Les jours fermés se lisent par clé : la structure entière (son id) ou une seule activité
    # (`("activite", id)`) ; `jours_de` réunit les deux pour une activité.
    @staticmethod
    def cle(structure_id: int, activite_id: int | None) -> "CleFermeture":
        return structure_id if activite_id is None else ("activite", activite_id)

    @staticmethod
    def jours_de(fermetures: dict, activite: "Activite") -> set[datetime.date]:
        """Les jours fermés d'une activité : ceux de sa structure et les siens propres."""
        return fermetures.get(activite.structure_id, set()) | fermetures.get(("activite", activite.pk), set())


CleFermeture = int | tuple[str, int]


class Inscription(models.Model):
    """L'inscription d'un enfant à une activité pour une période, avec un contrat régulier éventuel."""

    enfant = models.ForeignKey(
        Enfant, on_delete=models.CASCADE, related_name="inscriptions", verbose_name=_("enfant")
    )
    activite = models.ForeignKey(
        Activite, on_delete=models.PROTECT, related_name="inscriptions", verbose_name=_("activité")
    )
    date_debut = models.DateField(_("du"))
    date_fin = models.DateField(_("au"))
    # Contrat régulier : chiffres des jours réservés d'office (« 03 » : lundi et jeudi).
    jours_reguliers = models.CharField(
        _("jours réguliers"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^[0-6]{0,7}$", _("Des chiffres de 0 (lundi) à 6 (dimanche)."))],
        help_text=_("Jours réservés sans demande : 0 = lundi … 6 = dimanche. Ex. « 03 »."),
    )

    if TYPE_CHECKING:
        # Posée par `services.inscriptions_du_jour` : l'absence déclarée du jour, ou None
        # (absente d'une inscription lue autrement).
        absence: "Absence | None"

    # Sert à l'export des consommations : une période close n'est recalculée que si l'une
    # de ses lignes a changé depuis sa dernière vérification (facturation.exportation).
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["enfant", "activite__structure__nom", "activite__nom", "date_debut"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_fin__gte=models.F("date_debut")), name="inscription_dates_ordonnees"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enfant} — {self.activite} ({self.date_debut:%d/%m/%Y} – {self.date_fin:%d/%m/%Y})"

    def get_jours_reguliers_display(self) -> str:
        """« 03 » → « lundi, jeudi »."""
        from enfants.calendrier import JOURS

        return ", ".join(JOURS[int(chiffre)] for chiffre in self.jours_reguliers)

    def couvre(self, jour: datetime.date) -> bool:
        return self.date_debut <= jour <= self.date_fin

    def est_regulier(self, jour: datetime.date) -> bool:
        return self.couvre(jour) and str(jour.weekday()) in self.jours_reguliers

    @property
    def jours_reguliers_libelle(self) -> str:
        from enfants.calendrier import JOURS

        return ", ".join(JOURS[int(c)] for c in sorted(set(self.jours_reguliers)))


def _jour_inscription(related_name):
    """Le lien vers l'inscription d'un jour réservé, déclaré absent ou pointé."""
    return models.ForeignKey(
        Inscription, on_delete=models.CASCADE, related_name=related_name, verbose_name=_("inscription")
    )


class Reservation(models.Model):
    """La réservation d'un jour d'une inscription, demandée par la famille."""

    class Etat(models.TextChoices):
        EN_COURS = "en_cours", _("Réservation en cours de traitement")
        EN_ATTENTE = "en_attente", _("Demande en attente (liste d'attente)")
        # Une place s'est libérée : elle est tenue pour le premier de la liste d'attente, qui
        # l'accepte (réservée) ou la refuse (annulée) avant `proposition_limite`.
        PROPOSEE = "proposee", _("Place proposée")
        ACCEPTEE = "acceptee", _("Réservée")
        REFUSEE = "refusee", _("Réservation refusée")
        ANNULEE = "annulee", _("Annulée")

    inscription = _jour_inscription("reservations")
    date = models.DateField(_("jour"))
    etat = models.CharField(_("état"), max_length=12, choices=Etat, default=Etat.EN_COURS)
    motif_refus = models.CharField(_("motif du refus"), max_length=300, blank=True)
    demandee_le = models.DateTimeField(_("demandée le"), default=timezone.now)
    demandee_par = lien_utilisateur(_("demandée par"))
    decidee_le = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decidee_par = lien_utilisateur(_("décidée par"))
    proposee_le = models.DateTimeField(_("place proposée le"), null=True, blank=True)
    proposition_limite = models.DateTimeField(_("à accepter avant le"), null=True, blank=True)
    # Annulée par une fermeture exceptionnelle : jamais facturée, marquée dans l'export.
    fermeture = models.ForeignKey(
        Fermeture,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations_annulees",
        verbose_name=_("annulée par la fermeture"),
    )

    ETATS_ACTIFS = (Etat.EN_COURS, Etat.EN_ATTENTE, Etat.PROPOSEE, Etat.ACCEPTEE)

    # Sert à l'export des consommations : une période close n'est recalculée que si l'une
    # de ses lignes a changé depuis sa dernière vérification (facturation.exportation).
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["-date"]
        constraints = [
            # Une seule réservation vivante par jour et inscription.
            models.UniqueConstraint(
                fields=["inscription", "date"],
                condition=models.Q(etat__in=["en_cours", "en_attente", "proposee", "acceptee"]),
                name="reservation_active_unique",
            ),
        ]
        indexes = [models.Index(fields=["date", "etat"])]

    def __str__(self) -> str:
        return f"{self.inscription.enfant} — {self.inscription.activite} — {self.date:%d/%m/%Y}"


class Absence(models.Model):
    """Une absence déclarée par la famille sur un jour réservé (ou régulier)."""

    class Etat(models.TextChoices):
        EN_COURS = "en_cours", _("Absence en cours de traitement")
        EXCUSEE = "excusee", _("Absent excusé")
        FACTUREE = "facturee", _("Absent facturé")
        REFUSEE = "refusee", _("Absence refusée")

    inscription = _jour_inscription("absences")
    date = models.DateField(_("jour"))
    motif = models.CharField(_("motif"), max_length=300)
    certificat = models.FileField(
        _("certificat médical"),
        upload_to="certificats/%Y/%m/",
        storage=StockagePrive,
        blank=True,
    )
    hors_delai = models.BooleanField(_("déclarée hors délai"), default=False)
    etat = models.CharField(_("état"), max_length=10, choices=Etat, default=Etat.EN_COURS)
    motif_refus = models.CharField(_("motif du refus"), max_length=300, blank=True)
    declaree_le = models.DateTimeField(_("déclarée le"), default=timezone.now)
    declaree_par = lien_utilisateur(_("déclarée par"))
    decidee_le = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decidee_par = lien_utilisateur(_("décidée par"))
    # La place libérée par l'absence a été reprise par la liste d'attente : le jour n'est pas
    # facturé à la famille, même déclaré hors délai (l'absence passe « excusée »).
    place_reprise_le = models.DateTimeField(
        _("place reprise par la liste d'attente le"),
        null=True,
        blank=True,
        help_text=_("Jour repris par un enfant de la liste d'attente : l'absence n'est pas facturée."),
    )

    # Sert à l'export des consommations : une période close n'est recalculée que si l'une
    # de ses lignes a changé depuis sa dernière vérification (facturation.exportation).
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["inscription", "date"],
                condition=models.Q(etat__in=["en_cours", "excusee", "facturee"]),
                name="absence_active_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inscription.enfant} — {self.inscription.activite} — {self.date:%d/%m/%Y}"


class Presence(models.Model):
    """Le pointage d'un agent : l'enfant était-il là ce jour-là ?"""

    inscription = _jour_inscription("presences")
    date = models.DateField(_("jour"))
    present = models.BooleanField(_("présent"), default=True)
    pointee_le = models.DateTimeField(_("pointée le"), default=timezone.now)
    pointee_par = lien_utilisateur(_("pointée par"))

    # Sert à l'export des consommations : une période close n'est recalculée que si l'une
    # de ses lignes a changé depuis sa dernière vérification (facturation.exportation).
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["inscription", "date"], name="presence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.inscription.enfant} — {self.date:%d/%m/%Y}"


class FluxCalendrier(models.Model):
    """Le jeton secret de l'abonnement iCalendar d'un enfant ; le renouveler révoque l'ancien."""

    enfant = models.OneToOneField(
        Enfant, on_delete=models.CASCADE, related_name="flux_calendrier", verbose_name=_("enfant")
    )
    jeton = models.CharField(_("jeton"), max_length=64, unique=True)
    cree_le = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("flux de calendrier")
        verbose_name_plural = _("flux de calendrier")

    def __str__(self) -> str:
        return str(self.enfant)


class Campagne(models.Model):
    """Une campagne d'inscription : la rentrée (mai–juillet pour l'année scolaire suivante) ou
    une période de vacances scolaires.

    Pendant sa fenêtre (`ouverture` → `fermeture`), chaque famille confirme son dossier, fournit
    les pièces et accepte les textes demandés, puis demande l'inscription de ses enfants aux
    activités proposées. Les habitants de la commune peuvent commencer dès `ouverture` ; tout
    le monde à partir de `ouverture_tous` (vide : tout le monde dès l'ouverture).

    Une campagne de vacances peut ouvrir une fenêtre de réservation (`reservation_ouverture` →
    `reservation_fermeture`) : les jours de la période ne se réservent qu'entre ces deux dates
    (ailleurs, l'horizon de réservation glissant de l'activité s'applique).
    """

    class Type(models.TextChoices):
        RENTREE = "rentree", _("Rentrée scolaire")
        VACANCES = "vacances", _("Vacances scolaires")

    nom = models.CharField(_("nom"), max_length=150, unique=True)
    type = models.CharField(_("type"), max_length=10, choices=Type, default=Type.RENTREE)
    # Ce que couvrent les inscriptions demandées : l'année scolaire, ou la période de vacances.
    periode_debut = models.DateField(_("inscriptions du"))
    periode_fin = models.DateField(_("inscriptions au"))
    ouverture = models.DateTimeField(_("ouverture"))
    ouverture_tous = models.DateTimeField(
        _("ouverture à tous"),
        null=True,
        blank=True,
        help_text=_(
            "Avant cette date, seuls les habitants de la commune peuvent s'inscrire. "
            "Vide : tous dès l'ouverture."
        ),
    )
    fermeture = models.DateTimeField(_("fermeture"))
    activites = models.ManyToManyField(
        Activite, related_name="campagnes", verbose_name=_("activités proposées"), blank=True
    )
    pieces_requises = models.ManyToManyField(
        "familles.TypePiece", related_name="campagnes", verbose_name=_("pièces demandées"), blank=True
    )
    consentements_requis = models.ManyToManyField(
        "familles.TexteConsentement",
        related_name="campagnes",
        verbose_name=_("textes à accepter"),
        blank=True,
    )
    reservation_ouverture = models.DateTimeField(_("réservations à partir du"), null=True, blank=True)
    reservation_fermeture = models.DateTimeField(_("réservations jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("campagne d'inscription")
        verbose_name_plural = _("campagnes d'inscription")
        ordering = ["-ouverture"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fermeture__gt=models.F("ouverture")), name="campagne_fenetre_ordonnee"
            ),
            models.CheckConstraint(
                condition=models.Q(periode_fin__gte=models.F("periode_debut")),
                name="campagne_periode_ordonnee",
            ),
        ]

    def __str__(self) -> str:
        return self.nom

    def est_ouverte(self, maintenant: datetime.datetime) -> bool:
        """Fenêtre fermée à droite exclue : fermée à 18:00, la campagne refuse à 18:00:00."""
        return self.ouverture <= maintenant < self.fermeture


class DossierCampagne(models.Model):
    """Le dossier d'une famille pour une campagne : ce qu'elle a certifié, déclaré et envoyé.

    Les étapes du parcours (dossier certifié, pièces, textes acceptés, activités, envoi) se lisent
    ailleurs (pièces, consentements, demandes d'inscription) ; ce dossier garde seulement ce qui
    n'existe nulle part : la certification (qui, quand, sous quel nom), les enfants que la famille
    n'inscrit pas cette année, et l'envoi.
    """

    famille = models.ForeignKey(
        Famille, on_delete=models.CASCADE, related_name="dossiers_campagne", verbose_name=_("famille")
    )
    campagne = models.ForeignKey(
        Campagne, on_delete=models.CASCADE, related_name="dossiers", verbose_name=_("campagne")
    )
    certifie_le = models.DateTimeField(_("dossier certifié le"), null=True, blank=True)
    certifie_par = lien_utilisateur(_("certifié par"))
    signataire = models.CharField(_("signataire"), max_length=200, blank=True)
    sans_inscription = models.ManyToManyField(
        Enfant,
        related_name="+",
        verbose_name=_("enfants sans inscription cette année"),
        blank=True,
    )
    soumis_le = models.DateTimeField(_("dossier envoyé le"), null=True, blank=True)
    soumis_par = lien_utilisateur(_("envoyé par"))
    cree_le = models.DateTimeField(_("commencé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossier de campagne")
        verbose_name_plural = _("dossiers de campagne")
        ordering = ["campagne", "famille"]
        constraints = [
            models.UniqueConstraint(fields=["famille", "campagne"], name="dossier_campagne_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campagne} — {self.famille}"
