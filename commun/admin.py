"""Administration du noyau commun : le journal d'audit, en consultation seule."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from commun.admin_outils import LectureSeuleMixin, ListePrechargeeMixin
from commun.models import Audit


@admin.register(Audit)
class AuditAdmin(ListePrechargeeMixin, LectureSeuleMixin, admin.ModelAdmin):
    """Le journal d'audit : consultation seule."""

    # Table de centaines de milliers de lignes : pas de COUNT(*) de toute la table à chaque page.
    show_full_result_count = False
    list_display = ("date", "auteur_nom", "famille", "action", "objet", "champs_modifies")
    list_filter = ("sensible", "date")
    search_fields = ("famille__numero", "objet", "action", "auteur__username")
    list_select_related = ("auteur__responsable", "famille")
    list_prefetch_related = ("famille__responsables",)
    date_hierarchy = "date"
    fields = ("date", "auteur_nom", "famille", "objet", "action", "champs_modifies", "detail")
    readonly_fields = fields

    @admin.display(description="auteur", ordering="auteur__username")
    def auteur_nom(self, obj):
        """Le compte et, pour un parent, le responsable qu'il est (deux parents, deux comptes) ;
        un agent est nommé « agent » (il agit au guichet ou dans l'administration)."""
        auteur = obj.auteur
        if auteur is None:
            return "—"
        if auteur.famille_id is None:
            return f"{auteur.get_username()} (agent)"
        responsable = auteur.responsable
        if responsable is not None:
            return f"{auteur.get_username()} ({responsable.get_role_display()} {responsable.nom_complet})"
        return auteur.get_username()

    @admin.display(description="champs modifiés")
    def champs_modifies(self, obj):
        return ", ".join(obj.champs) or "—"

    @admin.display(description="avant → après")
    def detail(self, obj):
        if obj.sensible:
            return "Donnée sensible : les valeurs ne sont pas conservées dans le journal."
        lignes = ((champ, obj.avant.get(champ, ""), obj.apres.get(champ, "")) for champ in obj.champs)
        return format_html(
            "<table><thead><tr><th scope='col'>Champ</th><th scope='col'>Avant</th>"
            "<th scope='col'>Après</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", lignes),
        )
