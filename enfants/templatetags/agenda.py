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

from enfants.planning import ABSENCE, ANNULER_ABSENCE, LEGENDE, MARQUES, RESERVER, EtatCase

register = template.Library()


# Les symboles (une poignée : ceux des états, P, G, F) et les libellés des cases (« mercredi 8
# avril 2015 : Réservé », les mêmes d'une famille à l'autre pour un mois), échappés une fois.
_symbole = functools.lru_cache(maxsize=64)(escape)
_libelle = functools.lru_cache(maxsize=8192)(escape)


def _case(case, activite: str) -> str:
    classes = f"case case-{case.etat.classe}"
    if case.jour.week_end:
        classes += " planning-week-end"
    libelle = _libelle(case.libelle)
    symbole = _symbole(case.symbole)
    if not case.actions:
        return (
            f'<td class="{classes}"><span class="case-etat" title="{libelle}">'
            f'<span aria-hidden="true">{symbole}</span>'
            f'<span class="visually-hidden">{libelle}</span></span></td>'
        )
    # Sans JavaScript, le lien mène à la première action ; le menu du jour les offre toutes.
    urls = [(action, escape(url)) for action, url in case.actions.items()]
    donnees = "".join(f' data-{action}="{url}"' for action, url in urls)
    url = urls[0][1]
    return (
        f'<td class="{classes}"><a class="case-action" href="{url}"{donnees} '
        f'title="{libelle}"><span aria-hidden="true">{symbole}</span>'
        f'<span class="visually-hidden">{activite}, {libelle}</span></a></td>'
    )


@register.simple_tag
def cases_agenda(ligne):
    """Les `<td>` des cases d'une ligne (`planning.Ligne`)."""
    activite = escape(ligne.inscription.activite.nom)
    html = "".join(_case(case, activite) for case in ligne.cases)
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 (chaque texte variable est échappé)


# Les textes fixes des états, échappés une fois par processus.
_ETATS = {etat: escape(etat.libelle) for etat in EtatCase}


@functools.lru_cache(maxsize=512)
def _jour_textes(titre: str, nom: str, marque: str) -> tuple[str, str, str]:
    """Les textes d'un jour, échappés une fois (ils reviennent à chaque ligne du mois)."""
    return escape(titre), escape(nom), escape(marque)


def _jour_mobile(case) -> str:
    """Un jour de la vue téléphone : la date, l'état en toutes lettres, l'action à portée de
    doigt (case à cocher pour réserver, lien pour déclarer ou annuler une absence)."""
    jour = case.jour
    titre, date, marque = _jour_textes(jour.titre, jour.nom, jour.libelle_marque)
    etat = _ETATS[case.etat]
    if case.etat is EtatCase.FERIE and marque:
        etat += f" ({marque})"
    etat_html = (
        f'<span class="jour-mobile-etat"><span class="case-symbole '
        f'case-{case.etat.classe}" aria-hidden="true">{_symbole(case.symbole)}</span> '
        f"{etat}</span>"
    )
    classes = f"jour-mobile case-{case.etat.classe}"
    texte = f'<span class="jour-mobile-texte"><span class="jour-mobile-date">{date}</span> {etat_html}</span>'
    if RESERVER in case.actions:
        return (
            f'<li class="{classes}"><label class="jour-mobile-ligne">'
            f'<input class="form-check-input" type="checkbox" name="jours" '
            f'value="{jour.date.isoformat()}">{texte}</label></li>'
        )
    boutons = ""
    if ABSENCE in case.actions:
        boutons = (
            f'<a class="btn btn-outline-primary jour-mobile-action" '
            f'href="{escape(case.actions[ABSENCE])}">Déclarer une absence'
            f'<span class="visually-hidden"> le {titre}</span></a>'
        )
    elif ANNULER_ABSENCE in case.actions:
        boutons = (
            f'<a class="btn btn-outline-danger jour-mobile-action" '
            f'href="{escape(case.actions[ANNULER_ABSENCE])}">Annuler l\'absence'
            f'<span class="visually-hidden"> du {titre}</span></a>'
        )
    return f'<li class="{classes}"><div class="jour-mobile-ligne">{texte}{boutons}</div></li>'


def jours_mobile(ligne) -> str:
    """Les jours d'une activité dans la vue téléphone : ceux où elle a lieu (les autres ne
    sont pas listés : la liste reste courte)."""
    return "".join(
        _jour_mobile(case)
        for case in ligne.cases
        if case.ouverte and case.etat is not EtatCase.HORS_INSCRIPTION
    )


def _pluriel(n: int) -> str:
    return "s" if n > 1 else ""


@register.simple_tag(takes_context=True)
def activite_mobile(context, ligne, agenda, ouverte):
    """Une activité dans la vue téléphone : un volet (un seul ouvert à la fois), ses jours, et
    le formulaire « Réserver les jours cochés » s'il reste un jour à réserver. Rendu en Python
    comme les cases de la grille (le gabarit coûtait autant que tout le reste de la page)."""
    inscription = ligne.inscription
    pk = inscription.pk
    activite = escape(inscription.activite.nom)
    mois = escape(agenda.libelle.lower())
    premier = agenda.jours[0].date.isoformat()
    n, demandes = ligne.jours_reserves, ligne.demandes_en_cours
    resume = f"{n} jour{_pluriel(n)} réservé{_pluriel(n)} en {mois}"
    if demandes:
        resume += f", {demandes} demande{_pluriel(demandes)} en cours"
    html = [
        f'<details class="activite-mobile" name="planning-activite" id="activite-{pk}"'
        f"{' open' if pk == ouverte else ''}><summary>"
        f'<span class="activite-mobile-structure">{escape(inscription.activite.structure.nom)}'
        f'</span> <span class="activite-mobile-nom">{activite}</span> '
        f'<span class="activite-mobile-resume">{resume}</span></summary>'
    ]
    jours = f'<ul class="jours-mobile">{jours_mobile(ligne)}</ul>'
    if not ligne.jours_ouverts:
        html.append("<p>Pas d'accueil ce mois-ci pour cette activité.</p>")
    elif ligne.a_reserver:
        jeton = escape(str(context.get("csrf_token", "")))
        html.append(
            f'<form method="post" action="{escape(ligne.url_jours)}" '
            f'class="jours-mobile-formulaire">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{jeton}">'
            f'<input type="hidden" name="mois" value="{premier}">'
            f'<fieldset><legend class="visually-hidden">Jours de {mois} — {activite}</legend>'
            f'{jours}</fieldset><div class="jours-mobile-envoi"><div class="form-check">'
            f'<input class="form-check-input" type="checkbox" name="liste_attente" value="on" '
            f'id="attente-{pk}"><label class="form-check-label" for="attente-{pk}">Si c\'est '
            f"complet, m'inscrire sur la liste d'attente</label></div>"
            f'<button type="submit" class="btn btn-primary">Réserver les jours cochés'
            f'<span class="visually-hidden"> — {activite}</span></button></div></form>'
        )
    else:
        html.append(jours)
    html.append(
        f'<p class="mb-0"><a href="{escape(ligne.url_periode)}?date={premier}">Réserver '
        f'une période<span class="visually-hidden"> — {activite}</span></a></p></details>'
    )
    return mark_safe("".join(html))  # noqa: S308  # nosec B308 B703 (textes variables échappés)


@register.simple_tag
def jours_agenda(agenda):
    """Les `<th>` des jours du mois : « Me 01 », avec la date complète et la marque (P, G, F)."""
    cellules = []
    for jour in agenda.jours:
        classes = "planning-jour planning-week-end" if jour.week_end else "planning-jour"
        marque = ""
        if jour.marque:
            marque = (
                f'<span class="planning-marque d-block"><abbr title="'
                f'{escape(jour.libelle_marque)}">{escape(jour.marque)}</abbr></span>'
            )
        cellules.append(
            f'<th scope="col" class="{classes}"><abbr title="{escape(jour.titre)}">'
            f"{escape(jour.entete)}</abbr>{marque}</th>"
        )
    return mark_safe("".join(cellules))  # noqa: S308  # nosec B308 B703 (textes échappés)


@functools.cache
def _legende(repliee: bool) -> str:
    return render_to_string(
        "enfants/_legende.html", {"legende": LEGENDE, "marques": MARQUES, "repliee": repliee}
    )


@register.simple_tag
def legende_agenda(repliee=False):
    """La légende du guide : la même pour toutes les pages, rendue une fois par processus ;
    `repliee` : derrière un bouton « Légende » (vue téléphone)."""
    return _legende(bool(repliee))
