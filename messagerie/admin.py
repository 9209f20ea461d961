"""Messagerie côté agents : fils des structures de l'agent, réponses, diffusions, infos et formulaires."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join, linebreaks
from django.utils.safestring import mark_safe

from commun import fichiers
from commun.admin_outils import (
    LIGNES_PAR_PAGE_GRANDES_TABLES,
    AutocompleteTolerantMixin,
    CreationParServiceMixin,
    LectureSeuleMixin,
    ListePrechargeeMixin,
    VuesPropresMixin,
    colonne_formatee,
)
from commun.formats import euros
from enfants.models import Activite, Structure
from messagerie import selectors, services
from messagerie.forms import PiecesJointesMixin
from messagerie.models import (
    AgentStructure,
    AttestationEnvoyee,
    Diffusion,
    Document,
    FermetureExceptionnelle,
    Fil,
    Information,
    Notification,
)


def _structures_de(agent):
    if agent.is_superuser:
        return Structure.objects.order_by("nom")
    return Structure.objects.filter(pk__in=selectors.structures_de_l_agent_ids(agent=agent))


MESSAGE_REPONSE_ENVOYEE = "Votre réponse a été envoyée à la famille."
MESSAGE_FIL_CREE = "Votre message a été envoyé à la famille."


@admin.register(AgentStructure)
class AgentStructureAdmin(AutocompleteTolerantMixin, admin.ModelAdmin):
    list_display = ("agent", "structure")
    list_filter = ("structure",)
    list_select_related = ("agent", "structure")
    autocomplete_fields = ("agent",)


class FilCreationForm(forms.ModelForm):
    """Écrire à une famille."""

    texte = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 8}), max_length=5000)

    class Meta:
        model = Fil
        fields = ("famille", "structure", "objet")
        help_texts = {"structure": "Vide : message du CCAS."}


class FilReponseForm(PiecesJointesMixin, forms.ModelForm):
    """Répondre dans le fil (avec d'éventuelles pièces jointes)."""

    reponse = forms.CharField(
        label="Votre réponse",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={"required": "Écrivez votre réponse."},
        help_text="La famille est prévenue par courriel si elle l'accepte.",
    )

    class Meta:
        model = Fil
        fields = ()


class NonLusFiltre(admin.SimpleListFilter):
    """Les fils qui ont des messages de la famille pas encore lus (la file « À traiter »)."""

    title = "messages non lus"
    parameter_name = "non_lus"

    def lookups(self, request, model_admin):
        return [("oui", "Avec des messages non lus")]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(non_lus__gt=0)
        return queryset


def _nom_du_compte(compte) -> str:
    """« JEAN DUPONT » : le responsable du compte, sinon le nom du compte."""
    if compte.responsable_id is not None:
        return compte.responsable.nom_complet
    return compte.get_full_name() or compte.get_username()


def _quand(instant) -> str:
    return date_format(timezone.localtime(instant), "DATETIME_FORMAT")


def _lecture_du_message(message, lectures) -> str:
    """« (lu par JEAN DUPONT) », « (non lu) » : pour un message de la famille, lu ou non par la
    structure ; pour un message du CCAS, les comptes de la famille qui l'ont lu."""
    if message.de_la_famille:
        return " (non lu)" if message.lu_le is None else ""
    lecteurs = [_nom_du_compte(lecture.compte) for lecture in lectures if lecture.dernier_lu_id >= message.pk]
    if lecteurs:
        return f" (lu par {', '.join(lecteurs)})"
    if message.lu_le is not None:  # lu avant les lectures par compte, ou par un compte supprimé
        return f" (lu le {_quand(message.lu_le)})"
    return " (non lu)"


def _lectures_resume(lectures) -> str:
    """« Lu par la famille : JEAN DUPONT le 03/12/2026 10:15 ; … » (la dernière lecture de
    chaque compte)."""
    return format_html(
        '<p class="lectures-famille">Dernière lecture par la famille : {}.</p>',
        format_html_join(
            " ; ", "{} le {}", ((_nom_du_compte(lue.compte), _quand(lue.lu_le)) for lue in lectures)
        ),
    )


@admin.register(Fil)
class FilAdmin(VuesPropresMixin, CreationParServiceMixin, AutocompleteTolerantMixin, admin.ModelAdmin):
    list_per_page = LIGNES_PAR_PAGE_GRANDES_TABLES
    list_display = ("objet", "famille", "interlocuteur_admin", "non_lus_admin", "date_dernier_message")
    list_filter = (NonLusFiltre, "structure")
    search_fields = ("objet", "famille__numero", "famille__responsables__nom")
    autocomplete_fields = ("famille",)
    readonly_fields = ("famille", "structure", "objet", "date_creation", "supprime_le", "conversation")
    # Un seul comptage par page (25 000 fils dans une vraie ville).
    show_full_result_count = False

    def get_queryset(self, request):
        return selectors.fils_agent(agent=request.user)

    def get_ordering(self, request):
        # Non lus d'abord, puis les plus récents.
        return ["-non_lus", "-date_dernier_message", "-pk"]

    @admin.display(description="structure")
    def interlocuteur_admin(self, obj):
        return obj.interlocuteur

    @admin.display(description="non lus", ordering="non_lus")
    def non_lus_admin(self, obj):
        return f"{obj.non_lus} non lu{'s' if obj.non_lus > 1 else ''}" if obj.non_lus else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = FilCreationForm
            form = super().get_form(request, obj, change=change, **kwargs)
            form.base_fields["structure"].queryset = _structures_de(request.user)
            return form
        kwargs["form"] = FilReponseForm
        kwargs["fields"] = ["reponse", "pieces_jointes"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ("famille", "structure", "objet", "texte")})]
        return [
            (None, {"fields": ("famille", "structure", "objet", "date_creation", "supprime_le")}),
            ("Messages", {"fields": ("conversation",)}),
            ("Répondre", {"fields": ("reponse", "pieces_jointes")}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    @admin.display(description="conversation")
    def conversation(self, obj):
        """Les messages du fil, dans l'ordre, avec leurs pièces jointes ; sous chaque message
        du CCAS, quels comptes de la famille l'ont lu (chaque responsable a sa lecture)."""
        lectures = list(selectors.fil_lectures(fil=obj))
        lignes = [_lectures_resume(lectures)] if lectures else []
        for message in selectors.fil_messages(fil=obj):
            if message.de_la_famille:
                auteur = _nom_du_compte(message.auteur) if message.auteur else "La famille"
            elif message.auteur:
                auteur = message.auteur.get_full_name() or message.auteur.username
            else:
                auteur = settings.NOM_CCAS
            pieces = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (reverse("admin:messagerie_fil_piece_jointe", args=[obj.pk, p.pk]), p.nom)
                    for p in message.pieces_jointes.all()
                ),
            )
            lignes.append(
                format_html(
                    '<div class="message-admin"><p><strong>{}</strong> — {}{}</p>{}{}</div>',
                    auteur,
                    date_format(timezone.localtime(message.date_envoi), "DATETIME_FORMAT"),
                    _lecture_du_message(message, lectures),
                    mark_safe(linebreaks(message.texte, autoescape=True)),  # noqa: S308  # nosec B308 B703 (linebreaks a échappé le texte)
                    format_html("<p>Pièces jointes : {}</p>", pieces) if pieces else "",
                )
            )
        return format_html_join("", "{}", ((ligne,) for ligne in lignes))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            fil = self.get_object(request, object_id)
            if fil is not None:
                services.fil_marquer_lu_par_la_structure(fil=fil)
        return super().change_view(request, object_id, form_url, extra_context)

    def objet_creer(self, request, form):
        donnees = form.cleaned_data
        return services.fil_creer_par_structure(
            famille=donnees["famille"],
            structure=donnees.get("structure"),
            agent=request.user,
            objet=donnees["objet"],
            texte=donnees["texte"],
        )

    def save_model(self, request, obj, form, change):
        if not change:  # `objet_creer` a tout écrit
            return
        donnees = form.cleaned_data
        services.message_structure_repondre(
            fil=obj,
            agent=request.user,
            texte=donnees["reponse"],
            fichiers=donnees.get("pieces_jointes") or (),
        )
        messages.success(request, MESSAGE_REPONSE_ENVOYEE)

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, MESSAGE_FIL_CREE)
        return HttpResponseRedirect(reverse("admin:messagerie_fil_changelist"))

    def response_change(self, request, obj):
        # La réponse est envoyée (message ci-dessus) : retour au fil, qui la montre, sans le
        # « modifié avec succès » générique de Django.
        return HttpResponseRedirect(reverse("admin:messagerie_fil_change", args=[obj.pk]))

    def save_related(self, request, form, formsets, change):
        # Les messages ne se modifient pas : les réponses passent par le service.
        pass

    vues_propres = (
        ("<int:fil_id>/piece-jointe/<int:pk>/", "piece_jointe_view", "messagerie_fil_piece_jointe"),
    )

    def piece_jointe_view(self, request, fil_id, pk):
        """Une pièce jointe, servie aux agents des structures du fil seulement."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        fil = get_object_or_404(self.get_queryset(request), pk=fil_id)
        piece = get_object_or_404(
            selectors.pieces_jointes(famille=fil.famille).filter(message__fil=fil), pk=pk
        )
        return fichiers.reponse_telechargement(piece.fichier, nom=piece.nom, type_mime=piece.type_mime)


class DiffusionForm(forms.ModelForm):
    class Meta:
        model = Diffusion
        fields = ("structure", "activite", "objet", "texte")
        help_texts = {
            "structure": "Toutes les familles ayant un enfant inscrit à cette structure…",
            "activite": "… ou à cette activité (choisissez l'une ou l'autre).",
        }

    def clean(self):
        donnees = super().clean()
        if bool(donnees.get("structure")) == bool(donnees.get("activite")):
            raise forms.ValidationError("Choisissez une structure ou une activité (l'une des deux).")
        return donnees


@admin.register(Diffusion)
class DiffusionAdmin(CreationParServiceMixin, admin.ModelAdmin):
    form = DiffusionForm
    list_display = (
        "objet",
        "structure",
        "activite",
        "statut",
        "nombre_familles",
        "date_creation",
        "date_envoi",
    )
    list_select_related = ("structure", "activite")
    list_filter = ("statut",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "auteur",
            "structure",
            "activite",
            "objet",
            "texte",
            "statut",
            "nombre_familles",
            "date_creation",
            "date_envoi",
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            structures = _structures_de(request.user)
            form.base_fields["structure"].queryset = structures
            form.base_fields["activite"].queryset = Activite.objects.filter(
                structure__in=structures
            ).select_related("structure")
        return form

    def objet_creer(self, request, form):
        donnees = form.cleaned_data
        diffusion = services.diffusion_creer(
            agent=request.user,
            structure=donnees.get("structure"),
            activite=donnees.get("activite"),
            objet=donnees["objet"],
            texte=donnees["texte"],
        )
        messages.info(request, "La diffusion est envoyée en arrière-plan : un message par famille.")
        return diffusion

    def save_model(self, request, obj, form, change):
        return  # ajout par `objet_creer` ; une diffusion envoyée ne se modifie pas


@admin.register(Information)
class InformationAdmin(admin.ModelAdmin):
    list_display = ("titre", "date_publication", "date_expiration")
    search_fields = ("titre",)
    date_hierarchy = "date_publication"

    def save_model(self, request, obj, form, change):
        services.information_enregistrer(information=obj)


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ("titre", "fichier", "date_publication", "date_expiration")

    def clean_fichier(self):
        fichier = self.cleaned_data.get("fichier")
        if fichier and "fichier" in self.changed_data:
            fichiers.document_valider(fichier)
        return fichier


@admin.register(Document)
class DocumentAdmin(VuesPropresMixin, admin.ModelAdmin):
    form = DocumentForm
    list_display = ("titre", "date_publication", "date_expiration", "telecharger")
    search_fields = ("titre",)

    @admin.display(description="fichier")
    def telecharger(self, obj):
        return format_html(
            '<a href="{}">Télécharger</a>', reverse("admin:messagerie_document_telecharger", args=[obj.pk])
        )

    vues_propres = (("<int:pk>/telecharger/", "telecharger_view", "messagerie_document_telecharger"),)

    def get_form(self, request, obj=None, change=False, **kwargs):
        # Le fichier actuel en lien vers la vue de téléchargement (le stockage privé n'a pas
        # d'URL publique : le champ de Django faisait répondre la fiche en erreur 500).
        if obj is not None:
            widget = fichiers.FichierPriveInput(
                url_telechargement=reverse("admin:messagerie_document_telecharger", args=[obj.pk]),
                nom_affiche=fichiers.nom_sur(obj.titre, ".pdf"),
            )
        else:
            widget = fichiers.FichierPriveInput()
        kwargs.setdefault("widgets", {})["fichier"] = widget
        return super().get_form(request, obj, change=change, **kwargs)

    def telecharger_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        doc = get_object_or_404(Document, pk=pk)
        return fichiers.reponse_telechargement(
            doc.fichier, nom=fichiers.nom_sur(doc.titre, ".pdf"), type_mime="application/pdf"
        )

    def save_model(self, request, obj, form, change):
        nouveau = form.cleaned_data.get("fichier") if "fichier" in form.changed_data else None
        services.document_enregistrer(document=obj, fichier=nouveau)


class EchecFiltre(admin.SimpleListFilter):
    """Les courriels pas envoyés après au moins une tentative (la file « À traiter »)."""

    title = "envoi"
    parameter_name = "envoi"

    def lookups(self, request, model_admin):
        return [("echec", "En échec (non envoyée après une tentative)"), ("envoyee", "Envoyée")]

    def queryset(self, request, queryset):
        if self.value() == "echec":
            return queryset.filter(envoyee_le__isnull=True, tentatives__gt=0)
        if self.value() == "envoyee":
            return queryset.filter(envoyee_le__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ListePrechargeeMixin, LectureSeuleMixin, admin.ModelAdmin):
    """Ce qui est parti (courriels et SMS) et ce qui a échoué : lecture seule, au droit « voir »
    de l'agent (les notifications s'écrivent par messagerie.notifications)."""

    list_display = (
        "date_creation",
        "famille",
        "type",
        "canal",
        "statut",
        "resume",
        "tentatives",
        "envoyee_le",
        "derniere_erreur",
    )
    list_filter = (EchecFiltre, "statut", "canal", "type", "resume")
    search_fields = ("famille__numero",)
    date_hierarchy = "date_creation"
    list_select_related = ("famille",)
    list_prefetch_related = ("famille__responsables",)
    readonly_fields = (
        "famille",
        "utilisateur",
        "type",
        "resume",
        "canal",
        "adresse",
        "lien",
        "cle",
        "sujet",
        "phrase",
        "statut",
        "date_creation",
        "envoyer_apres",
        "envoyee_le",
        "tentatives",
        "derniere_erreur",
    )


class AttestationsEnvoiForm(forms.Form):
    annee = forms.IntegerField(
        label="Année civile",
        min_value=2000,
        max_value=2100,
        help_text="Une année finie : son attestation est disponible à partir du 1er janvier suivant.",
    )

    def clean_annee(self):
        annee = self.cleaned_data["annee"]
        refus = services.attestations_fiscales_refus(annee=annee)
        if refus:
            raise forms.ValidationError(refus)
        return annee


@admin.register(AttestationEnvoyee)
class AttestationEnvoyeeAdmin(ListePrechargeeMixin, VuesPropresMixin, LectureSeuleMixin, admin.ModelAdmin):
    """Les attestations fiscales déposées (lecture seule) et l'envoi en masse d'une année."""

    list_display = ("annee", "famille", "montant_fr", "date_envoi")
    list_filter = ("annee",)
    search_fields = ("famille__numero",)
    list_select_related = ("famille",)
    list_prefetch_related = ("famille__responsables",)
    readonly_fields = ("famille", "annee", "montant_fr", "fil", "date_envoi")
    vues_propres = (("envoyer/", "envoyer", "messagerie_attestationenvoyee_envoyer"),)
    montant_fr = colonne_formatee("montant", "montant", euros)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "peut_envoyer": request.user.has_perm("messagerie.envoyer_attestations"),
        }
        return super().changelist_view(request, extra_context)

    def envoyer(self, request):
        """Une année → l'envoi en tâche de fond (permission « envoyer les attestations »)."""
        from django.template.response import TemplateResponse

        if not request.user.has_perm("messagerie.envoyer_attestations"):
            raise PermissionDenied
        form = AttestationsEnvoiForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            annee = form.cleaned_data["annee"]
            services.attestations_fiscales_programmer(annee=annee, agent=request.user)
            messages.info(
                request,
                f"Les attestations {annee} sont envoyées en arrière-plan : un message par famille "
                "concernée (une famille qui l'a déjà reçue ne la reçoit pas deux fois).",
            )
            return HttpResponseRedirect(reverse("admin:messagerie_attestationenvoyee_changelist"))
        return TemplateResponse(
            request,
            "admin/messagerie/attestationenvoyee/envoyer.html",
            {
                **self.admin_site.each_context(request),
                "title": "Envoyer les attestations de frais de garde d'une année",
                "opts": self.model._meta,
                "form": form,
            },
        )


class FermetureExceptionnelleForm(forms.Form):
    structure = forms.ModelChoiceField(label="Structure", queryset=Structure.objects.none())
    date_debut = forms.DateField(
        label="Du", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_fin = forms.DateField(
        label="Au (inclus)", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    activite = forms.ModelChoiceField(
        label="Activité seule",
        queryset=Activite.objects.none(),
        required=False,
        help_text="Vide : toute la structure ferme.",
    )
    motif = forms.CharField(
        label="Motif",
        max_length=200,
        required=False,
        help_text="Dit aux familles dans le message (grève, intempéries…).",
    )

    def __init__(self, *args, structures=None, **kwargs):
        super().__init__(*args, **kwargs)
        if structures is not None:
            self.fields["structure"].queryset = structures
            self.fields["activite"].queryset = (
                Activite.objects.filter(structure__in=structures)
                .select_related("structure")
                .order_by("structure__nom", "nom")
            )

    def clean(self):
        from enfants.services.fermetures import FERMETURE_ACTIVITE, FermetureErreur, fermeture_verifier

        donnees = super().clean()
        activite, structure = donnees.get("activite"), donnees.get("structure")
        if activite is not None and structure is not None and activite.structure_id != structure.pk:
            raise forms.ValidationError(FERMETURE_ACTIVITE)
        if donnees.get("date_debut") and donnees.get("date_fin"):
            try:
                fermeture_verifier(date_debut=donnees["date_debut"], date_fin=donnees["date_fin"])
            except FermetureErreur as erreur:
                raise forms.ValidationError(erreur.message) from erreur
        return donnees


@admin.register(FermetureExceptionnelle)
class FermetureExceptionnelleAdmin(ListePrechargeeMixin, admin.ModelAdmin):
    """Déclarer une fermeture exceptionnelle : le formulaire, l'aperçu (familles, enfants,
    réservations touchés), puis la confirmation qui fait tout en une étape. Les structures
    proposées sont celles de l'agent ; la permission « ajouter » décide de l'accès."""

    list_display = ("structure", "activite", "date_debut", "date_fin", "motif", "declaree_le", "declaree_par")
    list_filter = ("structure",)
    list_select_related = ("structure", "activite", "declaree_par")
    date_hierarchy = "date_debut"
    readonly_fields = (
        "structure",
        "activite",
        "date_debut",
        "date_fin",
        "motif",
        "declaree_le",
        "declaree_par",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(exceptionnelle=True)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        from django.template.response import TemplateResponse

        from enfants.services.fermetures import FermetureErreur
        from messagerie import fermetures

        if not self.has_add_permission(request):
            raise PermissionDenied
        form = FermetureExceptionnelleForm(request.POST or None, structures=_structures_de(request.user))
        apercu = None
        if request.method == "POST" and form.is_valid():
            donnees = form.cleaned_data
            if "confirmer" in request.POST:
                try:
                    _fermeture, touches = fermetures.fermeture_exceptionnelle(
                        structure=donnees["structure"],
                        date_debut=donnees["date_debut"],
                        date_fin=donnees["date_fin"],
                        motif=donnees["motif"],
                        agent=request.user,
                        activite=donnees["activite"],
                    )
                except FermetureErreur as erreur:
                    form.add_error(None, erreur.message)
                else:
                    messages.success(
                        request,
                        f"Fermeture enregistrée : {touches.nombre_familles} famille(s) prévenue(s), "
                        f"{touches.nombre_enfants} enfant(s) concerné(s), "
                        f"{touches.reservations} réservation(s) annulée(s).",
                    )
                    return HttpResponseRedirect(
                        reverse("admin:messagerie_fermetureexceptionnelle_changelist")
                    )
            else:
                apercu = fermetures.fermeture_apercu(
                    structure=donnees["structure"],
                    date_debut=donnees["date_debut"],
                    date_fin=donnees["date_fin"],
                    activite=donnees["activite"],
                )
        return TemplateResponse(
            request,
            "admin/messagerie/fermetureexceptionnelle/declarer.html",
            {
                **self.admin_site.each_context(request),
                "title": "Déclarer une fermeture exceptionnelle",
                "opts": self.model._meta,
                "form": form,
                "apercu": apercu,
            },
        )
