"""Boîte de réception (fils de messages entre familles et structures), informations et documents."""

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from commun.champs import lien_utilisateur
from enfants.models import Activite, Fermeture, Structure
from familles.models import Famille, PreferenceNotification


class StockagePrive(FileSystemStorage):
    """Les fichiers privés : sous FICHIERS_PRIVES_ROOT, jamais sous une URL publique.

    Le chemin est relu dans les réglages (les tests le changent) ; aucune URL n'est fournie :
    les fichiers ne sont servis que par des vues qui vérifient les droits.
    """

    @cached_property
    def base_url(self):
        return None

    @property
    def base_location(self):
        return str(settings.FICHIERS_PRIVES_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Les fichiers privés n'ont pas d'URL publique.")


def stockage_prive():
    return StockagePrive()


def _chemin_piece_jointe(instance, nom_fichier):
    extension = os.path.splitext(nom_fichier)[1].lower()
    return f"pieces_jointes/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


def _chemin_document(instance, nom_fichier):
    return f"documents/{uuid.uuid4().hex}.pdf"


class AgentStructure(models.Model):
    """Un agent du CCAS rattaché à une structure : il voit et traite les fils de cette structure."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="+", verbose_name=_("structure")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="structures_messagerie",
        verbose_name=_("agent"),
        limit_choices_to={"is_staff": True},
    )

    class Meta:
        verbose_name = _("agent d'une structure")
        verbose_name_plural = _("agents des structures")
        ordering = ["structure__nom"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "agent"], name="agent_structure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} — {self.structure}"


class Fil(models.Model):
    """Une conversation entre une famille et une structure (ou le CCAS)."""

    famille = models.ForeignKey(
        Famille, on_delete=models.CASCADE, related_name="fils", verbose_name=_("famille")
    )
    # Vide : message du CCAS lui-même (décisions sur les demandes, informations générales).
    structure = models.ForeignKey(
        Structure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("structure"),
    )
    objet = models.CharField(_("objet"), max_length=150)
    initie_par_famille = models.BooleanField(_("écrit par la famille"), default=True)
    date_creation = models.DateTimeField(_("créé le"), default=timezone.now)
    date_dernier_message = models.DateTimeField(_("dernier message le"), default=timezone.now)
    # La famille a mis le fil dans « Supprimés » (elle peut le restaurer).
    supprime_le = models.DateTimeField(_("supprimé par la famille le"), null=True, blank=True)
    # Les messages de la famille que la structure n'a pas encore lus : tenu par la base
    # (`messagerie.declencheurs`, à chaque écriture d'un message), jamais par le code. La liste
    # des fils de l'administration se trie dessus par index (issue 22).
    non_lus_structure = models.PositiveIntegerField(_("non lus par la structure"), default=0, editable=False)

    class Meta:
        verbose_name = _("fil de messages")
        verbose_name_plural = _("fils de messages")
        ordering = ["-date_dernier_message"]
        indexes = [
            models.Index(fields=["famille", "-date_dernier_message"]),
            # L'ordre de la liste des fils de l'administration : non lus d'abord, puis récents.
            models.Index(
                fields=["-non_lus_structure", "-date_dernier_message", "-id"], name="fil_liste_agent_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.objet

    @property
    def interlocuteur(self) -> str:
        return self.structure.nom if self.structure_id else settings.NOM_CCAS


class Message(models.Model):
    """Un message d'un fil ; `lu_le` est rempli quand l'autre partie l'a ouvert la première fois
    (pour un message du CCAS : un compte de la famille ; chaque compte a sa lecture, `LectureFil`)."""

    fil = models.ForeignKey(Fil, on_delete=models.CASCADE, related_name="messages", verbose_name=_("fil"))
    de_la_famille = models.BooleanField(_("envoyé par la famille"))
    auteur = lien_utilisateur(_("auteur"))
    texte = models.TextField(_("texte"), max_length=5000)
    date_envoi = models.DateTimeField(_("envoyé le"), default=timezone.now)
    lu_le = models.DateTimeField(_("lu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["date_envoi", "pk"]
        indexes = [models.Index(fields=["fil", "de_la_famille", "lu_le"])]

    def __str__(self) -> str:
        return f"{self.fil.objet} ({timezone.localtime(self.date_envoi):%d/%m/%Y %H:%M})"


class LectureFil(models.Model):
    """Jusqu'où un compte de la famille a lu un fil : chaque responsable a sa propre boîte de
    réception (deux parents séparés, deux comptes, issue 22).

    Une ligne par fil et par compte, « lu jusqu'au message n » : les messages du CCAS d'un
    identifiant plus grand sont non lus pour ce compte. Le compteur de l'en-tête n'ajoute qu'une
    jointure d'une ligne par fil (`requetes.MESSAGES_NON_LUS`), et un fil déjà lu se rouvre
    sans écriture. `Message.lu_le` garde son sens pour le CCAS : la première lecture par la
    famille, quel que soit le compte.
    """

    # Par le fil, la ligne atteint la famille : une lecture monte la version de son cache.
    fil = models.ForeignKey(Fil, on_delete=models.CASCADE, related_name="lectures", verbose_name=_("fil"))
    compte = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("compte")
    )
    dernier_lu = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="+", verbose_name=_("dernier message lu")
    )
    lu_le = models.DateTimeField(_("lu le"), default=timezone.now)

    class Meta:
        verbose_name = _("lecture d'un fil")
        verbose_name_plural = _("lectures des fils")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["fil", "compte"], name="lecture_fil_compte_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.fil} — {self.compte}"


class PieceJointe(models.Model):
    """Un fichier joint à un message (PDF, JPEG, PNG), stocké hors des fichiers publics."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="pieces_jointes", verbose_name=_("message")
    )
    fichier = models.FileField(
        _("fichier"), upload_to=_chemin_piece_jointe, storage=stockage_prive, max_length=200
    )
    nom = models.CharField(_("nom du fichier"), max_length=150)
    type_mime = models.CharField(_("type"), max_length=50)
    taille = models.PositiveIntegerField(_("taille (octets)"))

    # « Mes données » : le nom de stockage et le type MIME ne sont que dans le JSON.
    export_champs_techniques = ("fichier", "type_mime")

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.nom


class Information(models.Model):
    """Une information du CCAS affichée dans « Infos./Documents » entre deux dates."""

    titre = models.CharField(_("titre"), max_length=150)
    texte = models.TextField(_("texte"), blank=True)
    lien = models.URLField(_("lien"), blank=True)
    date_publication = models.DateField(_("publiée le"), default=timezone.localdate)
    date_expiration = models.DateField(
        _("expire le"), null=True, blank=True, help_text=_("Dernier jour d'affichage (vide : sans fin).")
    )

    class Meta:
        verbose_name = _("information")
        verbose_name_plural = _("informations")
        ordering = ["-date_publication", "-pk"]

    def __str__(self) -> str:
        return self.titre


class Document(models.Model):
    """Un formulaire à télécharger (PDF déposé par un agent), dans « Infos./Documents »."""

    titre = models.CharField(_("titre"), max_length=150)
    fichier = models.FileField(
        _("fichier PDF"), upload_to=_chemin_document, storage=stockage_prive, max_length=200
    )
    taille = models.PositiveIntegerField(_("taille (octets)"), default=0, editable=False)
    date_publication = models.DateField(_("publié le"), default=timezone.localdate)
    date_expiration = models.DateField(
        _("expire le"),
        null=True,
        blank=True,
        help_text=_("Dernier jour de mise à disposition (vide : sans fin)."),
    )

    class Meta:
        verbose_name = _("document (formulaire)")
        verbose_name_plural = _("documents (formulaires)")
        ordering = ["-date_publication", "titre"]

    def __str__(self) -> str:
        return self.titre


class Diffusion(models.Model):
    """Un message envoyé par un agent à toutes les familles d'une structure ou d'une activité.

    Les messages (un fil par famille) sont créés en tâche de fond, pas dans la requête.
    """

    class Statut(models.TextChoices):
        EN_ATTENTE = "attente", _("En attente")
        ENVOYEE = "envoyee", _("Envoyée")

    auteur = lien_utilisateur(_("auteur"), blank=False)
    structure = models.ForeignKey(
        Structure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("structure"),
    )
    activite = models.ForeignKey(
        Activite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activité"),
    )
    objet = models.CharField(_("objet"), max_length=150)
    texte = models.TextField(_("texte"), max_length=5000)
    statut = models.CharField(_("statut"), max_length=10, choices=Statut, default=Statut.EN_ATTENTE)
    nombre_familles = models.PositiveIntegerField(_("familles destinataires"), default=0)
    date_creation = models.DateTimeField(_("créée le"), default=timezone.now)
    date_envoi = models.DateTimeField(_("envoyée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("diffusion")
        verbose_name_plural = _("diffusions")
        ordering = ["-date_creation"]

    def __str__(self) -> str:
        return self.objet


class Notification(models.Model):
    """Une notification à envoyer à un compte d'une famille, par un canal (courriel ou SMS) : ce
    qui part, quand, par où, et ce qu'il en est advenu. Le texte ne porte aucune donnée
    personnelle (il dit la sorte de notification et donne le lien) : seuls la sorte et le lien
    sont gardés.

    La ligne garde la trace des tentatives : une panne du serveur ou du prestataire ne perd rien.
    `cle` rend un rappel idempotent : un même rappel (une facture, un jour, un canal, une adresse)
    n'est enregistré qu'une fois, quel que soit le nombre de passages de `rappels_envoyer`.
    """

    class Statut(models.TextChoices):
        EN_ATTENTE = "attente", _("En attente")
        ENVOYEE = "envoyee", _("Envoyée")
        ECHEC = "echec", _("Échec (nouvel essai prévu)")
        ABANDONNEE = "abandonnee", _("Abandonnée après plusieurs échecs")
        REGROUPEE = "regroupee", _("Regroupée dans un résumé")
        SANS_OBJET = "sans_objet", _("Non envoyée (autorisation retirée)")

    famille = models.ForeignKey(
        Famille, on_delete=models.CASCADE, related_name="+", verbose_name=_("famille")
    )
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte"),
    )
    type = models.CharField(
        _("notification"), max_length=15, choices=PreferenceNotification.Type, default="message"
    )
    # Le résumé d'un compte qui a reçu trop de notifications dans l'heure (RAPPELS_RESUME_SEUIL).
    resume = models.BooleanField(_("résumé"), default=False)
    canal = models.CharField(
        _("canal"), max_length=10, choices=PreferenceNotification.Canal, default="courriel"
    )
    # L'adresse ou le numéro (E.164) au moment de l'envoi : vide, celle du responsable titulaire.
    adresse = models.CharField(_("destinataire"), max_length=254, blank=True)
    # Le chemin de la page où lire le détail (jamais le détail lui-même).
    lien = models.CharField(_("lien"), max_length=200, blank=True)
    # Objet et phrase du courriel quand l'appelant les précise (décision sur une demande : le
    # type de la demande et la décision, jamais le motif ni une valeur) ; vides : ceux du type.
    sujet = models.CharField(_("objet du courriel"), max_length=200, blank=True)
    phrase = models.CharField(_("phrase du courriel"), max_length=300, blank=True)
    cle = models.CharField(_("clé du rappel"), max_length=120, blank=True)
    statut = models.CharField(_("statut"), max_length=10, choices=Statut, default=Statut.EN_ATTENTE)
    date_creation = models.DateTimeField(_("créée le"), default=timezone.now)
    # Heures calmes (SMS) ou nouvel essai : pas d'envoi avant.
    envoyer_apres = models.DateTimeField(_("à envoyer après"), null=True, blank=True)
    envoyee_le = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    tentatives = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    derniere_erreur = models.CharField(_("dernière erreur"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("notification (courriel ou SMS)")
        verbose_name_plural = _("notifications (courriels et SMS)")
        ordering = ["-date_creation", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cle", "canal", "adresse"],
                condition=~models.Q(cle=""),
                name="notification_rappel_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["famille", "canal", "date_creation"]),
            models.Index(fields=["statut", "envoyer_apres"]),
        ]

    def __str__(self) -> str:
        return f"{self.famille.numero} — {self.date_creation:%d/%m/%Y %H:%M}"


class AttestationEnvoyee(models.Model):
    """Une attestation fiscale (frais de garde) déposée dans la boîte de réception d'une famille :
    une par famille et par année (la commande `attestations_fiscales` ne l'envoie qu'une fois)."""

    famille = models.ForeignKey(
        Famille, on_delete=models.CASCADE, related_name="attestations_envoyees", verbose_name=_("famille")
    )
    annee = models.PositiveIntegerField(_("année"))
    montant = models.DecimalField(_("montant attesté"), max_digits=12, decimal_places=2)
    fil = models.ForeignKey(
        Fil, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("message")
    )
    date_envoi = models.DateTimeField(_("envoyée le"), default=timezone.now)

    class Meta:
        verbose_name = _("attestation fiscale envoyée")
        verbose_name_plural = _("attestations fiscales envoyées")
        ordering = ["-annee", "famille"]
        constraints = [
            models.UniqueConstraint(fields=["famille", "annee"], name="attestation_envoyee_unique"),
        ]
        permissions = [("envoyer_attestations", _("Peut envoyer les attestations fiscales"))]

    def __str__(self) -> str:
        return f"{self.famille} — {self.annee}"


class FermetureExceptionnelle(Fermeture):
    """Les fermetures exceptionnelles, vues de l'administration de la messagerie : leur
    déclaration prévient les familles (messagerie.fermetures), d'où ce modèle mandataire et sa
    permission propre (« ajouter une fermeture exceptionnelle »)."""

    class Meta:
        proxy = True
        verbose_name = _("fermeture exceptionnelle")
        verbose_name_plural = _("fermetures exceptionnelles")
