"""L'agenda du mois rendu en Python : l'en-tête des jours, les cases d'une ligne, la légende.

Un mois compte jusqu'à 31 cases par inscription ; rendues par des balises de gabarit (conditions,
`{% url %}`, filtres de date), elles coûtaient l'essentiel du temps de la page (voir
docs/performance.md). Ici chaque cellule est assemblée par `format_html` / `format_html_join`
(comme `items_for_result` de l'administration de Django) : tout texte variable y est échappé,
seuls les morceaux déjà sûrs passent tels quels. tests/test_enfants_planning_rendu.py fige le
rendu d'une ligne.
"""

import functools

from django import template
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

from enfants.planning import ABSENCE, ANNULER_ABSENCE, LEGENDE, MARQUES, PROPOSITION, RESERVER, EtatCase

register = template.Library()


# Les symboles (une poignée : ceux des états, P, G, F) et les libellés des cases (« mercredi 8
# avril 2015 : Réservé », les mêmes d'une famille à l'autre pour un mois), échappés une fois :
# `format_html` ne réchappe pas un texte déjà sûr.
_symbole = functools.lru_cache(maxsize=64)(conditional_escape)
_libelle = functools.lru_cache(maxsize=8192)(conditional_escape)

_CASE = (
    '<td class="{}"><span class="case-etat" title="{}"><span aria-hidden="true">{}</span>'
    '<span class="visually-hidden">{}</span></span></td>'
)
# Sans JavaScript, le lien mène à la première action ; le menu du jour les offre toutes.
_CASE_ACTION = (
    '<td class="{}"><a class="case-action" href="{}"{} title="{}"><span aria-hidden="true">{}</span>'
    '<span class="visually-hidden">{}, {}</span></a></td>'
)


@functools.lru_cache(maxsize=8192)
def _case_sans_action(classes: str, libelle: str, symbole: str):
    """Une case sans action ne dépend que de ses textes : la même d'une famille à l'autre pour
    un mois (jours passés, fermetures, jours sans accueil), rendue une fois par processus."""
    libelle = _libelle(libelle)
    return format_html(_CASE, classes, libelle, symbole, libelle)


def _case(case, activite):
    classes = f"case case-{case.etat.classe}"
    if case.jour.week_end:
        classes += " planning-week-end"
    if not case.actions:
        return _case_sans_action(classes, case.libelle, case.symbole)
    libelle = _libelle(case.libelle)
    symbole = _symbole(case.symbole)
    donnees = format_html_join("", ' data-{}="{}"', case.actions.items())
    url = next(iter(case.actions.values()))
    return format_html(_CASE_ACTION, classes, url, donnees, libelle, symbole, activite, libelle)


def _a_la_suite(morceaux: list):
    """Des morceaux déjà rendus par `format_html`, mis bout à bout (un seul appel : ils ne sont
    pas réchappés)."""
    return format_html("{}" * len(morceaux), *morceaux) if morceaux else ""


@register.simple_tag
def cases_agenda(ligne):
    """Les `<td>` des cases d'une ligne (`planning.Ligne`)."""
    activite = conditional_escape(ligne.inscription.activite.nom)
    return _a_la_suite([_case(case, activite) for case in ligne.cases])


# Les textes fixes des états, échappés une fois par processus.
_ETATS = {etat: conditional_escape(etat.libelle) for etat in EtatCase}


@functools.lru_cache(maxsize=512)
def _jour_textes(titre: str, nom: str, marque: str) -> tuple[str, str, str]:
    """Les textes d'un jour, échappés une fois (ils reviennent à chaque ligne du mois)."""
    return conditional_escape(titre), conditional_escape(nom), conditional_escape(marque)


_ETAT_MOBILE = (
    '<span class="jour-mobile-etat"><span class="case-symbole case-{}" aria-hidden="true">{}</span> {}</span>'
)
_TEXTE_MOBILE = '<span class="jour-mobile-texte"><span class="jour-mobile-date">{}</span> {}</span>'
_A_RESERVER_MOBILE = (
    '<li class="{}"><label class="jour-mobile-ligne"><input class="form-check-input" type="checkbox" '
    'name="jours" value="{}">{}</label></li>'
)
_ABSENCE_MOBILE = (
    '<a class="btn btn-outline-primary jour-mobile-action" href="{}">Déclarer une absence'
    '<span class="visually-hidden"> le {}</span></a>'
)
_PROPOSITION_MOBILE = (
    '<a class="btn btn-primary jour-mobile-action" href="{}">Accepter ou refuser la place'
    '<span class="visually-hidden"> du {}</span></a>'
)
_ANNULER_MOBILE = (
    '<a class="btn btn-outline-danger jour-mobile-action" href="{}">Annuler l\'absence'
    '<span class="visually-hidden"> du {}</span></a>'
)


def _jour_mobile(case):
    """Un jour de la vue téléphone : la date, l'état en toutes lettres, l'action à portée de
    doigt (case à cocher pour réserver, lien pour déclarer ou annuler une absence)."""
    jour = case.jour
    textes = (jour.titre, jour.nom, jour.libelle_marque, jour.date.isoformat(), case.precision)
    if not case.actions:
        return _jour_mobile_sans_action(textes, case.etat, case.symbole)
    return _jour_mobile_rendu(textes, case.etat, case.symbole, case.actions)


@functools.lru_cache(maxsize=8192)
def _jour_mobile_sans_action(textes, etat, symbole):
    """Sans action, un jour ne dépend que de ses textes et de son état : rendu une fois par
    processus."""
    return _jour_mobile_rendu(textes, etat, symbole, {})


def _jour_mobile_rendu(textes, etat_case, symbole, actions):
    titre, date, marque = _jour_textes(*textes[:3])
    iso = textes[3]
    etat = _ETATS[etat_case]
    if etat_case is EtatCase.FERIE and marque:
        etat = format_html("{} ({})", etat, marque)
    if textes[4]:  # rang en liste d'attente, limite d'une place proposée, place reprise
        etat = format_html("{} — {}", etat, textes[4])
    etat_html = format_html(_ETAT_MOBILE, etat_case.classe, _symbole(symbole), etat)
    classes = f"jour-mobile case-{etat_case.classe}"
    texte = format_html(_TEXTE_MOBILE, date, etat_html)
    if RESERVER in actions:
        return format_html(_A_RESERVER_MOBILE, classes, iso, texte)
    boutons = ""
    if ABSENCE in actions:
        boutons = format_html(_ABSENCE_MOBILE, actions[ABSENCE], titre)
    elif ANNULER_ABSENCE in actions:
        boutons = format_html(_ANNULER_MOBILE, actions[ANNULER_ABSENCE], titre)
    elif PROPOSITION in actions:
        boutons = format_html(_PROPOSITION_MOBILE, actions[PROPOSITION], titre)
    return format_html(
        '<li class="{}"><div class="jour-mobile-ligne">{}{}</div></li>', classes, texte, boutons
    )


def jours_mobile(ligne):
    """Les jours d'une activité dans la vue téléphone : ceux où elle a lieu (les autres ne
    sont pas listés : la liste reste courte)."""
    return _a_la_suite(
        [
            _jour_mobile(case)
            for case in ligne.cases
            if case.ouverte and case.etat is not EtatCase.HORS_INSCRIPTION
        ]
    )


def _pluriel(n: int) -> str:
    return "s" if n > 1 else ""


_PAS_D_ACCUEIL = SafeString("<p>Pas d'accueil ce mois-ci pour cette activité.</p>")  # texte fixe
_VOLET = (
    '<details class="activite-mobile" name="planning-activite" id="activite-{}"{}><summary>'
    '<span class="activite-mobile-structure">{}</span> <span class="activite-mobile-nom">{}</span> '
    '<span class="activite-mobile-resume">{}</span></summary>{}{}</details>'
)
_LIEN_PERIODE = (
    '<p class="mb-0"><a href="{}?date={}">Réserver une période<span class="visually-hidden"> — {}</span>'
    "</a></p>"
)
_FORMULAIRE = (
    '<form method="post" action="{}" class="jours-mobile-formulaire">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    '<input type="hidden" name="mois" value="{}">'
    '<fieldset><legend class="visually-hidden">Jours de {} — {}</legend>{}</fieldset>'
    '<div class="jours-mobile-envoi"><div class="form-check">'
    '<input class="form-check-input" type="checkbox" name="liste_attente" value="on" id="attente-{}">'
    '<label class="form-check-label" for="attente-{}">Si c\'est complet, m\'inscrire sur la liste '
    "d'attente</label></div>"
    '<button type="submit" class="btn btn-primary">Réserver les jours cochés'
    '<span class="visually-hidden"> — {}</span></button></div></form>'
)


@register.simple_tag(takes_context=True)
def activite_mobile(context, ligne, agenda, ouverte):
    """Une activité dans la vue téléphone : un volet (un seul ouvert à la fois), ses jours, et
    le formulaire « Réserver les jours cochés » s'il reste un jour à réserver. Rendu en Python
    comme les cases de la grille (le gabarit coûtait autant que tout le reste de la page)."""
    inscription = ligne.inscription
    pk = inscription.pk
    activite = conditional_escape(inscription.activite.nom)
    mois = agenda.libelle.lower()
    premier = agenda.jours[0].date.isoformat()
    n, demandes = ligne.jours_reserves, ligne.demandes_en_cours
    resume = f"{n} jour{_pluriel(n)} réservé{_pluriel(n)} en {mois}"
    if demandes:
        resume += f", {demandes} demande{_pluriel(demandes)} en cours"
    jours = format_html('<ul class="jours-mobile">{}</ul>', jours_mobile(ligne))
    if not ligne.jours_ouverts:
        contenu = _PAS_D_ACCUEIL
    elif ligne.a_reserver:
        jeton = context.get("csrf_token", "")
        contenu = format_html(
            _FORMULAIRE, ligne.url_jours, str(jeton), premier, mois, activite, jours, pk, pk, activite
        )
    else:
        contenu = jours
    return format_html(
        _VOLET,
        pk,
        " open" if pk == ouverte else "",
        inscription.activite.structure.nom,
        activite,
        resume,
        contenu,
        # Sans lien pour un compte privé de réservations (planning en lecture seule).
        format_html(_LIEN_PERIODE, ligne.url_periode, premier, activite) if ligne.url_periode else "",
    )


_JOUR = '<th scope="col" class="{}"><abbr title="{}">{}</abbr>{}</th>'
_MARQUE = '<span class="planning-marque d-block"><abbr title="{}">{}</abbr></span>'


@functools.lru_cache(maxsize=64)
def _jours(jours: tuple):
    """L'en-tête d'un mois ne dépend que de ses jours (les mêmes pour toutes les familles) :
    rendu une fois par processus et par mois."""
    cellules = []
    for titre, entete, marque, libelle_marque, week_end in jours:
        classes = "planning-jour planning-week-end" if week_end else "planning-jour"
        html_marque = format_html(_MARQUE, libelle_marque, marque) if marque else ""
        cellules.append(format_html(_JOUR, classes, titre, entete, html_marque))
    return _a_la_suite(cellules)


@register.simple_tag
def jours_agenda(agenda):
    """Les `<th>` des jours du mois : « Me 01 », avec la date complète et la marque (P, G, F)."""
    return _jours(tuple((j.titre, j.entete, j.marque, j.libelle_marque, j.week_end) for j in agenda.jours))


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
