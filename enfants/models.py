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

    class Meta:
        verbose_name = _("enfant")
        verbose_name_plural = _("enfants")
        ordering = ["famille", "date_naissance", "prenom"]

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom}"
