"""Enfants, structures d'accueil et activités."""

from django.db import models
from django.utils.translation import gettext_lazy as _

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

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")
        ordering = ["structure__nom", "nom"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "nom"], name="activite_nom_unique"),
        ]

    def __str__(self) -> str:
        return self.nom


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
        _("famille à contacter"), default=False,
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
        Enfant, on_delete=models.CASCADE, related_name="personnes_autorisees",
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
        Enfant, on_delete=models.CASCADE, related_name="donnees_sanitaires",
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
