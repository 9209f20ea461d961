import datetime
import mimetypes
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from commun.admin_outils import (
    LIGNES_PAR_PAGE_GRANDES_TABLES,
    AutocompleteTolerantMixin,
    LectureSeuleMixin,
    LignesEnRequetesConstantesMixin,
    ListePrechargeeMixin,
    VuesPropresMixin,
)
from commun.audit import AuditAdminMixin, audit_enregistrer
from commun.fichiers import reponse_telechargement
from enfants import calendrier, listes_terrain, niveaux, selectors, services
from enfants.models import (
    Absence,
    Activite,
    Autorisations,
    Campagne,
    DonneesSanitaires,
    DossierCampagne,
    Enfant,
    Fermeture,
    Inscription,
    PersonneAutorisee,
    Presence,
    Reservation,
    Structure,
    Vaccination,
)
from enfants.planning import rang_texte
from enfants.structures_agent import filtre_structures_de_l_agent

PERMISSION_SANITAIRE = "enfants.voir_donnees_sanitaires"


def voit_sanitaire(request) -> bool:
    return request.user.has_perm(PERMISSION_SANITAIRE)


class JoursSemaineField(forms.MultipleChoiceField):
    """Les jours de la semaine en cases à cocher (« lun. », « mar. »…), rangés en chiffres
    (« 0134 ») comme dans le modèle."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, required=True, **kwargs):
        kwargs.pop("max_length", None)
        kwargs.pop("empty_value", None)
        super().__init__(
            choices=[(str(i), nom) for i, nom in enumerate(calendrier.JOURS)], required=required, **kwargs
        )

    def prepare_value(self, value):
        if isinstance(value, str):
            return list(value)
        return value

    def clean(self, value):
        return "".join(sorted(set(super().clean(value))))


AIDES_JOURS = {
    "jours_ouverture": "Les jours de la semaine où l'activité a lieu.",
    "jours_reguliers": "Contrat régulier : les jours réservés d'office, sans demande de la famille.",
}


class JoursSemaineMixin:
    """Jours d'ouverture et jours réguliers : des noms de jours, jamais des chiffres à taper."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in AIDES_JOURS:
            return JoursSemaineField(
                label=str(db_field.verbose_name).capitalize(),
                required=not db_field.blank,
                help_text=AIDES_JOURS[db_field.name],
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class NiveauxField(forms.MultipleChoiceField):
    """Les niveaux scolaires admis en cases à cocher, rangés en codes (« CP,CE1 »)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.pop("max_length", None)
        kwargs.pop("empty_value", None)
        super().__init__(choices=niveaux.NIVEAUX, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):
            return [code for code in value.split(niveaux.SEPARATEUR) if code]
        return value

    def clean(self, value):
        choisis = set(super().clean(value))
        return niveaux.SEPARATEUR.join(code for code in niveaux.CODES if code in choisis)


class CriteresAccesMixin(JoursSemaineMixin):
    """Les niveaux scolaires d'une activité : des cases, jamais des codes à taper."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "niveaux":
            return NiveauxField(label="Niveaux scolaires admis", required=False, help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ActiviteInline(LignesEnRequetesConstantesMixin, CriteresAccesMixin, admin.TabularInline):
    """Les activités de la structure en une ligne chacune : l'essentiel, et « Modification » vers
    la page de l'activité pour le reste (code de facturation, délais, niveaux, pièces et textes
    exigés, places) ; les seize champs en ligne débordaient de l'écran."""

    model = Activite
    fields = ("nom", "jours_ouverture", "periode", "capacite")
    show_change_link = True
    extra = 0


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ("nom", "type", "email", "telephone")
    inlines = [ActiviteInline]


class PersonneAutoriseeInline(LignesEnRequetesConstantesMixin, admin.TabularInline):
    model = PersonneAutorisee
    extra = 0


class AutorisationsInline(admin.StackedInline):
    model = Autorisations
    max_num = 1
    can_delete = False


class DonneesSanitairesInline(admin.StackedInline):
    """Données de santé : seulement pour les agents qui ont « voir les données sanitaires »."""

    model = DonneesSanitaires
    max_num = 1
    can_delete = False
    readonly_fields = ("date_mise_a_jour",)


class VaccinationInline(LignesEnRequetesConstantesMixin, admin.TabularInline):
    model = Vaccination
    extra = 0


class DossierAMettreAJourFiltre(admin.SimpleListFilter):
    title = "dossier"
    parameter_name = "dossier"

    def lookups(self, request, model_admin):
        return [
            ("a_mettre_a_jour", "À mettre à jour (incomplet ou santé de plus d'un an)"),
            ("a_contacter", "Famille à contacter (nouvel enfant)"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "a_mettre_a_jour":
            il_y_a_un_an = timezone.now() - datetime.timedelta(days=365)
            return queryset.filter(
                Q(autorisations__isnull=True)
                | Q(donnees_sanitaires__isnull=True)
                | Q(donnees_sanitaires__date_mise_a_jour__lt=il_y_a_un_an)
                | Q(personnes_autorisees__isnull=True)
            ).distinct()
        if self.value() == "a_contacter":
            return queryset.filter(a_contacter=True)
        return queryset


@admin.register(Enfant)
class EnfantAdmin(ListePrechargeeMixin, AutocompleteTolerantMixin, AuditAdminMixin, admin.ModelAdmin):
    list_per_page = LIGNES_PAR_PAGE_GRANDES_TABLES
    modeles_sensibles = ("enfants.DonneesSanitaires", "enfants.Vaccination")
    list_display = ("prenom", "nom", "date_naissance", "famille", "a_contacter")
    list_filter = (DossierAMettreAJourFiltre, "a_contacter")
    search_fields = ("nom", "prenom", "famille__numero")
    list_select_related = ("famille",)
    list_prefetch_related = ("famille__responsables",)
    autocomplete_fields = ("famille",)
    actions = ["marquer_contactee"]
    fieldsets = (
        (None, {"fields": ("famille", ("nom", "prenom"), "date_naissance", ("ecole", "classe"))}),
        ("Port de lunettes", {"fields": ("port_lunettes", "lunettes_precisions")}),
        ("Inscription demandée par la famille", {"fields": ("a_contacter", "souhaits_inscription")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("famille__responsables")

    def get_inlines(self, request, obj):
        inlines = [PersonneAutoriseeInline, AutorisationsInline]
        if voit_sanitaire(request):
            inlines += [DonneesSanitairesInline, VaccinationInline]
        return inlines

    def change_view(self, request, object_id, form_url="", extra_context=None):
        enfant = self.get_object(request, object_id)
        if enfant is not None and enfant.a_contacter and request.method == "GET":
            messages.warning(
                request,
                "Enfant ajouté par la famille : contactez-la pour remplir les fiches d'inscription "
                "(voir « Souhaits d'inscription »), puis décochez « famille à contacter ».",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="La famille a été contactée", permissions=["change"])
    def marquer_contactee(self, request, queryset):
        for enfant in queryset.filter(a_contacter=True):
            services.enfant_contact_fait(enfant=enfant, auteur=request.user)
        messages.success(request, "Les enfants sélectionnés ne sont plus signalés « à contacter ».")


# --- Planning : calendrier des structures, inscriptions, demandes, pointage ---


def _liste_attente_du_jour(*, activite, jour) -> list[dict]:
    """La liste d'attente d'un jour, dans l'ordre d'arrivée : places proposées (avec leur limite)
    puis demandes en attente (avec leur rang)."""
    lignes, rang = [], 0
    for reservation in (
        Reservation.objects.filter(
            inscription__activite=activite,
            date=jour,
            etat__in=[Reservation.Etat.PROPOSEE, Reservation.Etat.EN_ATTENTE],
        )
        .select_related("inscription__enfant__famille")
        .order_by("demandee_le", "pk")
    ):
        if reservation.etat == Reservation.Etat.EN_ATTENTE:
            rang += 1
            situation = f"En liste d'attente : {rang_texte(rang)}"
        else:
            limite = services.texte_limite(reservation.proposition_limite)
            situation = f"Place proposée : à accepter avant le {limite}"
        lignes.append({"reservation": reservation, "situation": situation})
    return lignes


@admin.register(Activite)
class ActiviteAdmin(VuesPropresMixin, CriteresAccesMixin, AuditAdminMixin, admin.ModelAdmin):
    list_display = (
        "nom",
        "structure",
        "jours_ouverture_libelle",
        "periode",
        "capacite",
        "acceptation_automatique",
        "lien_pointage",
    )
    list_filter = ("structure", "periode", "acceptation_automatique")
    list_select_related = ("structure",)
    search_fields = ("nom", "structure__nom")
    # Conditions d'accès à la réservation (enfants.conditions) : pièces et textes exigés.
    filter_horizontal = ("pieces_exigees", "textes_exiges")

    @admin.display(description="jours d'ouverture", ordering="jours_ouverture")
    def jours_ouverture_libelle(self, obj):
        return calendrier.jours_semaine_libelle(obj.jours_ouverture)

    @admin.display(description="Pointage")
    def lien_pointage(self, obj):
        return format_html(
            '<a href="{}">Pointer aujourd’hui</a>', reverse("admin:enfants_activite_pointage", args=[obj.pk])
        )

    vues_propres = (
        ("<int:pk>/pointage/", "pointage", "enfants_activite_pointage"),
        ("listes-du-jour/", "listes_terrain", "enfants_listes_terrain"),
        ("listes-du-jour/pdf/", "listes_terrain_pdf", "enfants_listes_terrain_pdf"),
    )

    def _listes_parametres(self, request):
        """Ce que l'agent a choisi : une activité, ou toutes celles d'une structure ; un jour, ou
        sa semaine. Seulement les structures de l'agent (toutes pour un superutilisateur) : un
        identifiant inconnu, invalide ou d'une autre structure répond 404."""
        if not request.user.has_perm(listes_terrain.PERMISSION):
            raise PermissionDenied
        try:
            jour = datetime.date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            jour = timezone.localdate()
        semaine = request.GET.get("semaine") == "1"
        activites = (
            Activite.objects.filter(filtre_structures_de_l_agent(agent=request.user))
            .select_related("structure")
            .order_by("structure__nom", "nom", "pk")
        )
        structure = activite = None
        choisies: list[Activite] = []
        if request.GET.get("activite"):
            valeur = request.GET["activite"]
            activite = get_object_or_404(activites, pk=int(valeur) if valeur.isdigit() else 0)
            choisies = [activite]
        elif request.GET.get("structure"):
            valeur = request.GET["structure"]
            structure = get_object_or_404(
                Structure.objects.filter(filtre_structures_de_l_agent(agent=request.user, champ="pk")),
                pk=int(valeur) if valeur.isdigit() else 0,
            )
            choisies = [a for a in activites if a.structure_id == structure.pk]
        return jour, semaine, structure, activite, choisies, activites

    def listes_terrain(self, request):
        """Les enfants attendus par activité, pour un jour ou une semaine (page pour tablette)."""
        jour, semaine, structure, activite, choisies, activites = self._listes_parametres(request)
        du, au = listes_terrain.periode(jour=jour, semaine=semaine)
        sante = request.user.has_perm(listes_terrain.PERMISSION_SANTE)
        listes = (
            listes_terrain.listes_calculer(activites=choisies, du=du, au=au, sante=sante) if choisies else []
        )
        toutes = list(activites)
        structures = sorted({a.structure for a in toutes}, key=lambda s: (s.nom, s.pk))
        periode = (
            f"semaine du {calendrier.date_longue(du)} au {calendrier.date_longue(au)}"
            if semaine
            else calendrier.date_longue(jour)
        )
        contexte = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Listes du jour : enfants attendus",
            "listes": listes,
            "sante": sante,
            "jour": jour,
            "semaine": semaine,
            "periode": periode,
            "structure": structure,
            "activite": activite,
            "structures": structures,
            "activites": toutes,
            "choisies": choisies,
            "sans_structure": not toutes and not request.user.is_superuser,
            "parametres_pdf": request.GET.urlencode(),
            "attendus": sum(len(liste.enfants) for liste in listes),
        }
        return TemplateResponse(request, "admin/enfants/listes_terrain.html", contexte)

    def listes_terrain_pdf(self, request):
        """Les mêmes listes en PDF A4, une page par activité et par jour."""
        jour, semaine, _structure, _activite, choisies, _activites = self._listes_parametres(request)
        if not choisies:
            raise Http404("Choisissez une structure ou une activité.")
        du, au = listes_terrain.periode(jour=jour, semaine=semaine)
        sante = request.user.has_perm(listes_terrain.PERMISSION_SANTE)
        listes = listes_terrain.listes_calculer(activites=choisies, du=du, au=au, sante=sante)
        reponse = HttpResponse(
            listes_terrain.listes_pdf(listes=listes, sante=sante), content_type="application/pdf"
        )
        reponse["Content-Disposition"] = f'inline; filename="listes-{du:%Y-%m-%d}.pdf"'
        return reponse

    def pointage(self, request, pk):
        """Le pointage d'un jour : les enfants inscrits ce jour-là (contrat régulier ou
        réservation acceptée), les absences déclarées avec leur état ; rien n'est coché d'avance
        sauf ce qui a déjà été pointé, ou « tous présents » à la demande de l'agent."""
        if not request.user.has_perm("enfants.add_presence"):
            raise PermissionDenied
        activite = get_object_or_404(Activite.objects.select_related("structure"), pk=pk)
        try:
            jour = datetime.date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            jour = timezone.localdate()
        inscrites = services.inscriptions_du_jour(activite=activite, jour=jour)
        if request.method == "POST":
            presents = {int(v) for v in request.POST.getlist("presents") if v.isdigit()}
            services.presences_pointer(
                activite=activite, jour=jour, inscriptions=inscrites, presents=presents, agent=request.user
            )
            self.message_user(
                request, f"Pointage enregistré pour le {calendrier.date_longue(jour)}.", messages.SUCCESS
            )
            return redirect(f"{request.path}?date={jour.isoformat()}")
        deja = {
            p.inscription_id: p.present
            for p in Presence.objects.filter(inscription__activite=activite, date=jour)
        }
        tous_presents = request.GET.get("tous_presents") == "1"
        lignes = []
        for inscription in inscrites:
            absence = inscription.absence
            pointe = deja.get(inscription.pk)
            if pointe is not None:
                coche = pointe  # ce qui a été enregistré
            else:
                coche = tous_presents and absence is None
            lignes.append(
                {
                    "inscription": inscription,
                    "absence": absence,
                    "situation": (
                        absence.get_etat_display()
                        if absence
                        else "Attendu (contrat régulier)"
                        if inscription.est_regulier(jour)
                        else "Attendu (réservation)"
                    ),
                    "coche": coche,
                    "deja": pointe,
                }
            )
        attendus = sum(ligne["absence"] is None for ligne in lignes)
        contexte = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Pointage — {activite.nom} — {calendrier.date_longue(jour)}",
            "activite": activite,
            "jour": jour,
            "jour_libelle": calendrier.date_longue(jour),
            "veille": jour - datetime.timedelta(days=1),
            "lendemain": jour + datetime.timedelta(days=1),
            "lignes": lignes,
            "inscrits": len(lignes),
            "attendus": attendus,
            "absents_declares": len(lignes) - attendus,
            "places": services.places_du_jour(activite=activite, jour=jour),
            "tous_presents": tous_presents,
            "raison_fermeture": services.jour_ferme_raison(activite=activite, jour=jour),
            "liste_attente": _liste_attente_du_jour(activite=activite, jour=jour),
        }
        return TemplateResponse(request, "admin/enfants/pointage.html", contexte)


@admin.register(Fermeture)
class FermetureAdmin(admin.ModelAdmin):
    list_display = ("structure", "activite", "date_debut", "date_fin", "motif", "exceptionnelle")
    list_select_related = ("structure", "activite")
    list_filter = ("structure",)
    date_hierarchy = "date_debut"


@admin.register(Inscription)
class InscriptionAdmin(JoursSemaineMixin, AutocompleteTolerantMixin, admin.ModelAdmin):
    list_per_page = LIGNES_PAR_PAGE_GRANDES_TABLES
    list_display = ("enfant", "activite", "date_debut", "date_fin", "jours_reguliers_libelle")
    list_filter = ("activite__structure", "activite")
    search_fields = ("enfant__nom", "enfant__prenom", "enfant__famille__numero")
    list_select_related = ("enfant", "activite__structure")
    autocomplete_fields = ("enfant",)

    @admin.display(description="jours réguliers", ordering="jours_reguliers")
    def jours_reguliers_libelle(self, obj):
        return calendrier.jours_semaine_libelle(obj.jours_reguliers) or "—"


class DemandeDuJourAdmin(admin.ModelAdmin):
    """Réservations et absences, en consultation : les demandes viennent des familles, les
    décisions passent par la file de modération (Demandes)."""

    list_per_page = LIGNES_PAR_PAGE_GRANDES_TABLES

    date_hierarchy = "date"
    list_select_related = ("inscription__enfant", "inscription__activite")
    search_fields = ("inscription__enfant__nom", "inscription__enfant__prenom")

    def has_add_permission(self, request):
        return False


class ListeAttenteFiltre(admin.SimpleListFilter):
    title = "liste d'attente"
    parameter_name = "liste_attente"

    def lookups(self, request, model_admin):
        return [("oui", "En liste d'attente ou place proposée")]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(etat__in=[Reservation.Etat.EN_ATTENTE, Reservation.Etat.PROPOSEE])
        return queryset


@admin.register(Reservation)
class ReservationAdmin(DemandeDuJourAdmin):
    # Table de centaines de milliers de lignes : pas de COUNT(*) de toute la table à chaque page.
    show_full_result_count = False
    list_display = (
        "date",
        "inscription",
        "etat",
        "rang_attente",
        "proposition_limite",
        "demandee_le",
        "decidee_le",
        "motif_refus",
    )
    # Pas de `date_hierarchy` : ses années (DISTINCT date_trunc) et ses bornes (MIN, MAX) se
    # calculaient sur toute la table à chaque page (issue 22) ; le filtre par date suffit.
    date_hierarchy = None
    list_filter = (ListeAttenteFiltre, "etat", "inscription__activite", "date")
    readonly_fields = (
        "inscription",
        "date",
        "places",
        "etat",
        "rang_attente",
        "proposee_le",
        "proposition_limite",
        "motif_refus",
        "demandee_le",
        "demandee_par",
        "decidee_le",
        "decidee_par",
    )
    actions = ["annuler_acceptees"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(rang=selectors.rang_en_liste_attente())

    def get_ordering(self, request):
        # Une liste d'attente se lit dans l'ordre d'arrivée, jour par jour.
        return ["-date", "inscription__activite__nom", "demandee_le", "pk"]

    @admin.display(description="rang en liste d'attente", ordering="rang")
    def rang_attente(self, obj):
        rang = getattr(obj, "rang", None)
        return rang_texte(rang) if rang else "—"

    @admin.action(
        description="Annuler les réservations acceptées sélectionnées (la place passe à la liste d'attente)",
        permissions=["change"],
    )
    def annuler_acceptees(self, request, queryset):
        annulees = 0
        for reservation in queryset.select_related("inscription__enfant__famille"):
            try:
                services.reservation_acceptee_annuler(reservation=reservation, agent=request.user)
            except ValidationError as erreur:
                self.message_user(request, f"{reservation} : {' '.join(erreur.messages)}", messages.WARNING)
                continue
            audit_enregistrer(
                auteur=request.user,
                famille=reservation.inscription.enfant.famille,
                objet=f"Réservation {reservation}",
                action="Réservation annulée par un agent (place rendue à la liste d'attente)",
            )
            annulees += 1
        if annulees:
            self.message_user(
                request,
                f"{annulees} réservation{'s' if annulees > 1 else ''} annulée{'s' if annulees > 1 else ''} : "
                "les places libérées sont proposées aux premiers des listes d'attente.",
                messages.SUCCESS,
            )

    @admin.display(description="places ce jour-là")
    def places(self, obj):
        return services.places_du_jour(activite=obj.inscription.activite, jour=obj.date).texte


@admin.register(Absence)
class AbsenceAdmin(VuesPropresMixin, DemandeDuJourAdmin):
    # Table de centaines de milliers de lignes : pas de COUNT(*) de toute la table à chaque page.
    show_full_result_count = False
    list_display = ("date", "inscription", "etat", "hors_delai", "place_reprise", "motif", "a_certificat")
    list_filter = ("etat", "hors_delai", "inscription__activite")
    readonly_fields = (
        "inscription",
        "date",
        "motif",
        "certificat_lien",
        "hors_delai",
        "etat",
        "place_reprise_le",
        "motif_refus",
        "declaree_le",
        "declaree_par",
        "decidee_le",
        "decidee_par",
    )

    @admin.display(boolean=True, description="place reprise (non facturée)", ordering="place_reprise_le")
    def place_reprise(self, obj):
        return obj.place_reprise_le is not None

    @admin.display(boolean=True, description="Certificat")
    def a_certificat(self, obj):
        return bool(obj.certificat)

    @admin.display(description="certificat médical")
    def certificat_lien(self, obj):
        if not obj.certificat:
            return "—"
        return format_html(
            '<a href="{}">Télécharger le certificat</a> (réservé aux agents habilités à voir les '
            "données sanitaires)",
            reverse("admin:enfants_absence_certificat", args=[obj.pk]),
        )

    vues_propres = (("<int:pk>/certificat/", "certificat_view", "enfants_absence_certificat"),)

    def certificat_view(self, request, pk):
        """Le certificat médical d'une absence : une donnée de santé, servie en pièce jointe aux
        seuls agents qui voient les absences ET les données sanitaires."""
        if not (
            request.user.has_perm("enfants.view_absence") and request.user.has_perm(PERMISSION_SANITAIRE)
        ):
            raise PermissionDenied
        absence = get_object_or_404(Absence, pk=pk)
        if not absence.certificat:
            raise Http404("Aucun certificat.")
        nom = f"certificat-absence-{absence.pk}{Path(absence.certificat.name).suffix.lower()}"
        return reponse_telechargement(
            absence.certificat, nom=nom, type_mime=mimetypes.guess_type(nom)[0] or "application/octet-stream"
        )


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_per_page = LIGNES_PAR_PAGE_GRANDES_TABLES
    # Table de centaines de milliers de lignes : pas de COUNT(*) de toute la table à chaque page.
    show_full_result_count = False
    list_display = ("date", "inscription", "present", "pointee_par", "pointee_le")
    list_filter = ("present", "inscription__activite", "date")
    search_fields = (
        "inscription__enfant__nom",
        "inscription__enfant__prenom",
        "inscription__enfant__famille__numero",
    )
    # Pas de `date_hierarchy` : ses années (DISTINCT date_trunc) et ses bornes (MIN, MAX) se
    # calculaient sur toute la table à chaque page (issue 22) ; le filtre par date suffit.
    list_select_related = ("inscription__enfant", "inscription__activite", "pointee_par")
    # 80 000 inscriptions et autant de comptes : pas de liste déroulante de toutes (la fiche
    # d'une présence en faisait une requête par inscription, issue 22).
    raw_id_fields = ("inscription", "pointee_par")


# --- Campagnes d'inscription ---


def etat_campagne(campagne: Campagne, maintenant: datetime.datetime) -> str:
    """« ouverte », « à venir » ou « close » (fenêtre fermée à droite, comme `est_ouverte`)."""
    if campagne.est_ouverte(maintenant):
        return "ouverte"
    return "à venir" if maintenant < campagne.ouverture else "close"


def fenetre_libelle(debut: datetime.datetime, fin: datetime.datetime) -> str:
    return f"du {calendrier.date_heure_longue(debut)} au {calendrier.date_heure_longue(fin)}"


MESSAGES_CAMPAGNE = {
    "fenetre": "La fermeture doit venir après l'ouverture.",
    "periode": "La fin de la période des inscriptions doit venir après son début.",
    "ouverture_tous": (
        "L'ouverture à tous doit tomber pendant la campagne (entre l'ouverture et la fermeture)."
    ),
    "reservation_type": "Une fenêtre de réservation ne s'ouvre que pour une campagne de vacances.",
    "reservation_deux": "Indiquez les deux dates de la fenêtre de réservation (ou aucune).",
    "reservation_ordre": "La fin de la fenêtre de réservation doit venir après son début.",
    "activites": "Choisissez au moins une activité proposée par la campagne.",
}


class CampagneForm(forms.ModelForm):
    """Une campagne cohérente : fenêtre et période ordonnées, ouverture à tous pendant la
    campagne, fenêtre de réservation seulement pour des vacances, au moins une activité."""

    class Meta:
        model = Campagne
        fields = [
            "nom",
            "type",
            "periode_debut",
            "periode_fin",
            "ouverture",
            "ouverture_tous",
            "fermeture",
            "activites",
            "pieces_requises",
            "consentements_requis",
            "reservation_ouverture",
            "reservation_fermeture",
        ]

    def clean(self):
        donnees = super().clean()
        ouverture, fermeture = donnees.get("ouverture"), donnees.get("fermeture")
        if ouverture and fermeture and fermeture <= ouverture:
            self.add_error("fermeture", MESSAGES_CAMPAGNE["fenetre"])
        debut, fin = donnees.get("periode_debut"), donnees.get("periode_fin")
        if debut and fin and fin < debut:
            self.add_error("periode_fin", MESSAGES_CAMPAGNE["periode"])
        tous = donnees.get("ouverture_tous")
        if tous and ouverture and fermeture and not (ouverture <= tous < fermeture):
            self.add_error("ouverture_tous", MESSAGES_CAMPAGNE["ouverture_tous"])
        res_debut, res_fin = donnees.get("reservation_ouverture"), donnees.get("reservation_fermeture")
        if res_debut or res_fin:
            if donnees.get("type") != Campagne.Type.VACANCES:
                self.add_error("reservation_ouverture", MESSAGES_CAMPAGNE["reservation_type"])
            elif not (res_debut and res_fin):
                champ = "reservation_fermeture" if res_debut else "reservation_ouverture"
                self.add_error(champ, MESSAGES_CAMPAGNE["reservation_deux"])
            elif res_fin <= res_debut:
                self.add_error("reservation_fermeture", MESSAGES_CAMPAGNE["reservation_ordre"])
        if "activites" in self.fields and not donnees.get("activites"):
            self.add_error("activites", MESSAGES_CAMPAGNE["activites"])
        return donnees


class CampagneOuverteFiltre(admin.SimpleListFilter):
    """Les campagnes dont la fenêtre est ouverte maintenant (la file « À traiter » y renvoie)."""

    title = "fenêtre"
    parameter_name = "fenetre"

    def lookups(self, request, model_admin):
        return [("ouverte", "Ouverte"), ("a_venir", "À venir"), ("close", "Close")]

    def queryset(self, request, queryset):
        maintenant = timezone.now()
        if self.value() == "ouverte":
            return queryset.filter(ouverture__lte=maintenant, fermeture__gt=maintenant)
        if self.value() == "a_venir":
            return queryset.filter(ouverture__gt=maintenant)
        if self.value() == "close":
            return queryset.filter(fermeture__lte=maintenant)
        return queryset


@admin.register(Campagne)
class CampagneAdmin(AuditAdminMixin, admin.ModelAdmin):
    """Les campagnes d'inscription : chaque création ou modification est au journal d'audit.
    Pas de suppression pour le groupe CCAS : une campagne passée garde ses dossiers."""

    form = CampagneForm
    list_display = ("nom", "type", "fenetre", "etat")
    list_filter = (CampagneOuverteFiltre, "type")
    search_fields = ("nom",)
    filter_horizontal = ("activites", "pieces_requises", "consentements_requis")
    fieldsets = (
        (None, {"fields": ("nom", "type", ("periode_debut", "periode_fin"))}),
        ("Fenêtre de la campagne", {"fields": (("ouverture", "fermeture"), "ouverture_tous")}),
        ("Ce que la campagne demande", {"fields": ("activites", "pieces_requises", "consentements_requis")}),
        (
            "Fenêtre de réservation (campagne de vacances)",
            {"fields": (("reservation_ouverture", "reservation_fermeture"),)},
        ),
    )

    @admin.display(description="fenêtre", ordering="ouverture")
    def fenetre(self, obj):
        return fenetre_libelle(obj.ouverture, obj.fermeture)

    @admin.display(description="état")
    def etat(self, obj):
        return etat_campagne(obj, timezone.now())


@admin.register(DossierCampagne)
class DossierCampagneAdmin(ListePrechargeeMixin, LectureSeuleMixin, admin.ModelAdmin):
    """Les dossiers des familles, en consultation : seule la famille les remplit."""

    list_display = ("famille", "campagne", "certifie_le", "signataire", "soumis_le")
    list_filter = ("campagne",)
    list_select_related = ("famille", "campagne")
    list_prefetch_related = ("famille__responsables",)
    search_fields = ("famille__numero", "famille__responsables__nom")
    readonly_fields = (
        "famille",
        "campagne",
        "certifie_le",
        "certifie_par",
        "signataire",
        "sans_inscription",
        "soumis_le",
        "soumis_par",
        "cree_le",
    )
