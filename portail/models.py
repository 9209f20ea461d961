"""Ce que le portail garde pour ses statistiques : des comptes, jamais qui s'est connecté."""

from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _


class ConnexionsSemaine(models.Model):
    """Le nombre de connexions des familles au portail, par semaine (lundi).

    Un simple compteur : aucune ligne ne désigne une famille ni un compte (rien à anonymiser,
    rien dans « Mes données »). La part des familles connectées dans l'année vient de
    `Utilisateur.last_login`.
    """

    semaine = models.DateField(_("semaine du"), unique=True)
    connexions = models.PositiveIntegerField(_("connexions"), default=0)

    class Meta:
        verbose_name = _("connexions de la semaine")
        verbose_name_plural = _("connexions par semaine")
        ordering = ["semaine"]
        permissions = [("voir_statistiques", _("Voir les statistiques du portail"))]

    def __str__(self) -> str:
        return f"{self.semaine:%d/%m/%Y} : {self.connexions}"

    @classmethod
    def compter(cls, *, semaine) -> None:
        """+1 sur la semaine, sans lire la ligne (deux connexions simultanées comptent deux)."""
        if not cls.objects.filter(semaine=semaine).update(connexions=F("connexions") + 1):
            _ligne, cree = cls.objects.get_or_create(semaine=semaine, defaults={"connexions": 1})
            if not cree:
                cls.objects.filter(semaine=semaine).update(connexions=F("connexions") + 1)
