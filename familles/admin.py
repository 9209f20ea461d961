from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, When
from django.urls import reverse

from commun import journal
from commun.admin_outils import (
    LIGNES_PAR_PAGE_GRANDES_TABLES,
    AutocompleteTolerantMixin,
    CreationParServiceMixin,
    LectureSeuleMixin,
    LignesEnRequetesConstantesMixin,
    ListePrechargeeMixin,
    SuperutilisateurSeulMixin,
)
from commun.audit import AuditAdminMixin, audit_enregistrer
from familles import services
from familles.forms import ResponsableForm, SituationAccordeeMixin
from familles.models import (
    Consentement,
    Famille,
    Responsable,
    TexteConsentement,
    TypePiece,
    Utilisateur,
    VersionTexte,
)
from familles.validators import iban_masquer


class ResponsableAdminForm(SituationAccordeeMixin, forms.ModelForm):
    class Meta:
        model = Responsable
        fields = ("role", *ResponsableForm.Meta.fields)


class ResponsableInline(LignesEnRequetesConstantesMixin, admin.StackedInline):
    model = Responsable
    form = ResponsableAdminForm
    extra = 0
    max_num = 2

    def get_queryset(self, request):
        # Le responsable titulaire du compte d'abord, puis le conjoint.
        titulaire_d_abord = Case(When(role=Responsable.Role.PRINCIPAL, then=0), default=1)
        return super().get_queryset(request).order_by(titulaire_d_abord, "pk")

    fieldsets = (
        (None, {"fields": (("role", "civilite"), ("nom", "prenom"), ("qualite", "situation"))}),
        (
            "Coordonnées",
            {
                "fields": (
                    "adresse",
                    ("code_postal", "ville"),
                    ("telephone_domicile", "telephone_professionnel", "telephone_mobile"),
                    "email",
                )
            },
        ),
        ("Profession", {"fields": (("profession", "csp"), ("employeur", "adresse_employeur"))}),
        ("Autorisations", {"fields": (("autorisation_courriel", "autorisation_sms"),)}),
    )


class UtilisateurInline(LignesEnRequetesConstantesMixin, admin.TabularInline):
    model = Utilisateur
    fields = ("username", "email", "is_active", "doit_changer_mot_de_passe", "last_login")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "compte de connexion"
    verbose_name_plural = "comptes de connexion"

    def has_add_permission(self, request, obj=None):
        return False


class FamilleAdminForm(forms.ModelForm):
    """IBAN et BIC validés (schwifty) comme dans la demande du parent."""

    class Meta:
        # Les champs de la page viennent des `fieldsets` de FamilleAdmin ; ceux-ci, les
        # coordonnées bancaires qu'il valide, servent au formulaire pris seul (tests).
        model = Famille
        fields = ("titulaire_compte", "banque", "iban", "bic", "prelevement_automatique")

    def clean_iban(self):
        from familles.validators import iban_normaliser

        return iban_normaliser(self.cleaned_data.get("iban", ""))

    def clean_bic(self):
        from familles.validators import bic_normaliser

        return bic_normaliser(self.cleaned_data.get("bic", ""))


@admin.register(Famille)
class FamilleAdmin(AuditAdminMixin, admin.ModelAdmin):
    list_per_page = LIGNES_PAR_PAGE_GRANDES_TABLES
    form = FamilleAdminForm
    champs_masques = {"iban": iban_masquer}
    list_display = ("numero", "responsable_nom", "ville", "regime", "prelevement_automatique")
    search_fields = ("numero", "responsables__nom", "responsables__prenom", "responsables__email")
    list_filter = ("regime", "prelevement_automatique")
    inlines = [ResponsableInline, UtilisateurInline]
    fieldsets = (
        (None, {"fields": ("numero", "organisme_rattachement")}),
        ("Informations CAF", {"fields": ("regime", "numero_allocataire", "quotient_familial")}),
        ("Informations fiscales", {"fields": ("revenu_fiscal_reference", "nombre_parts", "annee_fiscale")}),
        (
            "Informations bancaires",
            {"fields": ("titulaire_compte", "banque", "iban", "bic", "prelevement_automatique")},
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("responsables")

    def get_search_results(self, request, queryset, search_term):
        """Les mêmes familles que `search_fields`, sans jointure ni DISTINCT (issue 22 : au volume
        d'une vraie ville, Django joignait les responsables à toutes les familles puis
        dédoublonnait). Comme Django, tous les mots doivent se trouver soit dans le N° Famille,
        soit chez un même responsable : les responsables qui conviennent sont cherchés d'abord
        (sous-requête), puis les familles par leurs identifiants ; une famille sans responsable
        n'est trouvée que par son numéro."""
        from django.db.models import Q
        from django.utils.text import smart_split, unescape_string_literal

        if not search_term:
            return queryset, False
        par_numero = Q()
        par_responsable = Q()
        for mot in smart_split(search_term):
            if mot.startswith(('"', "'")) and mot[0] == mot[-1]:
                mot = unescape_string_literal(mot)
            par_numero &= Q(numero__icontains=mot)
            # Le N° Famille du responsable par sous-requête (index trigrammes des numéros), pas
            # par la jointure des 10 000 familles à chaque responsable (27 → 17 ms, issue 22).
            par_responsable &= (
                Q(famille_id__in=Famille.objects.filter(numero__icontains=mot).values("pk"))
                | Q(nom__icontains=mot)
                | Q(prenom__icontains=mot)
                | Q(email__icontains=mot)
            )
        responsables = Responsable.objects.filter(par_responsable).values("famille_id")
        return queryset.filter(par_numero | Q(pk__in=responsables)), False

    # Le dossier de la famille : les listes de l'administration filtrées sur elle.
    DOSSIER = (
        ("demandes.Demande", "Demandes"),
        ("enfants.Enfant", "Enfants"),
        ("facturation.Facture", "Factures"),
        ("facturation.Reglement", "Règlements"),
        ("messagerie.Fil", "Messages"),
    )

    def dossier(self, request, famille) -> list[dict]:
        """Un lien par liste que l'agent peut voir, avec le nombre de lignes de la famille
        (celles que cette liste lui montre)."""
        liens = []
        for label, libelle in self.DOSSIER:
            modele = apps.get_model(label)
            admin_modele = self.admin_site._registry.get(modele)
            if admin_modele is None or not admin_modele.has_view_or_change_permission(request):
                continue
            url = reverse(f"admin:{modele._meta.app_label}_{modele._meta.model_name}_changelist")
            liens.append(
                {
                    "libelle": libelle,
                    "nombre": admin_modele.get_queryset(request).filter(famille=famille).count(),
                    "url": f"{url}?{urlencode({'famille__id__exact': famille.pk})}",
                }
            )
        return liens

    def comptes(self, request, famille) -> list[dict]:
        """Le compte de connexion de chaque responsable (un par responsable, issue 22), ou le
        lien qui le crée (activation par courriel ou mot de passe temporaire)."""
        peut_creer = request.user.has_perm("familles.add_utilisateur")
        lignes = []
        titulaire_d_abord = sorted(
            famille.responsables.all(), key=lambda r: r.role != Responsable.Role.PRINCIPAL
        )
        # Une requête pour les comptes (la liste des familles n'en a pas besoin).
        par_responsable = {
            c.responsable_id: c
            for c in Utilisateur.objects.filter(famille=famille, responsable__isnull=False)
        }
        for responsable in titulaire_d_abord:
            compte = par_responsable.get(responsable.pk)
            ligne = {"responsable": responsable, "compte": compte, "creer": "", "modifier": ""}
            if compte is not None:
                ligne["modifier"] = reverse("admin:familles_utilisateur_change", args=[compte.pk])
            elif peut_creer:
                ajout = reverse("admin:familles_utilisateur_add")
                parametres = {"famille": famille.pk, "role": responsable.role, "email": responsable.email}
                ligne["creer"] = f"{ajout}?{urlencode(parametres)}"
            lignes.append(ligne)
        return lignes

    def change_view(self, request, object_id, form_url="", extra_context=None):
        famille = self.get_object(request, object_id)
        if famille is not None:
            extra_context = {
                **(extra_context or {}),
                "dossier_famille": self.dossier(request, famille),
                "comptes_famille": self.comptes(request, famille),
                # Le mode guichet (demandes.admin_guichet) : seulement avec la permission.
                "agir_pour_famille": (
                    reverse("admin:demandes_demande_guichet", args=[famille.pk])
                    if request.user.has_perm("familles.agir_pour_famille")
                    else ""
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="responsable")
    def responsable_nom(self, obj):
        principal = obj.responsable_principal
        return principal.nom_complet if principal else "—"

    @admin.display(description="ville")
    def ville(self, obj):
        principal = obj.responsable_principal
        return principal.ville if principal else ""


class CompteFamilleCreationForm(forms.ModelForm):
    """Création d'un compte famille par un agent : activation par courriel ou mot temporaire."""

    MODE_COURRIEL = "courriel"
    MODE_TEMPORAIRE = "temporaire"

    mode = forms.ChoiceField(
        label="Premier mot de passe",
        choices=[
            (MODE_COURRIEL, "Envoyer au parent un courriel d'activation (il choisit son mot de passe)"),
            (MODE_TEMPORAIRE, "Générer un mot de passe temporaire (à changer à la première connexion)"),
        ],
        widget=forms.RadioSelect,
        initial=MODE_COURRIEL,
    )

    role = forms.ChoiceField(
        label="Compte de",
        choices=Responsable.Role.choices,
        initial=Responsable.Role.PRINCIPAL,
        required=False,  # sans choix : le titulaire (le premier compte de la famille)
        help_text=(
            "Chaque responsable a son propre compte (parents séparés) : le conjoint voit le même "
            "dossier avec son identifiant et son mot de passe."
        ),
    )

    class Meta:
        model = Utilisateur
        fields = ("username", "famille", "email")
        labels = {"username": "Identifiant"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["famille"].required = True

    def clean(self):
        donnees = super().clean()
        if donnees.get("mode") == self.MODE_COURRIEL and not donnees.get("email"):
            self.add_error("email", "Une adresse email est nécessaire pour le courriel d'activation.")
        donnees["role"] = donnees.get("role") or Responsable.Role.PRINCIPAL
        if donnees.get("famille") is not None:
            try:
                services.compte_responsable_verifier(famille=donnees["famille"], role=donnees["role"])
            except services.CompteErreur as erreur:
                self.add_error("role", erreur.message)
        return donnees


# Les droits d'un compte : seul un superutilisateur les change (sur tout compte). Un agent gère
# les comptes des familles seulement, jamais un compte du personnel (ni le sien).
CHAMPS_DROITS = ("is_superuser", "is_staff", "groups", "user_permissions")
REFUS_DROITS = "Seul un superutilisateur peut modifier les droits d'un compte."


def _compte_du_personnel(utilisateur) -> bool:
    return utilisateur.is_staff or utilisateur.is_superuser


@admin.register(Utilisateur)
class UtilisateurAdmin(
    ListePrechargeeMixin, CreationParServiceMixin, AuditAdminMixin, AutocompleteTolerantMixin, UserAdmin
):
    add_form = CompteFamilleCreationForm
    add_fieldsets = ((None, {"fields": ("username", "famille", "role", "email", "mode")}),)
    list_display = (
        "username",
        "famille",
        "responsable",
        "last_name",
        "first_name",
        "is_staff",
        "is_active",
        "doit_changer_mot_de_passe",
    )
    list_filter = ("is_staff", "is_active", "doit_changer_mot_de_passe", "groups")
    search_fields = ("username", "first_name", "last_name", "email", "famille__numero")
    list_select_related = ("famille", "responsable")
    list_prefetch_related = ("famille__responsables",)
    autocomplete_fields = ("famille",)
    fieldsets = UserAdmin.fieldsets + (
        ("Portail Famille", {"fields": ("famille", "responsable", "doit_changer_mot_de_passe")}),
        (
            "Restrictions (décision de justice)",
            {
                "fields": Utilisateur.RESTRICTIONS,
                "description": (
                    "Ce que ce responsable ne peut pas faire dans le portail : le serveur refuse "
                    "l'action et le portail n'en montre pas les boutons."
                ),
            },
        ),
    )
    # Le responsable se choisit à la création du compte (« Compte de ») : une liste de tous les
    # responsables de la ville n'aurait pas sa place ici.
    readonly_fields = ("responsable",)

    def get_queryset(self, request):
        comptes = super().get_queryset(request)
        if request.user.is_superuser:
            return comptes
        return comptes.filter(is_staff=False, is_superuser=False)

    def has_change_permission(self, request, obj=None):
        if obj is not None and _compte_du_personnel(obj) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _compte_du_personnel(obj) and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        return [
            (titre, {**options, "fields": [c for c in options["fields"] if c not in CHAMPS_DROITS]})
            for titre, options in fieldsets
        ]

    def _refuser_les_droits(self, request) -> None:
        """Un envoi d'agent qui porte un champ de droits est refusé en entier (et journalisé)."""
        if request.method != "POST" or request.user.is_superuser:
            return
        tentes = sorted(c for c in CHAMPS_DROITS if c in request.POST)
        if tentes:
            journal.evenement(
                "droits_refuses",
                request=request,
                identifiant=request.user.get_username(),
                champs=",".join(tentes),
                chemin=request.path,
            )
            raise PermissionDenied(REFUS_DROITS)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        self._refuser_les_droits(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        self._refuser_les_droits(request)
        return super().changelist_view(request, extra_context)

    def objet_audit(self, obj) -> str:
        return services.compte_objet_audit(obj)

    def action_audit(self, formulaire, *, creation: bool) -> str:
        if set(formulaire.changed_data) & set(CHAMPS_DROITS):
            return "Droits du compte modifiés"
        if "is_active" in formulaire.changed_data:
            return "Compte réactivé" if formulaire.cleaned_data["is_active"] else "Compte désactivé"
        return "Compte de connexion modifié"

    def objet_creer(self, request, form):
        donnees = form.cleaned_data
        utilisateur, temporaire = services.compte_famille_creer(
            famille=donnees["famille"],
            identifiant=donnees["username"],
            email=donnees.get("email", ""),
            envoyer_activation=donnees["mode"] == CompteFamilleCreationForm.MODE_COURRIEL,
            auteur=request.user,
            role=donnees["role"],
        )
        form.instance = utilisateur
        if temporaire:
            messages.warning(
                request,
                f"Mot de passe temporaire de « {utilisateur.username} » : {temporaire} — "
                "communiquez-le au parent ; il devra le changer à sa première connexion. "
                "Il ne sera plus affiché.",
            )
        else:
            messages.success(request, f"Un courriel d'activation a été envoyé à {utilisateur.email}.")
        return utilisateur

    def save_model(self, request, obj, form, change):
        if change:  # à l'ajout, `objet_creer` a tout écrit
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        self.delete_queryset(request, Utilisateur.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        for compte in queryset.select_related("famille"):
            audit_enregistrer(
                auteur=request.user,
                famille=compte.famille,
                objet=services.compte_objet_audit(compte),
                action="Compte de connexion supprimé",
            )
        super().delete_queryset(request, queryset)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            reponse = super().user_change_password(request, id, form_url)
            if request.method == "POST" and reponse.status_code == 302:
                utilisateur = self.get_object(request, unquote(id))
                if utilisateur is not None and reponse.url.endswith(
                    reverse("admin:familles_utilisateur_change", args=[utilisateur.pk])
                ):
                    services.compte_mot_de_passe_reinitialise(utilisateur=utilisateur, auteur=request.user)
        return reponse


admin.site.unregister(Group)


@admin.register(Group)
class GroupeAdmin(SuperutilisateurSeulMixin, AuditAdminMixin, GroupAdmin):
    """Les groupes portent les droits : seul un superutilisateur en crée, en modifie les
    permissions ou en supprime ; un agent peut au plus les consulter."""


# --- Dossier annuel : types de pièces, textes à accepter, réponses des familles -------------


@admin.register(TypePiece)
class TypePieceAdmin(AuditAdminMixin, admin.ModelAdmin):
    list_display = ("nom", "concerne", "condition", "sanitaire", "duree_validite_mois", "actif", "ordre")
    list_filter = ("concerne", "condition", "sanitaire", "actif")
    search_fields = ("nom",)
    fields = (
        "nom",
        "description",
        "concerne",
        "condition",
        "sanitaire",
        "duree_validite_mois",
        "actif",
        "ordre",
    )

    def has_delete_permission(self, request, obj=None):
        # Un type déjà demandé garde ses dépôts (historique) : on le désactive.
        return False


class VersionTexteInline(LignesEnRequetesConstantesMixin, admin.TabularInline):
    """Les versions publiées : en lecture seule (une modification est une nouvelle version)."""

    model = VersionTexte
    fields = ("numero", "en_vigueur_le", "contenu", "publiee_le", "publiee_par")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "versions publiées (une modification se publie comme une nouvelle version)"

    def has_add_permission(self, request, obj=None):
        return False


# Un règlement intérieur tient en quelques pages ; au-delà, une erreur de copier-coller.
TEXTE_LONGUEUR_MAX = 100_000


class TexteConsentementForm(forms.ModelForm):
    """Le texte et, à la création ou quand il change, sa nouvelle version (contenu et date)."""

    nouvelle_version = forms.CharField(
        label="Nouvelle version : contenu",
        required=False,
        max_length=TEXTE_LONGUEUR_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=(
            "À remplir pour publier une nouvelle version : les familles concernées devront la "
            "lire et y répondre de nouveau à partir de sa date."
        ),
    )
    en_vigueur_le = forms.DateField(
        label="Nouvelle version : en vigueur à partir du",
        required=False,
        widget=admin.widgets.AdminDateWidget,
    )

    class Meta:
        model = TexteConsentement
        fields = ("type", "titre", "structure", "refus_possible", "actif")

    def clean(self):
        donnees = super().clean()
        contenu = (donnees.get("nouvelle_version") or "").strip()
        if self.instance.pk is None and not contenu:
            self.add_error("nouvelle_version", "Un nouveau texte se publie avec sa première version.")
        if contenu and not donnees.get("en_vigueur_le"):
            self.add_error("en_vigueur_le", "Indiquez la date d'entrée en vigueur de la nouvelle version.")
        return donnees


@admin.register(TexteConsentement)
class TexteConsentementAdmin(AuditAdminMixin, admin.ModelAdmin):
    form = TexteConsentementForm
    list_display = ("titre", "type", "structure", "refus_possible", "actif", "version_courante")
    list_filter = ("type", "actif", "structure")
    search_fields = ("titre",)
    inlines = [VersionTexteInline]
    fields = ("type", "titre", "structure", "refus_possible", "actif", "nouvelle_version", "en_vigueur_le")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("structure").prefetch_related("versions")

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="dernière version")
    def version_courante(self, obj):
        versions = sorted(obj.versions.all(), key=lambda v: v.numero)
        if not versions:
            return "—"
        return f"{versions[-1].numero} (du {versions[-1].en_vigueur_le:%d/%m/%Y})"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        contenu = (form.cleaned_data.get("nouvelle_version") or "").strip()
        if contenu:
            services.texte_version_publier(
                texte=obj,
                contenu=contenu,
                en_vigueur_le=form.cleaned_data["en_vigueur_le"],
                agent=request.user,
            )


@admin.register(Consentement)
class ConsentementAdmin(ListePrechargeeMixin, LectureSeuleMixin, admin.ModelAdmin):
    """Les réponses des familles : qui, quand, quelle version (lecture seule, jamais modifiées)."""

    list_display = ("famille", "texte", "version_numero", "accepte", "signataire", "date")
    list_filter = ("accepte", "version__texte")
    search_fields = ("famille__numero", "famille__responsables__nom", "signataire")
    list_select_related = ("famille", "version__texte")
    list_prefetch_related = ("famille__responsables",)
    date_hierarchy = "date"
    fields = ("famille", "version", "accepte", "signataire", "utilisateur", "date")
    readonly_fields = fields

    @admin.display(description="texte", ordering="version__texte__titre")
    def texte(self, obj):
        return obj.version.texte.titre

    @admin.display(description="version", ordering="version__numero")
    def version_numero(self, obj):
        return obj.version.numero
