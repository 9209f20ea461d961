"""Facturation : régies, factures (débits), règlements (crédits) et leurs affectations.

Le solde d'une famille = somme des crédits − somme des débits, toutes années confondues.
Le reste dû d'une facture se déduit des affectations de règlements : il n'est jamais stocké.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from familles.models import Famille


def _stockage_prive():
    from commun.fichiers import StockagePrive

    return StockagePrive()


ZERO = Decimal("0.00")


class Nature(models.TextChoices):
    """Ce qu'une ligne de facture paie : l'attestation de frais de garde ne compte que la garde
    (les repas en sont exclus, CGI art. 200 quater B)."""

    GARDE = "garde", _("Garde")
    REPAS = "repas", _("Repas")
    AUTRE = "autre", _("Autre")


class Regie(models.Model):
    """Une régie : la caisse publique qui facture et encaisse (« Régie garderie ALSH », AL)."""

    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        help_text=_("Préfixe des numéros d'opération : AL pour AL-36."),
    )
    nom = models.CharField(_("nom"), max_length=100, unique=True)
    modalites_paiement = models.TextField(
        _("modalités de paiement"),
        blank=True,
        help_text=_("Imprimées sur les factures : chèque à l'ordre de…, adresse, horaires."),
    )
    # Les règlements que le portail enregistre lui-même (paiement en ligne) ont leur propre série
    # par régie, WEB-AL-1, WEB-AL-2… (facturation.services.numero_portail), que l'import refuse :
    # jamais de collision avec les numéros du logiciel de facturation.
    dernier_numero_portail = models.PositiveIntegerField(
        _("dernier numéro du portail"),
        default=0,
        help_text=_("Rang du dernier règlement enregistré par le portail (série WEB-<code>-…)."),
    )
    nature_par_defaut = models.CharField(
        _("nature par défaut des lignes"),
        max_length=10,
        choices=Nature,
        default=Nature.GARDE,
        help_text=_("Nature d'une ligne de facture importée sans colonne « nature » (ou vide)."),
    )

    # Le paiement en ligne de la régie : son prestataire et, pour PayFiP, ce que la DGFiP lui a
    # attribué. Aucun secret ici (les clés Stripe sont dans l'environnement) ; seul le paquet
    # `facturation.paiement` lit ces champs.
    class PrestatairePaiement(models.TextChoices):
        AUCUN = "", _("Aucun (pas de paiement en ligne)")
        STRIPE = "stripe", _("Stripe")
        PAYFIP = "payfip", _("PayFiP (DGFiP)")
        SIMULE = "simule", _("Banque simulée (démonstration)")

    class ModePayfip(models.TextChoices):
        TEST = "T", _("Test")
        ACTIVATION = "X", _("Activation")
        PRODUCTION = "W", _("Production")

    prestataire_paiement = models.CharField(
        _("paiement en ligne"),
        max_length=10,
        choices=PrestatairePaiement,
        default=PrestatairePaiement.AUCUN,
        blank=True,
        help_text=_(
            "Aucun : pas de bouton « Carte », les factures rappellent les modalités de paiement. "
            "Stripe : clés STRIPE_* dans l'environnement du serveur."
        ),
    )
    payfip_numcli = models.CharField(
        _("PayFiP : numéro client"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{6}$", _("Le numéro client PayFiP a 6 chiffres."))],
        help_text=_("Les 6 chiffres attribués à la régie par la DGFiP (numcli)."),
    )
    payfip_exer = models.CharField(
        _("PayFiP : exercice"),
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{4}$", _("L'exercice est une année sur 4 chiffres."))],
        help_text=_("Année d'exercice transmise à PayFiP (exer) ; vide : l'année de la facture."),
    )
    payfip_mode = models.CharField(
        _("PayFiP : mode"),
        max_length=1,
        choices=ModePayfip,
        default=ModePayfip.TEST,
        help_text=_(
            "Test d'abord (aucun débit réel), puis activation (premiers vrais paiements, "
            "à la demande de la DGFiP), puis production."
        ),
    )

    # Les structures dont la régie facture les activités (l'export des consommations) :
    # `facturation` importe `enfants`, jamais l'inverse, d'où le lien de ce côté-ci.
    structures = models.ManyToManyField(
        "enfants.Structure",
        blank=True,
        related_name="regies",
        verbose_name=_("structures facturées"),
        help_text=_("Les structures dont les consommations sont exportées pour cette régie."),
    )

    class Meta:
        verbose_name = _("régie")
        verbose_name_plural = _("régies")
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom

    def clean(self) -> None:
        super().clean()
        if self.prestataire_paiement == self.PrestatairePaiement.PAYFIP and not self.payfip_numcli:
            raise ValidationError(
                {"payfip_numcli": _("PayFiP demande le numéro client que la DGFiP a attribué à la régie.")}
            )


class Facture(models.Model):
    """Une facture émise par une régie (un débit du compte famille). Jamais modifiée."""

    regie = models.ForeignKey(
        Regie, on_delete=models.PROTECT, related_name="factures", verbose_name=_("régie")
    )
    numero = models.CharField(_("N° facture"), max_length=30)
    famille = models.ForeignKey(
        Famille, on_delete=models.PROTECT, related_name="factures", verbose_name=_("famille")
    )
    date_facture = models.DateField(_("date de facture"))
    date_echeance = models.DateField(_("date d'échéance"))
    periode_debut = models.DateField(_("début de période"))
    periode_fin = models.DateField(_("fin de période"))
    # Somme des lignes (une facture émise ne change pas) : gardée pour les totaux et le solde.
    montant = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    date_import = models.DateTimeField(_("importée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-date_facture", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["regie", "numero"], name="facture_numero_unique"),
        ]
        indexes = [models.Index(fields=["famille", "date_facture"])]

    def __str__(self) -> str:
        return self.numero

    @property
    def nom_fichier_pdf(self) -> str:
        return f"facture-{self.numero}.pdf"


class LigneFacture(models.Model):
    """Une prestation facturée : enfant, activité, quantité × prix unitaire = montant."""

    facture = models.ForeignKey(
        Facture, on_delete=models.CASCADE, related_name="lignes", verbose_name=_("facture")
    )
    ordre = models.PositiveIntegerField(_("ordre"))
    # Le nom de l'enfant tel que l'export l'écrit ; l'enfant du portail quand il est reconnu.
    enfant_nom = models.CharField(_("enfant"), max_length=200, blank=True)
    enfant = models.ForeignKey(
        "enfants.Enfant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lignes_facture",
        verbose_name=_("enfant reconnu"),
    )
    libelle = models.CharField(_("libellé"), max_length=200)
    quantite = models.DecimalField(_("quantité"), max_digits=10, decimal_places=2)
    prix_unitaire = models.DecimalField(_("prix unitaire"), max_digits=12, decimal_places=4)
    montant = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    nature = models.CharField(_("nature"), max_length=10, choices=Nature, default=Nature.GARDE)

    class Meta:
        verbose_name = _("ligne de facture")
        verbose_name_plural = _("lignes de facture")
        ordering = ["facture", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["facture", "ordre"], name="ligne_ordre_unique"),
        ]

    def __str__(self) -> str:
        return self.libelle


class Reglement(models.Model):
    """Un règlement encaissé par une régie (un crédit du compte famille)."""

    class Mode(models.TextChoices):
        CHEQUE = "cheque", _("Chèque")
        ESPECES = "especes", _("Espèces")
        CESU = "cesu", _("CESU")
        CARTE_EN_LIGNE = "carte_en_ligne", _("Carte bancaire en ligne")
        PRELEVEMENT = "prelevement", _("Prélèvement")
        VIREMENT = "virement", _("Virement")

    class Origine(models.TextChoices):
        IMPORT = "import", _("Logiciel de facturation")
        EN_LIGNE = "en_ligne", _("Paiement en ligne")

    regie = models.ForeignKey(
        Regie, on_delete=models.PROTECT, related_name="reglements", verbose_name=_("régie")
    )
    numero = models.CharField(_("N° opération"), max_length=30)
    famille = models.ForeignKey(
        Famille, on_delete=models.PROTECT, related_name="reglements", verbose_name=_("famille")
    )
    date = models.DateField(_("date"))
    mode = models.CharField(_("mode"), max_length=20, choices=Mode)
    montant = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    origine = models.CharField(_("origine"), max_length=10, choices=Origine, default=Origine.IMPORT)
    email_recu = models.EmailField(_("email du reçu"), blank=True)
    reference_externe = models.CharField(_("référence du prestataire"), max_length=255, blank=True)
    date_creation = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    # Le numéro du reçu de paiement, attribué à l'enregistrement (services.recu_numero_attribuer)
    # dans la série de la régie et de l'année du règlement : R-AL-2015-00012. Jamais changé : le
    # reçu téléchargé deux fois est le même.
    recu_annee = models.PositiveSmallIntegerField(_("année du reçu"), null=True, blank=True, editable=False)
    recu_rang = models.PositiveIntegerField(_("rang du reçu"), null=True, blank=True, editable=False)

    # « Mes données » : les deux morceaux du numéro de reçu, que la page lisible montrait en
    # colonnes (« 2015 », « 1 ») ; gardés dans le JSON.
    export_champs_techniques = ("recu_annee", "recu_rang")

    class Meta:
        verbose_name = _("règlement")
        verbose_name_plural = _("règlements")
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["regie", "numero"], name="reglement_numero_unique"),
            # Une session de paiement en ligne ne devient jamais deux règlements.
            models.UniqueConstraint(
                fields=["reference_externe"],
                name="reglement_reference_unique",
                condition=~models.Q(reference_externe=""),
            ),
            models.UniqueConstraint(
                fields=["regie", "recu_annee", "recu_rang"], name="reglement_recu_unique"
            ),
        ]
        indexes = [models.Index(fields=["famille", "date"])]

    def __str__(self) -> str:
        return self.numero

    @property
    def numero_recu(self) -> str:
        """R-AL-2015-00012 : le 12e reçu de la régie AL pour l'année 2015 ("" sans numéro)."""
        if self.recu_rang is None:
            return ""
        return f"R-{self.regie.code}-{self.recu_annee}-{self.recu_rang:05d}"

    @property
    def nom_fichier_recu(self) -> str:
        return f"recu-{self.numero_recu}.pdf"


class SerieRecus(models.Model):
    """Le dernier rang de reçu attribué pour une régie et une année (verrouillé à chaque
    attribution : deux règlements simultanés n'ont jamais le même numéro de reçu)."""

    regie = models.ForeignKey(
        Regie, on_delete=models.CASCADE, related_name="series_recus", verbose_name=_("régie")
    )
    annee = models.PositiveSmallIntegerField(_("année"))
    dernier_rang = models.PositiveIntegerField(_("dernier rang"), default=0)

    class Meta:
        verbose_name = _("série de reçus")
        verbose_name_plural = _("séries de reçus")
        constraints = [models.UniqueConstraint(fields=["regie", "annee"], name="serie_recus_unique")]

    def __str__(self) -> str:
        return f"{self.regie.code} {self.annee}"


class Affectation(models.Model):
    """La part d'un règlement imputée à une facture ; le reste d'un règlement est un avoir."""

    reglement = models.ForeignKey(
        Reglement, on_delete=models.CASCADE, related_name="affectations", verbose_name=_("règlement")
    )
    facture = models.ForeignKey(
        Facture, on_delete=models.PROTECT, related_name="affectations", verbose_name=_("facture")
    )
    montant = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("affectation")
        verbose_name_plural = _("affectations")
        constraints = [
            models.UniqueConstraint(fields=["reglement", "facture"], name="affectation_unique"),
            models.CheckConstraint(condition=models.Q(montant__gt=0), name="affectation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reglement} → {self.facture}"


class PaiementEnLigne(models.Model):
    """Une tentative de paiement en ligne d'une ou plusieurs factures (une session Stripe
    Checkout, une opération PayFiP)."""

    class Statut(models.TextChoices):
        OUVERTE = "ouverte", _("Paiement en cours")
        PAYEE = "payee", _("Payée")
        EXPIREE = "expiree", _("Expirée")
        ECHOUEE = "echouee", _("Échouée")
        ANNULEE = "annulee", _("Annulée")

    class Prestataire(models.TextChoices):
        STRIPE = "stripe", _("Stripe")
        SIMULE = "simule", _("Banque simulée (démonstration)")
        PAYFIP = "payfip", _("PayFiP")
        PAYFIP_SIMULE = "payfip_simule", _("PayFiP simulé (démonstration)")

    facture = models.ForeignKey(
        Facture, on_delete=models.PROTECT, related_name="paiements_en_ligne", verbose_name=_("facture")
    )
    famille = models.ForeignKey(
        Famille, on_delete=models.PROTECT, related_name="paiements_en_ligne", verbose_name=_("famille")
    )
    tentative = models.PositiveIntegerField(_("tentative"))
    montant = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    email = models.EmailField(_("email du reçu"))
    prestataire = models.CharField(_("prestataire"), max_length=20, choices=Prestataire)
    # La référence de la tentative chez le prestataire : session Stripe, idOp PayFiP.
    session_id = models.CharField(
        _("référence du prestataire"), max_length=255, unique=True, null=True, blank=True
    )
    url = models.URLField(_("adresse de paiement"), max_length=2000, blank=True)
    statut = models.CharField(_("statut"), max_length=10, choices=Statut, default=Statut.OUVERTE)
    expire_le = models.DateTimeField(_("expire le"))
    reglement = models.OneToOneField(
        Reglement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paiement_en_ligne",
        verbose_name=_("règlement"),
    )
    date_creation = models.DateTimeField(_("créé le"), auto_now_add=True)

    # « Mes données » : les références techniques du prestataire ne sont que dans le JSON.
    export_champs_techniques = ("session_id", "url")

    class Meta:
        verbose_name = _("paiement en ligne")
        verbose_name_plural = _("paiements en ligne")
        ordering = ["-date_creation"]
        constraints = [
            models.UniqueConstraint(fields=["facture", "tentative"], name="paiement_tentative_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.facture} — tentative {self.tentative}"

    @property
    def libelle_factures(self) -> str:
        """« la facture AL-36 » ou « les factures AL-36, AL-37 » (lignes préchargées)."""
        numeros = [ligne.facture.numero for ligne in self.lignes.all()] or [self.facture.numero]
        if len(numeros) > 1:
            return "les factures " + ", ".join(numeros)
        return f"la facture {numeros[0]}"

    @property
    def de_factures(self) -> str:
        """« de la facture AL-36 » ou « des factures AL-36, AL-37 »."""
        libelle = self.libelle_factures
        return "des" + libelle[3:] if libelle.startswith("les ") else "de " + libelle

    @property
    def cle_idempotence(self) -> str:
        return f"facture-{self.facture_id}-tentative-{self.tentative}"


class LignePaiement(models.Model):
    """Une facture payée par un paiement en ligne et le montant demandé pour elle (son reste dû
    au départ). Un paiement de plusieurs factures d'une régie en a une par facture ; `facture`
    du paiement est la première (référence envoyée au prestataire)."""

    paiement = models.ForeignKey(
        PaiementEnLigne, on_delete=models.CASCADE, related_name="lignes", verbose_name=_("paiement")
    )
    facture = models.ForeignKey(
        Facture, on_delete=models.PROTECT, related_name="lignes_paiement", verbose_name=_("facture")
    )
    montant = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)

    # « Mes données » : le paiement (un identifiant) n'est que dans le JSON.
    export_champs_techniques = ("paiement",)

    class Meta:
        verbose_name = _("facture d'un paiement en ligne")
        verbose_name_plural = _("factures d'un paiement en ligne")
        ordering = ["paiement", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["paiement", "facture"], name="ligne_paiement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.paiement} : {self.facture}"


class EvenementPaiement(models.Model):
    """Un événement reçu du prestataire (webhook), gardé tel quel avant tout traitement."""

    class Statut(models.TextChoices):
        RECU = "recu", _("Reçu")
        TRAITE = "traite", _("Traité")
        IGNORE = "ignore", _("Ignoré")
        ECHEC = "echec", _("Échec du traitement")

    evenement_id = models.CharField(_("identifiant"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    session_id = models.CharField(_("session"), max_length=255, blank=True, db_index=True)
    payload = models.TextField(_("contenu brut"))
    statut = models.CharField(_("statut"), max_length=10, choices=Statut, default=Statut.RECU)
    signale = models.BooleanField(_("à vérifier"), default=False)
    motif = models.TextField(_("motif"), blank=True)
    erreur = models.TextField(_("erreur"), blank=True)
    tentatives = models.PositiveIntegerField(_("traitements"), default=0)
    date_reception = models.DateTimeField(_("reçu le"), auto_now_add=True)
    date_traitement = models.DateTimeField(_("traité le"), null=True, blank=True)
    # Un événement « à vérifier » reste dans la file de l'accueil de l'administration jusqu'à ce
    # qu'un agent l'ait regardé et marqué vérifié (service `evenement_paiement_verifier`).
    verifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vérifié par"),
    )
    verifie_le = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    commentaire_verification = models.TextField(_("commentaire de vérification"), blank=True)

    class Meta:
        verbose_name = _("événement de paiement")
        verbose_name_plural = _("événements de paiement")
        ordering = ["-date_reception"]
        permissions = [
            ("verifier_evenementpaiement", _("Marquer comme vérifié un paiement en ligne « à vérifier »"))
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.evenement_id}"


# --- Les règles d'argent, écrites une fois ------------------------------------------------------
# Des expressions de l'ORM annotant une facture : les sélecteurs les annotent, les services les
# lisent, et la requête écrite à la main de l'accueil (`facturation.requetes.SITUATION`) les
# compile telles quelles (`commun.sql.ExpressionOrm`).

_MONTANT = models.DecimalField(max_digits=12, decimal_places=2)


def deja_paye():
    """Ce qui est déjà payé d'une facture : la somme des affectations de règlements (zéro sans
    affectation)."""
    from django.db.models import OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    sous_requete = (
        Affectation.objects.filter(facture=OuterRef("pk"))
        .order_by()
        .values("facture")
        .annotate(total=Sum("montant"))
        .values("total")
    )
    return Coalesce(Subquery(sous_requete, output_field=_MONTANT), Value(ZERO), output_field=_MONTANT)


def paiement_en_cours():
    """Un paiement en ligne de la facture est ouvert et pas encore expiré."""
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import Now

    return Exists(
        PaiementEnLigne.objects.filter(
            lignes__facture=OuterRef("pk"), statut=PaiementEnLigne.Statut.OUVERTE, expire_le__gt=Now()
        )
    )


class PeriodeClose(models.Model):
    """Une période exportée vers le logiciel de facturation, close pour une régie : les familles
    ne changent plus ses jours. Le fichier exporté est gardé tel quel : l'exporter de nouveau
    rend les mêmes octets."""

    regie = models.ForeignKey(
        Regie, on_delete=models.PROTECT, related_name="periodes_closes", verbose_name=_("régie")
    )
    du = models.DateField(_("du"))
    au = models.DateField(_("au"))
    # Filtre de l'export (vide : toutes les structures de la régie).
    structure = models.ForeignKey(
        "enfants.Structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("structure"),
    )
    close_le = models.DateTimeField(_("close le"), auto_now_add=True)
    close_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("close par"),
    )
    # Le fichier tel qu'exporté, écrit au fil des lignes (jamais entier en mémoire), privé.
    fichier = models.FileField(
        _("fichier exporté"), upload_to="exports/consommations/%Y/", storage=_stockage_prive, max_length=200
    )
    # Régularisations : la période n'est recalculée que si une ligne a changé depuis cette date
    # (`modifie_le` des réservations, absences…) ou si une suppression l'a marquée.
    verifiee_le = models.DateTimeField(_("vérifiée le"), null=True, blank=True)
    a_reverifier = models.BooleanField(_("à revérifier"), default=False)

    class Meta:
        verbose_name = _("période close")
        verbose_name_plural = _("périodes closes")
        ordering = ["regie", "-du"]
        permissions = [("exporter_consommations", "Exporter les consommations (et clore la période)")]
        indexes = [models.Index(fields=["regie", "du", "au"])]

    def __str__(self) -> str:
        return f"{self.regie.code} du {self.du:%d/%m/%Y} au {self.au:%d/%m/%Y}"


class ConsommationExportee(models.Model):
    """Une ligne transmise au logiciel de facturation : la dernière transmise pour un enfant,
    une activité et un jour dit ce que le logiciel sait ; une différence avec l'état présent d'un
    jour clos est une régularisation, exportée une fois par l'export suivant."""

    periode = models.ForeignKey(
        PeriodeClose, on_delete=models.CASCADE, related_name="lignes", verbose_name=_("export")
    )
    # La période d'origine du jour (celle de l'export pour une ligne ordinaire).
    periode_origine = models.ForeignKey(
        PeriodeClose, on_delete=models.CASCADE, related_name="+", verbose_name=_("période d'origine")
    )
    enfant = models.ForeignKey("enfants.Enfant", on_delete=models.PROTECT, related_name="+")
    activite = models.ForeignKey("enfants.Activite", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("jour"))
    statut = models.CharField(_("statut"), max_length=30)
    facturable = models.BooleanField(_("facturable"))
    quantite = models.DecimalField(_("quantité"), max_digits=7, decimal_places=2)
    regularisation = models.BooleanField(_("régularisation"), default=False)

    class Meta:
        verbose_name = _("consommation exportée")
        verbose_name_plural = _("consommations exportées")
        indexes = [models.Index(fields=["periode_origine", "enfant", "activite", "date"])]

    def __str__(self) -> str:
        return f"{self.enfant_id} — {self.activite_id} — {self.date:%d/%m/%Y} ({self.statut})"


class Mandat(models.Model):
    """Mandat de prélèvement SEPA d'une famille : créé quand un agent accepte le prélèvement.

    La RUM ne change jamais : un changement d'IBAN amende le mandat, l'arrêt du prélèvement le
    révoque. Chaque événement (création, amendement, révocation) est exporté une seule fois.
    """

    famille = models.ForeignKey(Famille, on_delete=models.PROTECT, related_name="mandats")
    rum = models.CharField(_("RUM"), max_length=35, unique=True)
    ics = models.CharField(_("ICS du créancier"), max_length=35)
    titulaire = models.CharField(_("débiteur"), max_length=140)
    adresse = models.CharField(_("adresse du débiteur"), max_length=300, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    date_signature = models.DateField(_("date de signature"))
    date_revocation = models.DateField(_("date de révocation"), null=True, blank=True)

    class Meta:
        verbose_name = _("mandat SEPA")
        verbose_name_plural = _("mandats SEPA")
        permissions = [("exporter_mandats", "Peut exporter les mandats SEPA")]

    def __str__(self):
        return self.rum


class EvenementMandat(models.Model):
    """Une création, un amendement ou une révocation de mandat, à exporter une fois."""

    class Nature(models.TextChoices):
        CREATION = "creation", _("Nouveau")
        AMENDEMENT = "amendement", _("Amendé")
        REVOCATION = "revocation", _("Révoqué")

    mandat = models.ForeignKey(Mandat, on_delete=models.CASCADE, related_name="evenements")
    nature = models.CharField(_("nature"), max_length=12, choices=Nature)
    date = models.DateField(_("date"))
    iban_precedent = models.CharField(_("IBAN précédent"), max_length=34, blank=True)
    bic_precedent = models.CharField(_("BIC précédent"), max_length=11, blank=True)
    exporte_le = models.DateTimeField(_("exporté le"), null=True, blank=True)

    class Meta:
        verbose_name = _("événement de mandat")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.get_nature_display()} {self.mandat_id} {self.date}"
