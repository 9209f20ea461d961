"""Le journal d'audit commun : qui a changé quoi, quand, avant et après."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commun.champs import lien_utilisateur


class Audit(models.Model):
    """Une trace : une décision sur une demande ou une modification de données d'une famille.

    Pour une donnée sensible (santé), seuls les noms des champs modifiés sont gardés, jamais les
    valeurs : l'audit dit que cela a changé et qui l'a changé.
    """

    date = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    auteur = lien_utilisateur(_("auteur"))
    famille = models.ForeignKey(
        "familles.Famille",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audits",
        verbose_name=_("famille"),
    )
    objet = models.CharField(_("objet"), max_length=200)
    action = models.CharField(_("action"), max_length=200)
    avant = models.JSONField(_("avant"), default=dict, blank=True)
    apres = models.JSONField(_("après"), default=dict, blank=True)
    champs = models.JSONField(_("champs modifiés"), default=list, blank=True)
    sensible = models.BooleanField(_("donnée sensible"), default=False)

    class Meta:
        verbose_name = _("trace d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} — {self.objet}"


class Version(models.Model):
    """La version des données d'une famille (`cle` : son identifiant) ou des données communes
    (`cle` = 0), montée par les déclencheurs de `commun.versions` à chaque écriture : la clé
    des caches par famille (`commun.cache_famille`). Aucune clé étrangère : la ligne survit à
    une famille supprimée sans gêner la suppression."""

    cle = models.BigIntegerField(_("famille (0 : données communes)"), primary_key=True)
    valeur = models.BigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("version des données")
        verbose_name_plural = _("versions des données")

    def __str__(self) -> str:
        return f"{self.cle} : {self.valeur}"
