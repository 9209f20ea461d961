"""Les cases d'une ligne de l'agenda, rendues en Python.

Un mois compte jusqu'à 31 cases par inscription ; rendues par des balises de gabarit (conditions,
`{% url %}`, filtres de date), elles coûtaient l'essentiel du temps de la page (voir
docs/performance.md). Ici chaque case est un `format_html` : toutes les valeurs sont échappées.
"""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

_CASE_ACTION = (
    '<td class="case case-{classe}{week_end}">'
    '<a class="case-action" href="{url}" data-reserver="{reserver}" data-absence="{absence}" '
    'title="{libelle}"><span aria-hidden="true">{symbole}</span>'
    '<span class="visually-hidden">{activite}, {libelle}</span></a></td>'
)
_CASE_ETAT = (
    '<td class="case case-{classe}{week_end}">'
    '<span class="case-etat" title="{libelle}"><span aria-hidden="true">{symbole}</span>'
    '<span class="visually-hidden">{libelle}</span></span></td>'
)


def _case(case, ligne, activite: str):
    week_end = " planning-week-end" if case.jour.week_end else ""
    if not case.actionnable:
        return format_html(_CASE_ETAT, classe=case.etat.classe, week_end=week_end,
                           libelle=case.libelle, symbole=case.symbole)
    suffixe = f"?date={case.jour.date.isoformat()}"
    reserver = ligne.url_reserver + suffixe
    absence = ligne.url_absence + suffixe
    return format_html(_CASE_ACTION, classe=case.etat.classe, week_end=week_end,
                       url=absence if case.action == "absence" else reserver,
                       reserver=reserver, absence=absence, libelle=case.libelle,
                       symbole=case.symbole, activite=activite)


@register.simple_tag
def cases_agenda(ligne):
    """Les `<td>` des cases d'une ligne (`planning.Ligne`)."""
    activite = ligne.inscription.activite.nom
    return format_html_join("", "{}", ((_case(case, ligne, activite),) for case in ligne.cases))
