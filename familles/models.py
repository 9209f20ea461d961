"""Familles, responsables et comptes de connexion."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Famille(models.Model):
    """Un foyer : le compte famille du CCAS, identifié par son N° Famille."""

    class Regime(models.TextChoices):
        CAF = "caf", _("CAF")
        MSA = "msa", _("MSA")
        AUTRE = "autre", _("Autre")

    numero = models.CharField(
        _("N° Famille"),
        max_length=13,
        unique=True,
        validators=[RegexValidator(r"^\d{13}$", _("Le N° Famille compte 13 chiffres."))],
    )
    organisme_rattachement = models.CharField(
        _("organisme de rattachement"), max_length=100, blank=True, default="0"
    )
    # Informations CAF
    regime = models.CharField(_("régime"), max_length=10, choices=Regime, blank=True)
    numero_allocataire = models.CharField(_("N° allocataire"), max_length=20, blank=True)
    quotient_familial = models.PositiveIntegerField(_("quotient familial"), null=True, blank=True)
    # Informations fiscales
    revenu_fiscal_reference = models.DecimalField(
        _("revenu fiscal de référence"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    nombre_parts = models.DecimalField(
        _("nombre de parts"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    annee_fiscale = models.PositiveSmallIntegerField(_("année des revenus"), null=True, blank=True)
    # Informations bancaires
    titulaire_compte = models.CharField(_("titulaire du compte"), max_length=140, blank=True)
    banque = models.CharField(_("nom de la banque"), max_length=140, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    prelevement_automatique = models.BooleanField(_("prélèvement automatique"), default=False)

    date_creation = models.DateTimeField(_("créée le"), auto_now_add=True)
    date_modification = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("famille")
        verbose_name_plural = _("familles")
        ordering = ["numero"]
        permissions = [
            # Le mode guichet (issue 22) : un agent fait une demande, une réservation, une absence
            # ou un dépôt de pièce au nom de la famille, par les mêmes services.
            ("agir_pour_famille", _("Agir pour une famille (accueil du CCAS)")),
        ]

    def __str__(self) -> str:
        principal = self.responsable_principal
        if principal is None:
            return self.numero
        return f"{self.numero} — {principal.nom_complet}"

    def _responsables(self):
        """Les responsables, lus une seule fois par instance : avec le cache de préchargement de
        Django, que `refresh_from_db` et les écritures du gestionnaire lié vident."""
        if "responsables" not in getattr(self, "_prefetched_objects_cache", {}):
            models.prefetch_related_objects([self], "responsables")
        return self.responsables.all()

    def principal_charge(self, responsable) -> None:
        """Le responsable titulaire déjà lu avec la famille (familles.backends) : pas de requête."""
        self._principal = responsable

    def _responsable(self, role):
        """Le responsable de ce rôle (un au plus par famille), ou None."""
        return next((r for r in self._responsables() if r.role == role), None)

    @property
    def responsable_principal(self):
        """Le responsable titulaire du compte."""
        if hasattr(self, "_principal"):
            return self._principal
        return self._responsable(Responsable.Role.PRINCIPAL)

    @property
    def conjoint(self):
        return self._responsable(Responsable.Role.CONJOINT)


class Responsable(models.Model):
    """Un responsable légal : le titulaire du compte ou son conjoint."""

    class Role(models.TextChoices):
        PRINCIPAL = "principal", _("Responsable")
        CONJOINT = "conjoint", _("Conjoint")

    class Civilite(models.TextChoices):
        MONSIEUR = "M", _("Monsieur")
        MADAME = "MME", _("Madame")

    class Qualite(models.TextChoices):
        PERE = "pere", _("Père")
        MERE = "mere", _("Mère")
        TUTEUR = "tuteur", _("Tuteur")
        TUTRICE = "tutrice", _("Tutrice")
        AUTRE = "autre", _("Autre")

    class Situation(models.TextChoices):
        CELIBATAIRE = "celibataire", _("Célibataire")
        MARIE = "marie", _("Marié")
        PACSE = "pacse", _("Pacsé")
        CONCUBINAGE = "concubinage", _("Vie maritale")
        SEPARE = "separe", _("Séparé")
        DIVORCE = "divorce", _("Divorcé")
        VEUF = "veuf", _("Veuf")

    # La situation s'accorde avec la civilité : « Mariée », « Séparée »… pour une Madame.
    SITUATIONS_FEMININ = {
        Situation.MARIE: _("Mariée"),
        Situation.PACSE: _("Pacsée"),
        Situation.SEPARE: _("Séparée"),
        Situation.DIVORCE: _("Divorcée"),
        Situation.VEUF: _("Veuve"),
    }

    famille = models.ForeignKey(
        Famille, on_delete=models.CASCADE, related_name="responsables", verbose_name=_("famille")
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role, default=Role.PRINCIPAL)
    civilite = models.CharField(_("civilité"), max_length=3, choices=Civilite, blank=True)
    nom = models.CharField(_("nom"), max_length=100)
    prenom = models.CharField(_("prénom"), max_length=100)
    qualite = models.CharField(_("qualité"), max_length=10, choices=Qualite, blank=True)
    situation = models.CharField(_("situation"), max_length=15, choices=Situation, blank=True)
    adresse = models.CharField(_("adresse"), max_length=255, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=5, blank=True)
    ville = models.CharField(_("ville"), max_length=100, blank=True)
    telephone_domicile = models.CharField(_("téléphone domicile"), max_length=20, blank=True)
    telephone_professionnel = models.CharField(_("téléphone prof."), max_length=20, blank=True)
    telephone_mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    profession = models.CharField(_("profession"), max_length=100, blank=True)
    csp = models.CharField(_("CSP"), max_length=100, blank=True)
    employeur = models.CharField(_("employeur"), max_length=140, blank=True)
    adresse_employeur = models.CharField(_("adresse employeur"), max_length=255, blank=True)
    autorisation_courriel = models.BooleanField(_("autorisation courriel"), default=True)
    autorisation_sms = models.BooleanField(_("autorisation SMS"), default=False)

    class Meta:
        verbose_name = _("responsable")
        verbose_name_plural = _("responsables")
        ordering = ["famille", "role"]
        constraints = [
            models.UniqueConstraint(fields=["famille", "role"], name="responsable_un_par_role"),
        ]
        indexes = [models.Index(fields=["nom", "prenom"])]

    def __str__(self) -> str:
        return self.nom_complet

    @property
    def nom_complet(self) -> str:
        return f"{self.prenom} {self.nom}".upper()

    @classmethod
    def situations(cls, civilite: str) -> list[tuple[str, str]]:
        """Les choix de situation accordés avec la civilité (« Mariée » pour une Madame)."""
        feminin = cls.SITUATIONS_FEMININ if civilite == cls.Civilite.MADAME else {}
        return [(valeur, feminin.get(valeur, libelle)) for valeur, libelle in cls.Situation.choices]

    def get_situation_display(self) -> str:
        return str(dict(self.situations(self.civilite)).get(self.situation, self.situation))


class Utilisateur(AbstractUser):
    """Un compte de connexion : parent (rattaché à une famille) ou agent du CCAS."""

    # « Identifiant », le mot du guide des familles, partout : formulaires, administration,
    # messages des validateurs de mot de passe (« trop semblable au champ « identifiant » »).
    username = models.CharField(
        _("identifiant"),
        max_length=150,
        unique=True,
        help_text=_("150 caractères au plus : lettres, chiffres et @ . + - _ seulement."),
        validators=[UnicodeUsernameValidator()],
        error_messages={"unique": _("Un compte avec cet identifiant existe déjà.")},
    )

    famille = models.ForeignKey(
        Famille,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="utilisateurs",
        verbose_name=_("famille"),
    )
    doit_changer_mot_de_passe = models.BooleanField(
        _("doit changer son mot de passe"),
        default=False,
        help_text=_("Le mot de passe est temporaire : il sera changé à la première connexion."),
    )
    # Un compte par responsable légal (issue 22) : les deux parents séparés voient le même
    # dossier, chacun avec son mot de passe, ses sessions et ses préférences.
    responsable = models.OneToOneField(
        Responsable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="compte",
        verbose_name=_("responsable"),
        help_text=_("Le responsable de la famille qui se connecte avec ce compte."),
        error_messages={"unique": _("Ce responsable a déjà un compte de connexion.")},
    )
    # Restrictions posées par un agent (décision de justice) : vérifiées par le serveur à chaque
    # envoi, et les actions sont masquées dans le portail.
    reservations_interdites = models.BooleanField(
        _("ne peut pas réserver ni déclarer d'absence"), default=False
    )
    paiement_interdit = models.BooleanField(
        _("factures en lecture seule (pas de paiement en ligne)"), default=False
    )
    demandes_interdites = models.BooleanField(_("ne peut pas envoyer de demande"), default=False)

    RESTRICTIONS = ("reservations_interdites", "paiement_interdit", "demandes_interdites")

    # Le compte d'un second responsable, créé quand la famille reçoit déjà des messages : les
    # messages du CCAS arrivés avant lui (identifiant jusqu'auquel) ne lui sont pas annoncés
    # comme nouveaux ; il les lit dans « Reçus ». 0 : tous comptent (le premier compte).
    messages_anterieurs_jusqu_a = models.PositiveBigIntegerField(
        _("messages reçus avant la création du compte (jusqu'au n°)"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        if self.responsable_id is None:
            return
        if self.famille_id is None or self.responsable.famille_id != self.famille_id:
            # Erreur générale : le formulaire d'un agent n'a pas toujours le champ (lecture seule).
            raise ValidationError(_("Le responsable doit appartenir à la famille du compte."))

    @property
    def est_agent(self) -> bool:
        return self.is_staff or self.is_superuser


# --- Dossier annuel : pièces justificatives et consentements (issue 18) --------------------
# Les pièces d'un enfant pointent vers « enfants.Enfant » par une clé étrangère nommée en
# chaîne : `familles` n'importe jamais `enfants` (sens des dépendances).


def _chemin_piece(instance, nom_fichier):
    import os
    import uuid

    from django.utils import timezone

    extension = os.path.splitext(nom_fichier)[1].lower()
    return f"pieces_justificatives/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


def _stockage_prive():
    from commun.fichiers import StockagePrive

    return StockagePrive()


class TypePiece(models.Model):
    """Une sorte de pièce justificative demandée par le CCAS (réglée par les agents)."""

    class Concerne(models.TextChoices):
        FAMILLE = "famille", _("La famille")
        ENFANT = "enfant", _("Chaque enfant")

    class Condition(models.TextChoices):
        TOUJOURS = "toujours", _("Toujours")
        PARENTS_SEPARES = "parents_separes", _("Parents séparés ou divorcés")
        PAI = "pai", _("Enfant avec un PAI")

    nom = models.CharField(_("nom"), max_length=150, unique=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Ce que la famille doit fournir (affiché au parent).")
    )
    concerne = models.CharField(_("concerne"), max_length=10, choices=Concerne, default=Concerne.FAMILLE)
    condition = models.CharField(
        _("demandée quand"), max_length=20, choices=Condition, default=Condition.TOUJOURS
    )
    duree_validite_mois = models.PositiveSmallIntegerField(
        _("validité proposée (mois)"),
        default=12,
        help_text=_("Date de fin de validité proposée à l'agent qui valide une pièce (modifiable)."),
    )
    # Carnet de vaccinations, PAI : données de santé (RGPD art. 9), vues et décidées seulement
    # par les agents qui ont la permission « voir les données sanitaires ».
    sanitaire = models.BooleanField(
        _("donnée de santé"),
        default=False,
        help_text=_("Seuls les agents habilités aux données sanitaires voient et vérifient ces pièces."),
    )
    actif = models.BooleanField(_("demandée aux familles"), default=True)
    ordre = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    class Meta:
        verbose_name = _("type de pièce justificative")
        verbose_name_plural = _("types de pièces justificatives")
        ordering = ["ordre", "nom"]

    def __str__(self) -> str:
        return self.nom


class PieceJustificative(models.Model):
    """Un dépôt d'une pièce par une famille (un ou plusieurs fichiers), puis la décision d'un agent.

    Un nouveau dépôt ne remplace rien en base : l'historique des dépôts reste. La pièce valable à
    un jour donné est un dépôt validé dont la fin de validité n'est pas passée.
    """

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", _("En cours de vérification")
        VALIDEE = "validee", _("Validée")
        REFUSEE = "refusee", _("Refusée")
        REMPLACEE = "remplacee", _("Remplacée avant vérification")

    famille = models.ForeignKey(
        Famille, on_delete=models.CASCADE, related_name="pieces", verbose_name=_("famille")
    )
    enfant = models.ForeignKey(
        "enfants.Enfant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pieces",
        verbose_name=_("enfant"),
    )
    type_piece = models.ForeignKey(
        TypePiece, on_delete=models.PROTECT, related_name="pieces", verbose_name=_("type de pièce")
    )
    statut = models.CharField(
        _("statut"), max_length=12, choices=Statut, default=Statut.EN_ATTENTE, db_index=True
    )
    deposee_le = models.DateTimeField(_("déposée le"), auto_now_add=True, db_index=True)
    deposee_par = models.ForeignKey(
        "familles.Utilisateur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déposée par"),
    )
    valide_jusqu_au = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    motif = models.CharField(_("motif du refus"), max_length=300, blank=True)
    decidee_le = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decidee_par = models.ForeignKey(
        "familles.Utilisateur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )

    class Meta:
        verbose_name = _("pièce justificative")
        verbose_name_plural = _("pièces justificatives")
        ordering = ["-deposee_le", "-pk"]
        indexes = [models.Index(fields=["famille", "type_piece", "enfant"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(statut="validee") | models.Q(valide_jusqu_au__isnull=False),
                name="piece_validee_a_une_date",
            ),
        ]

    def __str__(self) -> str:
        pour = f" — {self.enfant}" if self.enfant_id else ""
        return f"{self.type_piece}{pour}"


class FichierPiece(models.Model):
    """Un fichier (une page) d'un dépôt : PDF, JPEG ou PNG, stocké hors des fichiers publics."""

    piece = models.ForeignKey(
        PieceJustificative, on_delete=models.CASCADE, related_name="fichiers", verbose_name=_("pièce")
    )
    fichier = models.FileField(_("fichier"), upload_to=_chemin_piece, storage=_stockage_prive, max_length=200)
    nom = models.CharField(_("nom du fichier"), max_length=150)
    type_mime = models.CharField(_("type"), max_length=50)
    taille = models.PositiveIntegerField(_("taille (octets)"))

    export_champs_techniques = ("fichier", "type_mime")

    class Meta:
        verbose_name = _("fichier d'une pièce")
        verbose_name_plural = _("fichiers des pièces")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.nom


class TexteConsentement(models.Model):
    """Un texte à lire et accepter (règlement intérieur, droit à l'image…), versionné."""

    class Type(models.TextChoices):
        REGLEMENT = "reglement", _("Règlement intérieur")
        DROIT_IMAGE = "droit_image", _("Droit à l'image")
        SORTIE = "sortie", _("Autorisation de sortie")
        SOINS = "soins", _("Soins d'urgence et hospitalisation")
        TRANSPORT = "transport", _("Transport")
        AUTRE = "autre", _("Autre")

    type = models.CharField(_("type"), max_length=20, choices=Type)
    titre = models.CharField(_("titre"), max_length=150)
    # Règlement intérieur d'une structure : demandé aux familles dont un enfant y est inscrit.
    structure = models.ForeignKey(
        "enfants.Structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("structure"),
        help_text=_("Vide : demandé à toutes les familles."),
    )
    refus_possible = models.BooleanField(
        _("la famille peut refuser"),
        default=False,
        help_text=_(
            "Un consentement libre (droit à l'image) : la famille répond « J'accepte » ou « Je refuse ». "
            "Sinon (règlement), elle confirme l'avoir lu et l'accepter."
        ),
    )
    actif = models.BooleanField(_("demandé aux familles"), default=True)

    class Meta:
        verbose_name = _("texte à accepter (consentement)")
        verbose_name_plural = _("textes à accepter (consentements)")
        ordering = ["type", "titre"]

    def __str__(self) -> str:
        return self.titre


class VersionTexte(models.Model):
    """Une version publiée d'un texte : en vigueur à partir de sa date ; jamais modifiée ensuite
    (une modification est une nouvelle version, à accepter de nouveau)."""

    texte = models.ForeignKey(
        TexteConsentement, on_delete=models.CASCADE, related_name="versions", verbose_name=_("texte")
    )
    numero = models.PositiveSmallIntegerField(_("version"))
    contenu = models.TextField(_("contenu"))
    en_vigueur_le = models.DateField(_("en vigueur à partir du"))
    publiee_le = models.DateTimeField(_("publiée le"), auto_now_add=True)
    publiee_par = models.ForeignKey(
        "familles.Utilisateur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publiée par"),
    )

    class Meta:
        verbose_name = _("version d'un texte")
        verbose_name_plural = _("versions des textes")
        ordering = ["texte", "-numero"]
        constraints = [
            models.UniqueConstraint(fields=["texte", "numero"], name="version_texte_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.texte} — version {self.numero}"


class Consentement(models.Model):
    """La réponse d'une famille à une version d'un texte : qui, quand, quelle version (gardée)."""

    famille = models.ForeignKey(
        Famille, on_delete=models.CASCADE, related_name="consentements", verbose_name=_("famille")
    )
    version = models.ForeignKey(
        VersionTexte, on_delete=models.PROTECT, related_name="consentements", verbose_name=_("version")
    )
    accepte = models.BooleanField(_("accepté"))
    utilisateur = models.ForeignKey(
        "familles.Utilisateur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte"),
    )
    # Le nom de la personne au moment de la réponse : gardé même si le compte disparaît.
    signataire = models.CharField(_("donné par"), max_length=210)
    date = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ["-date", "-pk"]
        # Pas d'unicité : une famille revient sur un consentement libre (droit à l'image) par une
        # nouvelle réponse ; la dernière compte, les précédentes restent.
        indexes = [models.Index(fields=["famille", "version", "-date"])]

    def __str__(self) -> str:
        return f"{self.version} — {'accepté' if self.accepte else 'refusé'}"


# --- Préférences de notification (issue 21) ------------------------------------------------
# Portées par le compte de connexion, pas par la famille : chaque responsable qui a son compte
# choisit pour lui-même. L'autorisation courriel / SMS du responsable (fiche famille, modifiée
# par une demande modérée) reste la condition de tout envoi ; ces choix ne font que restreindre.


class PreferenceNotification(models.Model):
    """Un choix d'un compte pour une sorte de notification et un canal (absence de ligne : le
    choix par défaut de `Type.PAR_DEFAUT`)."""

    class Type(models.TextChoices):
        DECISION = "decision", _("Décision sur une demande")
        MESSAGE = "message", _("Nouveau message")
        FACTURE = "facture", _("Facture disponible")
        ECHEANCE = "echeance", _("Facture à régler dans 5 jours ou en retard")
        RESERVATIONS = "reservations", _("Réservations : ouverture et fermeture dans 48 h")
        PIECE = "piece", _("Document qui expire dans 30 jours ou refusé")
        PLACE = "place", _("Place proposée (liste d'attente)")
        CONFIRMATION = "confirmation", _("Confirmation de chaque réservation ou absence")
        FERMETURE = "fermeture", _("Fermeture exceptionnelle")

    class Canal(models.TextChoices):
        COURRIEL = "courriel", _("Courriel")
        SMS = "sms", _("SMS")

    # Désactivées tant que le compte ne les a pas cochées.
    DESACTIVEES_PAR_DEFAUT = frozenset({Type.CONFIRMATION})
    # Toujours envoyées (par tout canal autorisé par la famille) : la case n'est pas modifiable.
    OBLIGATOIRES = frozenset({Type.FERMETURE})

    utilisateur = models.ForeignKey(
        Utilisateur,
        on_delete=models.CASCADE,
        related_name="preferences_notification",
        verbose_name=_("compte"),
    )
    type = models.CharField(_("notification"), max_length=15, choices=Type)
    canal = models.CharField(_("canal"), max_length=10, choices=Canal)
    active = models.BooleanField(_("active"))

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        ordering = ["utilisateur", "type", "canal"]
        constraints = [
            models.UniqueConstraint(fields=["utilisateur", "type", "canal"], name="preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.utilisateur} — {self.get_type_display()} ({self.get_canal_display()})"

    @classmethod
    def par_defaut(cls, type_: str) -> bool:
        return type_ not in cls.DESACTIVEES_PAR_DEFAUT

    @classmethod
    def choix(cls, preferences, type_: str, canal: str) -> bool:
        """Le choix du compte ({(type, canal): bool} lu une fois), ou le défaut."""
        if type_ in cls.OBLIGATOIRES:
            return True
        return preferences.get((type_, canal), cls.par_defaut(type_))
