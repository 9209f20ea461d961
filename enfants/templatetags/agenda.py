"""L'agenda du mois rendu en Python : l'en-tête des jours, les cases d'une ligne, la légende.

Un mois compte jusqu'à 31 cases par inscription ; rendues par des balises de gabarit (conditions,
`{% url %}`, filtres de date), elles coûtaient l'essentiel du temps de la page (voir
docs/performance.md). Ici chaque texte variable passe par `html.escape` avant d'être assemblé.
"""

import functools
from html import escape

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from enfants.planning import LEGENDE, MARQUES

register = template.Library()


def _case(case, ligne, activite: str) -> str:
    classes = f"case case-{case.etat.classe}"
    if case.jour.week_end:
        classes += " planning-week-end"
    libelle = escape(case.libelle)
    symbole = escape(case.symbole)
    if not case.actionnable:
        return (f'<td class="{classes}"><span class="case-etat" title="{libelle}">'
                f'<span aria-hidden="true">{symbole}</span>'
                f'<span class="visually-hidden">{libelle}</span></span></td>')
    suffixe = f"?date={case.jour.date.isoformat()}"
    reserver = escape(ligne.url_reserver + suffixe)
    absence = escape(ligne.url_absence + suffixe)
    url = absence if case.action == "absence" else reserver
    return (f'<td class="{classes}"><a class="case-action" href="{url}" data-reserver="{reserver}" '
            f'data-absence="{absence}" title="{libelle}"><span aria-hidden="true">{symbole}</span>'
            f'<span class="visually-hidden">{activite}, {libelle}</span></a></td>')


@register.simple_tag
def cases_agenda(ligne):
    """Les `<td>` des cases d'une ligne (`planning.Ligne`)."""
    activite = escape(ligne.inscription.activite.nom)
    html = "".join(_case(case, ligne, activite) for case in ligne.cases)
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 (chaque texte variable est échappé)


@register.simple_tag
def jours_agenda(agenda):
    """Les `<th>` des jours du mois : « Me 01 », avec la date complète et la marque (P, G, F)."""
    cellules = []
    for jour in agenda.jours:
        classes = "planning-jour planning-week-end" if jour.week_end else "planning-jour"
        marque = ""
        if jour.marque:
            marque = (f'<span class="planning-marque d-block"><abbr title="'
                      f'{escape(jour.libelle_marque)}">{escape(jour.marque)}</abbr></span>')
        cellules.append(f'<th scope="col" class="{classes}"><abbr title="{escape(jour.titre)}">'
                        f'{escape(jour.entete)}</abbr>{marque}</th>')
    return mark_safe("".join(cellules))  # noqa: S308  # nosec B308 B703 (textes échappés)


@functools.cache
def _legende() -> str:
    return render_to_string("enfants/_legende.html", {"legende": LEGENDE, "marques": MARQUES})


@register.simple_tag
def legende_agenda():
    """La légende du guide : la même pour toutes les pages, rendue une fois par processus."""
    return _legende()
