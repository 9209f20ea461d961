"""La file de modération des demandes, dans l'administration."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from commun.admin_outils import (
    LIGNES_PAR_PAGE_GRANDES_TABLES,
    ListePrechargeeMixin,
    VuesPropresMixin,
    en_attente_d_abord,
)
from demandes import inscriptions, registre, selectors, services
from demandes.admin_guichet import GuichetAdminMixin
from demandes.models import Demande
from enfants.planning import rang_texte
from familles import comptes

MESSAGE_REFUSEE = "Demande n° {pk} refusée."
MESSAGE_LISTE_ATTENTE = (
    "Demande n° {pk} : l'activité est complète, la demande est en liste d'attente ({position})."
)
MESSAGE_FICHE_MODIFIEE = (
    "Attention : la fiche a changé depuis la demande (valeurs signalées ci-dessous). "
    "Vérifiez avant d'accepter."
)


class TypeFiltre(admin.SimpleListFilter):
    title = "type"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(t.code, f"{registre.COTES[t.cote]} — {t.libelle}") for t in registre.types()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(type=self.value())
        return queryset


class ActiviteFiltre(admin.SimpleListFilter):
    """Les demandes d'inscription d'une activité : sa file, à accepter en masse selon les places
    (avec le filtre « statut », la liste d'attente dans l'ordre d'arrivée)."""

    title = "activité demandée"
    parameter_name = "activite"

    def lookups(self, request, model_admin):
        from enfants.models import Activite

        demandees = Demande.objects.filter(type=selectors.CODE_INSCRIPTION).values_list(
            "donnees__activite", flat=True
        )
        activites = Activite.objects.filter(pk__in={pk for pk in demandees if isinstance(pk, int)})
        return [(str(a.pk), f"{a.structure.nom} — {a.nom}") for a in activites.select_related("structure")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(type=selectors.CODE_INSCRIPTION, donnees__activite=int(self.value()))
        return queryset


class MotifRefusForm(forms.Form):
    motif = forms.CharField(
        label="Motif du refus (communiqué à la famille)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.MOTIF_LONGUEUR_MAX,
        error_messages={"required": services.MESSAGE_MOTIF_REQUIS},
    )


def comparaison(demande: Demande, utilisateur) -> tuple[list[dict], bool]:
    """Champ par champ : valeur au moment de la demande, valeur actuelle, valeur demandée."""
    type_ = demande.type_demande
    if type_.sensible and not services.peut_voir_sanitaire(utilisateur):
        return [], False
    libelles = type_.libelles()
    actuels = {}
    if not type_.creation:
        actuels = registre.textes_actuels(
            type_, famille=demande.famille, enfant=demande.enfant, champs=list(demande.apres)
        )
    lignes, perimee = [], False
    for nom, demande_texte in demande.apres.items():
        avant = demande.avant.get(nom, "")
        actuel = actuels.get(nom, "")
        change = not type_.creation and demande.statut == Demande.Statut.EN_ATTENTE and actuel != avant
        perimee = perimee or change
        lignes.append(
            {
                "libelle": libelles.get(nom, nom),
                "avant": avant,
                "actuel": actuel,
                "demande": demande_texte,
                "change": change,
            }
        )
    return lignes, perimee


@admin.register(Demande)
class DemandeAdmin(GuichetAdminMixin, ListePrechargeeMixin, VuesPropresMixin, admin.ModelAdmin):
    # Table de centaines de milliers de lignes : pas de COUNT(*) de toute la table à chaque page.
    show_full_result_count = False
    # 50 lignes par page (100 par défaut) : le rendu de chaque ligne (liens qui gardent les
    # filtres, famille et responsables) faisait plus de la moitié du temps de la page (issue 22).
    list_per_page = LIGNES_PAR_PAGE_GRANDES_TABLES
    list_display = (
        "numero",
        "type_libelle",
        "famille",
        "enfant",
        "statut",
        "position_attente",
        "cree_le",
        "decide_le",
        "decide_par",
    )
    list_display_links = ("numero", "type_libelle")
    list_filter = (TypeFiltre, "statut", ActiviteFiltre, "cree_le")
    search_fields = (
        "famille__numero",
        "famille__responsables__nom",
        "famille__responsables__prenom",
        "enfant__prenom",
        "enfant__nom",
    )
    list_select_related = ("famille", "enfant", "decide_par")
    list_prefetch_related = ("famille__responsables",)
    # Pas de `date_hierarchy` : ses années (DISTINCT date_trunc) et ses bornes (MIN, MAX) se
    # calculaient sur toute la table à chaque page (issue 22) ; le filtre par date suffit.
    actions = ["accepter_selection", "refuser_selection"]
    fields = (
        "type_libelle",
        "famille",
        "enfant",
        "statut",
        "cree_le",
        "cree_par_nom",
        "comparaison_html",
        "informations_html",
        "decide_le",
        "decide_par",
        "motif",
    )
    readonly_fields = fields
    change_form_template = "admin/demandes/demande/change_form.html"

    # Au-delà, les identifiants des familles (ou des enfants) trouvés passent en sous-requête.
    # En liste, le planificateur sait combien de familles il cherche et lit la première page
    # par l'index de l'ordre de la liste ; en sous-requête (« BERNARD » : 1 074 familles), il
    # triait les 5 400 demandes trouvées (36 → 1 ms, docs/performance.md, issue 22).
    IDS_EN_LISTE_MAX = 5000

    def get_search_results(self, request, queryset, search_term):
        """Un N° Famille exact : les demandes de cette famille (par index). Sinon, chaque mot est
        cherché dans les familles (N°, noms et prénoms des responsables) et les enfants, lus dans
        leurs petites tables, puis les demandes filtrées sur leurs identifiants : la recherche de
        Django joignait les responsables à toutes les demandes (DISTINCT sur 50 000 lignes au
        volume d'une vraie ville, issue 22). Mêmes résultats que `search_fields`."""
        from django.db.models import F, Q
        from django.utils.text import smart_split, unescape_string_literal

        from commun.expressions import DansTableau
        from enfants.models import Enfant
        from familles.models import Famille, Responsable

        terme = search_term.strip()
        if not terme:
            return queryset, False
        famille = Famille.objects.filter(numero=terme).values_list("pk", flat=True).first()
        if famille is not None:
            return queryset.filter(famille_id=famille), False

        def dans(colonne, identifiants):
            # Une liste : un seul tableau lié (`= ANY`), pas un paramètre par identifiant.
            if isinstance(identifiants, list):
                return Q(DansTableau(F(colonne), identifiants))
            return Q(**{f"{colonne}__in": identifiants})

        def ids(lignes, *, sous_requete):
            # `lignes` : des identifiants d'une seule table chacune, sans tri (l'ordre par défaut
            # des enfants joignait les familles pour rien). Trop nombreux : `sous_requete`.
            premiers = list(lignes[: self.IDS_EN_LISTE_MAX + 1])
            return premiers if len(premiers) <= self.IDS_EN_LISTE_MAX else sous_requete

        for mot in smart_split(terme):
            if mot.startswith(('"', "'")) and mot[0] == mot[-1]:
                mot = unescape_string_literal(mot)
            # Les N° Famille et les responsables en UNION : chaque côté lit son index trigrammes
            # (un OU avec la sous-requête des responsables balayait les familles).
            numeros = Famille.objects.filter(numero__icontains=mot).order_by().values_list("pk", flat=True)
            responsables = (
                Responsable.objects.filter(Q(nom__icontains=mot) | Q(prenom__icontains=mot))
                .order_by()
                .values_list("famille_id", flat=True)
            )
            familles = ids(
                numeros.union(responsables).order_by(),
                sous_requete=Famille.objects.filter(Q(numero__icontains=mot) | Q(pk__in=responsables)),
            )
            enfants = (
                Enfant.objects.filter(Q(nom__icontains=mot) | Q(prenom__icontains=mot))
                .order_by()
                .values_list("pk", flat=True)
            )
            enfants = ids(enfants, sous_requete=enfants)
            queryset = queryset.filter(dans("famille_id", familles) | dans("enfant_id", enfants))
        return queryset, False

    def get_ordering(self, request):
        # Les demandes en attente d'abord, les plus anciennes en tête (premier arrivé, premier servi).
        return en_attente_d_abord(statut="statut", en_attente=Demande.Statut.EN_ATTENTE, arrivee="cree_le")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("famille", "enfant", "decide_par", "cree_par__responsable")
            .prefetch_related("famille__responsables")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changelist_instance(self, request):
        # Les positions en liste d'attente de toute la page : une requête (aucune sans demande
        # en liste), posées sur les lignes déjà lues (jamais une requête par ligne).
        changelist = super().get_changelist_instance(request)
        lignes = list(changelist.result_list)
        positions = selectors.positions_en_liste_attente(demandes=lignes)
        for demande in lignes:
            demande._position_attente = positions.get(demande.pk)
        return changelist

    @admin.display(description="liste d'attente")
    def position_attente(self, obj):
        position = getattr(obj, "_position_attente", None)
        return rang_texte(position) if position else "—"

    @admin.display(description="demandée par")
    def cree_par_nom(self, obj):
        """Le compte et le responsable qui a fait la demande (deux parents, deux comptes), ou
        l'agent qui l'a faite au guichet."""
        compte = obj.cree_par
        if compte is None:
            return "—"
        if comptes.est_agent(compte):
            return f"{compte.get_username()} (agent, au guichet)"
        return f"{compte.get_username()} ({comptes.auteur_nom(compte)})"

    @admin.display(description="n°", ordering="pk")
    def numero(self, obj):
        return obj.pk

    @admin.display(description="type", ordering="type")
    def type_libelle(self, obj):
        return registre.libelle(obj.type)

    @admin.display(description="modifications demandées")
    def comparaison_html(self, obj):
        type_ = obj.type_demande
        utilisateur = getattr(obj, "_utilisateur", None)
        if type_.sensible and not services.peut_voir_sanitaire(utilisateur):
            return registre.TEXTE_MASQUE_SANITAIRE
        lignes, _perimee = comparaison(obj, utilisateur)
        corps = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}{}</td><td><strong>{}</strong></td></tr>",
            (
                (
                    ligne["libelle"],
                    ligne["avant"] or "—",
                    ligne["actuel"] or "—",
                    " ⚠ modifiée depuis la demande" if ligne["change"] else "",
                    ligne["demande"] or "—",
                )
                for ligne in lignes
            ),
        )
        return format_html(
            "<table class='comparaison-demande'><thead><tr><th scope='col'>Champ</th>"
            "<th scope='col'>Au moment de la demande</th><th scope='col'>Valeur actuelle</th>"
            "<th scope='col'>Valeur demandée</th></tr></thead><tbody>{}</tbody></table>",
            corps,
        )

    @admin.display(description="pour décider")
    def informations_html(self, obj):
        informations = obj.type_demande.informations
        lignes = informations(obj) if informations else []
        if not lignes:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join("", "<li><strong>{}</strong> : {}</li>", lignes))

    def get_object(self, request, object_id, from_field=None):
        demande = super().get_object(request, object_id, from_field)
        if demande is not None:
            # Ce que l'agent peut voir (données sanitaires) dépend de lui : porté par l'objet.
            demande._utilisateur = request.user
        return demande

    def change_view(self, request, object_id, form_url="", extra_context=None):
        demande = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if demande is not None:
            _lignes, perimee = comparaison(demande, request.user)
            if perimee and request.method == "GET":
                messages.warning(request, MESSAGE_FICHE_MODIFIEE)
            extra_context.update(
                {
                    "en_attente": demande.statut == Demande.Statut.EN_ATTENTE,
                    "refusable": demande.statut in services.STATUTS_REFUSABLES,
                    "peut_decider": self.has_change_permission(request, demande)
                    and (not demande.type_demande.sensible or services.peut_voir_sanitaire(request.user)),
                    "url_accepter": reverse("admin:demandes_demande_accepter", args=[demande.pk]),
                    "url_refuser": reverse("admin:demandes_demande_refuser", args=[demande.pk]),
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)

    vues_propres = (
        ("<int:pk>/accepter/", "vue_accepter", "demandes_demande_accepter"),
        ("<int:pk>/refuser/", "vue_refuser", "demandes_demande_refuser"),
        *GuichetAdminMixin.vues_guichet,
    )

    def _url_detail(self, pk):
        return reverse("admin:demandes_demande_change", args=[pk])

    def _decider(self, request, demande, operation, **kwargs) -> bool:
        try:
            operation(demande=demande, agent=request.user, **kwargs)
        except (services.DemandeErreur, PermissionDenied) as erreur:
            messages.error(request, f"Demande n° {demande.pk} : {getattr(erreur, 'message', erreur)}")
            return False
        return True

    def vue_accepter(self, request, pk):
        return require_POST(self._vue_accepter)(request, pk)

    def _vue_accepter(self, request, pk):
        demande = get_object_or_404(Demande, pk=pk)
        if not self.has_change_permission(request, demande):
            raise PermissionDenied
        if self._decider(request, demande, services.demande_accepter):
            demande.refresh_from_db(fields=["statut"])
            if demande.statut == Demande.Statut.LISTE_ATTENTE:
                position = selectors.position_en_liste_attente(demande=demande)
                messages.warning(
                    request,
                    MESSAGE_LISTE_ATTENTE.format(pk=demande.pk, position=selectors.position_texte(position)),
                )
            else:
                messages.success(request, demande.type_demande.message_acceptee.format(pk=demande.pk))
            return HttpResponseRedirect(reverse("admin:demandes_demande_changelist"))
        return HttpResponseRedirect(self._url_detail(pk))

    def vue_refuser(self, request, pk):
        demande = get_object_or_404(Demande, pk=pk)
        if not self.has_change_permission(request, demande):
            raise PermissionDenied
        formulaire = MotifRefusForm(request.POST or None)
        if request.method == "POST" and formulaire.is_valid():
            if self._decider(
                request, demande, services.demande_refuser, motif=formulaire.cleaned_data["motif"]
            ):
                messages.success(request, MESSAGE_REFUSEE.format(pk=demande.pk))
                return HttpResponseRedirect(reverse("admin:demandes_demande_changelist"))
            return HttpResponseRedirect(self._url_detail(pk))
        return TemplateResponse(
            request,
            "admin/demandes/demande/refuser.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Refuser la demande n° {demande.pk}",
                "opts": self.model._meta,
                "demandes": [demande],
                "form": formulaire,
                "action_url": reverse("admin:demandes_demande_refuser", args=[pk]),
            },
        )

    @admin.action(
        description="Accepter les demandes sélectionnées (dans l'ordre d'arrivée, selon les places)",
        permissions=["change"],
    )
    def accepter_selection(self, request, queryset):
        # Dans l'ordre d'arrivée : une demande d'inscription arrivée plus tôt passe avant, et
        # celles qui ne trouvent plus de place vont en liste d'attente, à leur position.
        bilan = inscriptions.demandes_accepter_en_masse(
            demandes=list(queryset),
            agent=request.user,
            erreur=lambda demande, message: messages.error(request, f"Demande n° {demande.pk} : {message}"),
        )
        if bilan.en_liste_attente:
            messages.warning(request, bilan.texte)
        elif bilan.acceptees:
            messages.success(request, f"{bilan.acceptees} demande(s) acceptée(s).")

    @admin.action(description="Refuser les demandes sélectionnées (avec un motif)", permissions=["change"])
    def refuser_selection(self, request, queryset):
        formulaire = MotifRefusForm(request.POST if "motif_confirme" in request.POST else None)
        if formulaire.is_bound and formulaire.is_valid():
            refusees = sum(
                self._decider(
                    request, demande, services.demande_refuser, motif=formulaire.cleaned_data["motif"]
                )
                for demande in queryset
            )
            if refusees:
                messages.success(request, f"{refusees} demande(s) refusée(s).")
            return None
        return TemplateResponse(
            request,
            "admin/demandes/demande/refuser.html",
            {
                **self.admin_site.each_context(request),
                "title": "Refuser les demandes sélectionnées",
                "opts": self.model._meta,
                "demandes": list(queryset),
                "form": formulaire,
                "action": "refuser_selection",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


# La file de vérification des pièces justificatives (modèle de familles, décision ici), et le
# tableau de bord des campagnes d'inscription (il lit les demandes d'inscription).
from demandes import admin_campagnes, admin_pieces  # noqa: E402, F401
