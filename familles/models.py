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

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
