"""La file de modération : une seule sorte de demande, quel que soit son type (voir registre)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from commun.champs import lien_utilisateur


class Demande(models.Model):
    """Une demande d'une famille, en attente de la décision d'un agent.

    `donnees` porte les données nettoyées du formulaire (seulement les champs demandés, plus les
    champs annexes comme un consentement) ; `avant` et `apres` leurs textes affichables au moment
    de la demande, qui servent aussi à repérer une fiche modifiée depuis.
    """

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", _("En attente")
        ACCEPTEE = "acceptee", _("Acceptée")
        REFUSEE = "refusee", _("Refusée")
        ANNULEE = "annulee", _("Annulée")
        # Demande d'inscription acceptée mais activité complète : elle attend une place, dans
        # l'ordre d'arrivée (cree_le, puis pk) ; une place libérée lui est PROPOSEE.
        LISTE_ATTENTE = "liste_attente", _("En liste d'attente")
        PROPOSEE = "proposee", _("Place proposée")

    type = models.CharField(_("type"), max_length=40, db_index=True)
    famille = models.ForeignKey(
        "familles.Famille",
        on_delete=models.CASCADE,
        related_name="demandes",
        verbose_name=_("famille"),
    )
    enfant = models.ForeignKey(
        "enfants.Enfant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="demandes",
        verbose_name=_("enfant"),
    )
    donnees = models.JSONField(_("données demandées"), default=dict, encoder=DjangoJSONEncoder)
    avant = models.JSONField(_("valeurs avant"), default=dict, encoder=DjangoJSONEncoder)
    apres = models.JSONField(_("valeurs demandées"), default=dict, encoder=DjangoJSONEncoder)
    statut = models.CharField(
        _("statut"), max_length=20, choices=Statut, default=Statut.EN_ATTENTE, db_index=True
    )
    # Place proposée (statut PROPOSEE) : la famille l'accepte jusqu'à cette date, sinon elle
    # passe à la suivante de la liste d'attente (`manage.py listes_attente`).
    proposition_limite = models.DateTimeField(_("place à accepter avant le"), null=True, blank=True)
    motif = models.TextField(_("motif du refus"), blank=True)
    cree_le = models.DateTimeField(_("date de la demande"), auto_now_add=True, db_index=True)
    cree_par = lien_utilisateur(_("demandée par"))
    decide_le = models.DateTimeField(_("date de la décision"), null=True, blank=True)
    decide_par = lien_utilisateur(_("décidée par"))

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-cree_le", "-pk"]
        indexes = [models.Index(fields=["famille", "statut", "type"])]

    def __str__(self) -> str:
        from demandes import registre

        return f"{registre.libelle(self.type)} n° {self.pk}"

    @property
    def type_demande(self):
        from demandes import registre

        return registre.type_demande(self.type)

    # « Mes données » (portail.export) : les données brutes de la demande ne sont que dans le
    # téléchargement JSON ; la page montre les valeurs avant et demandées, avec leurs libellés.
    export_champs_techniques = ("donnees",)

    def get_type_display(self) -> str:
        from demandes import registre

        return registre.libelle(self.type)

    def _valeurs_lisibles(self, valeurs: dict) -> str:
        from demandes import registre

        try:
            libelles = registre.type_demande(self.type).libelles()
        except KeyError:  # type retiré depuis : les noms des champs restent lisibles
            libelles = {}
        return " ; ".join(f"{libelles.get(nom, nom)} : {texte or '—'}" for nom, texte in valeurs.items())

    def get_avant_display(self) -> str:
        return self._valeurs_lisibles(self.avant)

    def get_apres_display(self) -> str:
        return self._valeurs_lisibles(self.apres)
