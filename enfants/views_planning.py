"""Pages du planning : l'agenda du mois, les demandes de réservation et d'absence, le flux iCal."""

import datetime
import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from commun import cache_famille, restrictions
from commun.decorators import famille_requise
from enfants import calendrier, conditions, ical, selectors, services
from enfants.forms import AbsenceForm, JoursForm, PeriodeForm, PropositionForm, ReservationForm
from enfants.models import FluxCalendrier, Reservation
from enfants.planning import agenda_construire

ANNEE_MIN, ANNEE_MAX = 2000, 2100
MESSAGE_CONFIRMER_FACTUREE = (
    "Rien n'a encore été enregistré : déclarée aujourd'hui, cette absence sera facturée, sauf "
    "certificat médical. Joignez le certificat si vous en avez un, puis confirmez."
)
MESSAGE_AUCUN_JOUR = "Vous n'avez coché aucun jour : aucune demande n'a été envoyée."
MESSAGE_ABSENCE_ANNULEE = (
    "Absence du {jour} annulée : la présence de votre enfant est de nouveau prévue ce jour-là."
)


def _url_planning(inscription_ou_enfant_pk: int, jour: datetime.date) -> str:
    return reverse(
        "enfants:planning", kwargs={"pk": inscription_ou_enfant_pk, "annee": jour.year, "mois": jour.month}
    )


def _date_demandee(request) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return None


@dataclass(frozen=True)
class PlanningRendu:
    """Le planning d'un mois rendu pour une famille et un compte, sans rien de la requête : le
    jeton CSRF des formulaires de la vue téléphone y est un repère tiré au hasard, remplacé à
    chaque service (`contenu_pour`)."""

    enfant_pk: int
    prenom: str
    nom: str
    titre: str
    contenu: str
    repere_csrf: str
    # Les inscriptions des lignes de l'agenda : le bandeau des conditions est relu à chaque fois.
    inscriptions: list
    flux_jeton: str | None

    def contenu_pour(self, request) -> str:
        # `contenu` sort du moteur de gabarits (échappé) ; seul le repère est remplacé, par un
        # jeton alphanumérique.
        return mark_safe(self.contenu.replace(self.repere_csrf, get_token(request)))  # noqa: S308  # nosec B308 B703


@famille_requise
def planning(request, pk, annee, mois):
    if not (ANNEE_MIN <= annee <= ANNEE_MAX and 1 <= mois <= 12):
        raise Http404("Mois inconnu.")
    # Vue téléphone : une activité à la fois ; celle qu'on vient de réserver reste ouverte.
    ouverte = request.GET.get("activite", "")
    ouverte = int(ouverte) if ouverte.isdigit() and len(ouverte) < 10 else None
    lecture_seule = restrictions.est_restreint(request.user, restrictions.RESERVATIONS)
    # Une requête pour toute la page ; le mois rendu est gardé tant que les données de la famille
    # (et les données communes) ne changent pas, et jusqu'au prochain délai, ouverture ou
    # fermeture de réservation qu'il montre (commun.cache_famille) ; jamais s'il montre un rang
    # en liste d'attente (il dépend des autres familles).
    rendu = cache_famille.lire(
        request=request,
        nom=f"planning:{pk}:{annee}:{mois}:{ouverte or ''}",
        calculer=lambda: cache_famille.Calcul(
            _planning_rendre(
                request, pk=pk, annee=annee, mois=mois, ouverte=ouverte, lecture_seule=lecture_seule
            )
        ),
        par_compte=True,
    )
    if rendu is None:
        raise Http404("Aucun enfant de la famille ne porte ce numéro.")
    contexte = {
        "planning": rendu,
        "contenu": rendu.contenu_pour(request),
        # « Pour réserver (activité), il manque : … », avant toute demande (le premier jour du
        # mois affiché encore à venir).
        "conditions_manquantes": conditions.bandeau(
            inscriptions=rendu.inscriptions,
            jour=max(timezone.localdate(), datetime.date(annee, mois, 1)),
        ),
        "flux_url": request.build_absolute_uri(reverse("ical:flux", kwargs={"jeton": rendu.flux_jeton}))
        if rendu.flux_jeton
        else "",
    }
    return render(request, "enfants/planning.html", contexte)


def _planning_rendre(request, *, pk, annee, mois, ouverte, lecture_seule) -> PlanningRendu | None:
    donnees = selectors.planning_page(famille=request.famille, enfant_id=pk, annee=annee, mois=mois)
    if donnees is None:
        return None
    enfant = donnees.enfant
    agenda = agenda_construire(annee=annee, mois=mois, donnees=donnees, lecture_seule=lecture_seule)
    if agenda.lignes and ouverte not in {ligne.inscription.pk for ligne in agenda.lignes}:
        ouverte = agenda.lignes[0].inscription.pk
    responsable = request.famille.responsable_principal
    repere = secrets.token_hex(16)
    contenu = render_to_string(
        "enfants/_planning_mois.html",
        {
            "enfant": enfant,
            "activite_ouverte": ouverte,
            "responsable": f"{responsable.nom} {responsable.prenom}".upper() if responsable else "",
            "agenda": agenda,
            "inscriptions_en_cours": donnees.inscriptions_en_cours,
            "lecture_seule": lecture_seule,
            "csrf_token": repere,
        },
    )
    return PlanningRendu(
        enfant_pk=enfant.pk,
        prenom=enfant.prenom,
        nom=enfant.nom,
        titre=f"Planning de {enfant.prenom} {enfant.nom} — {agenda.libelle}",
        contenu=contenu,
        repere_csrf=repere,
        inscriptions=[ligne.inscription for ligne in agenda.lignes],
        flux_jeton=donnees.flux_jeton,
    )


@famille_requise
def planning_courant(request, pk):
    enfant = get_object_or_404(selectors.enfants_de_la_famille(famille=request.famille), pk=pk)
    return redirect(_url_planning(enfant.pk, timezone.localdate()))


def _appliquer(request, form, inscription, action):
    """Appelle le service (par `action`) avec le formulaire valide : un refus s'affiche dans le
    formulaire (None), un succès redirige vers le planning du mois du jour demandé."""
    try:
        objet, message = action(inscription, form.cleaned_data, request.user)
    except ValidationError as erreur:
        for texte in erreur.messages:
            form.add_error(None, texte)
        return None
    messages.success(request, message)
    return redirect(_url_planning(inscription.enfant_id, objet.date))


def _contexte_demande(form, inscription, jour) -> dict:
    return {
        "form": form,
        "inscription": inscription,
        "enfant": inscription.enfant,
        "jour": jour,
        "retour": _url_planning(inscription.enfant_id, jour or timezone.localdate()),
    }


def _reserver(inscription, donnees, utilisateur):
    reservation = services.reservation_demander(
        inscription=inscription, date=donnees["date"], par=utilisateur, liste_attente=donnees["liste_attente"]
    )
    texte = calendrier.date_longue(reservation.date)
    if reservation.etat == Reservation.Etat.ACCEPTEE:
        return reservation, f"Réservation enregistrée pour le {texte}."
    if reservation.etat == Reservation.Etat.EN_ATTENTE:
        return reservation, f"L'activité est complète le {texte} : demande placée en liste d'attente."
    return reservation, f"Demande de réservation envoyée pour le {texte} : elle est en cours de traitement."


def _absenter(inscription, donnees, utilisateur):
    absence = services.absence_declarer(
        inscription=inscription,
        date=donnees["date"],
        motif=donnees["motif"],
        certificat=donnees.get("certificat"),
        par=utilisateur,
    )
    texte = calendrier.date_longue(absence.date)
    return absence, f"Absence du {texte} enregistrée : {absence.get_etat_display()}."


@famille_requise
@restrictions.restriction(restrictions.RESERVATIONS)
def reservation_demander(request, pk):
    inscription = get_object_or_404(selectors.inscriptions(famille=request.famille), pk=pk)
    jour = _date_demandee(request)
    if request.method == "POST":
        form = ReservationForm(request.POST)
        if form.is_valid() and (reponse := _appliquer(request, form, inscription, _reserver)):
            return reponse
    else:
        form = ReservationForm(initial={"date": jour} if jour else None)
    return render(request, "enfants/reservation_form.html", _contexte_demande(form, inscription, jour))


@famille_requise
@restrictions.restriction(restrictions.RESERVATIONS)
def absence_declarer(request, pk):
    """Déclarer une absence. Hors délai, la page le dit avant l'envoi (« cette absence sera
    facturée, sauf certificat médical ») ; une absence hors délai sans certificat n'est
    enregistrée qu'une fois cet avertissement affiché pour ce jour-là."""
    inscription = get_object_or_404(selectors.inscriptions(famille=request.famille), pk=pk)
    jour = _date_demandee(request)
    if request.method == "POST":
        form = AbsenceForm(request.POST, request.FILES)
        if form.is_valid():
            donnees = form.cleaned_data
            jour = donnees["date"]
            hors_delai = services.absence_hors_delai(activite=inscription.activite, jour=jour)
            averti = donnees.get("avertissement_vu") == jour
            if hors_delai and not donnees.get("certificat") and not averti:
                # Le jour a changé depuis l'affichage (ou l'avertissement n'a pas été vu) :
                # rien n'est enregistré, la page redit ce qui va se passer.
                form = AbsenceForm(initial={**donnees, "certificat": None, "avertissement_vu": jour})
                messages.warning(request, MESSAGE_CONFIRMER_FACTUREE)
            elif reponse := _appliquer(request, form, inscription, _absenter):
                return reponse
        else:
            # Le jour envoyé (vide ou invalide : pas d'avertissement pour un autre jour).
            jour = form.cleaned_data.get("date")
    else:
        initial = None
        if jour:
            averti = services.absence_hors_delai(activite=inscription.activite, jour=jour)
            initial = {"date": jour, "avertissement_vu": jour if averti else None}
        form = AbsenceForm(initial=initial)
    contexte = _contexte_demande(form, inscription, jour)
    if jour:
        limite = services.absence_date_limite(activite=inscription.activite, jour=jour)
        contexte.update(
            {
                "jour_libelle": calendrier.date_longue(jour),
                "limite_libelle": services.texte_limite(limite),
                "hors_delai": timezone.now() > limite,
            }
        )
    return render(request, "enfants/absence_form.html", contexte)


@famille_requise
@restrictions.restriction(restrictions.RESERVATIONS)
def absence_annuler(request, pk):
    """Retirer une absence déclarée : la page demande confirmation, l'annulation se fait en POST."""
    absence = get_object_or_404(selectors.absences(famille=request.famille), pk=pk)
    retour = _url_planning(absence.inscription.enfant_id, absence.date)
    if request.method == "POST":
        try:
            services.absence_annuler(absence=absence)
        except ValidationError as erreur:
            for texte in erreur.messages:
                messages.error(request, texte)
        else:
            messages.success(
                request, MESSAGE_ABSENCE_ANNULEE.format(jour=calendrier.date_longue(absence.date))
            )
        return redirect(retour)
    contexte = {
        "absence": absence,
        "inscription": absence.inscription,
        "enfant": absence.inscription.enfant,
        "jour_libelle": calendrier.date_longue(absence.date),
        "raison": services.absence_annulable(absence=absence),
        "retour": retour,
    }
    return render(request, "enfants/absence_annuler.html", contexte)


@famille_requise
@restrictions.restriction(restrictions.RESERVATIONS)
@require_POST
def jours_reserver(request, pk):
    """Réserver les jours cochés (vue téléphone du planning) : une seule demande, chaque jour
    décidé par les mêmes règles qu'un jour seul."""
    inscription = get_object_or_404(selectors.inscriptions(famille=request.famille), pk=pk)
    form = JoursForm(request.POST)
    jours = form.cleaned_data["jours"] if form.is_valid() else []
    # Le mois affiché au retour : celui du premier jour coché, sinon celui de la page.
    mois = jours[0] if jours else _mois_du_formulaire(request) or timezone.localdate()
    if not form.is_valid():
        # Une requête fabriquée (un navigateur n'envoie que les dates des cases) : rien n'est fait.
        for erreurs in form.errors.values():
            for texte in erreurs:
                messages.error(request, texte)
    elif not jours:
        # Comme une demande sans changement : rien n'est envoyé, et la page le dit.
        messages.info(request, MESSAGE_AUCUN_JOUR)
    else:
        try:
            resultat = services.reservations_jours_demander(
                inscription=inscription,
                jours=jours,
                par=request.user,
                liste_attente=form.cleaned_data["liste_attente"],
            )
        except ValidationError as erreur:
            for texte in erreur.messages:
                messages.error(request, texte)
        else:
            _annoncer(request, resultat)
    url = _url_planning(inscription.enfant_id, mois)
    return redirect(f"{url}?activite={inscription.pk}#activite-{inscription.pk}")


def _mois_du_formulaire(request) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(request.POST.get("mois", ""))
    except ValueError:
        return None


def _annoncer(request, resultat) -> None:
    """Ce qui a été demandé, puis chaque jour refusé avec sa raison (messages de la page)."""
    n = len(resultat.reservations)
    if n:
        pluriel = "s" if n > 1 else ""
        jours = ", ".join(calendrier.date_longue(r.date) for r in resultat.reservations)
        messages.success(request, f"{n} jour{pluriel} demandé{pluriel} : {jours}.")
    for raison in conditions.refus_regrouper(resultat.refus):
        messages.warning(request, _avec_liens(raison))


def _avec_liens(raison: str) -> str:
    """Un refus des conditions d'accès garde ses liens dans les messages de la page (qui ne
    gardent d'un texte que son marquage « sûr ») ; les autres restent du texte."""
    if isinstance(raison, conditions.MessageConditions):
        return format_html("{}", raison)  # son __html__ : construit par format_html
    return raison


@famille_requise
@restrictions.restriction(restrictions.RESERVATIONS)
def periode_reserver(request, pk):
    inscription = get_object_or_404(selectors.inscriptions(famille=request.famille), pk=pk)
    jour = _date_demandee(request) or timezone.localdate()
    if request.method == "POST":
        form = PeriodeForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                resultat = services.reservations_periode_demander(
                    inscription=inscription,
                    date_debut=d["date_debut"],
                    date_fin=d["date_fin"],
                    jours_semaine={int(j) for j in d["jours"]},
                    par=request.user,
                    liste_attente=d["liste_attente"],
                )
            except ValidationError as erreur:
                for texte in erreur.messages:
                    form.add_error(None, texte)
            else:
                # Toujours rediriger après écriture : les jours refusés sont dits en message.
                _annoncer(request, resultat)
                return redirect(_url_planning(inscription.enfant_id, d["date_debut"]))
    else:
        vacances = calendrier.prochaines_vacances(jour)
        fin = (
            vacances - datetime.timedelta(days=1)
            if vacances
            else min(inscription.date_fin, jour + datetime.timedelta(days=30))
        )
        form = PeriodeForm(
            initial={
                "date_debut": jour,
                "date_fin": min(fin, inscription.date_fin),
                "jours": [str(jour.weekday())],
            }
        )
    contexte = {
        "form": form,
        "inscription": inscription,
        "enfant": inscription.enfant,
        "retour": _url_planning(inscription.enfant_id, jour),
    }
    return render(request, "enfants/periode_form.html", contexte)


@famille_requise
@require_POST
def flux_renouveler(request, pk):
    enfant = get_object_or_404(selectors.enfants_de_la_famille(famille=request.famille), pk=pk)
    existait = FluxCalendrier.objects.filter(enfant=enfant).exists()
    if existait:
        services.flux_calendrier_renouveler(enfant=enfant)
        messages.success(request, "Nouvelle adresse d'abonnement créée : l'ancienne ne fonctionne plus.")
    else:
        services.flux_calendrier_obtenir(enfant=enfant)
        messages.success(request, "Adresse d'abonnement au calendrier créée.")
    return redirect(_url_planning(enfant.pk, timezone.localdate()) + "#abonnement")


def flux_ical(request, jeton):
    """Le flux iCalendar d'un enfant : public, protégé par son jeton secret (révocable)."""
    flux = get_object_or_404(FluxCalendrier.objects.select_related("enfant"), jeton=jeton)
    contenu = ical.calendrier_enfant(enfant=flux.enfant, aujourdhui=timezone.localdate())
    reponse = HttpResponse(contenu, content_type="text/calendar; charset=utf-8")
    reponse["Content-Disposition"] = 'inline; filename="planning.ics"'
    reponse["Cache-Control"] = "private, max-age=900"
    return reponse


MESSAGE_PROPOSITION_ACCEPTEE = "Place acceptée : le {jour} est réservé pour {prenom}."
MESSAGE_PROPOSITION_REFUSEE = "Place refusée : elle est proposée au suivant de la liste d'attente."


@famille_requise
@restrictions.restriction(restrictions.RESERVATIONS)
def proposition(request, pk):
    """Une place libérée proposée à la famille (liste d'attente) : l'accepter ou la refuser avant
    la date limite. La proposition d'une autre famille n'existe pas (404)."""
    reservation = get_object_or_404(selectors.reservations(famille=request.famille), pk=pk)
    inscription = reservation.inscription
    jour = calendrier.date_longue(reservation.date)
    retour = _url_planning(inscription.enfant_id, reservation.date)
    form = PropositionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["reponse"] == PropositionForm.ACCEPTER:
                reservation = services.proposition_accepter(reservation=reservation, par=request.user)
            else:
                reservation = services.proposition_refuser(reservation=reservation, par=request.user)
        except ValidationError as erreur:
            for texte in erreur.messages:
                form.add_error(None, texte)
        else:
            if reservation.etat == Reservation.Etat.ACCEPTEE:
                messages.success(
                    request, MESSAGE_PROPOSITION_ACCEPTEE.format(jour=jour, prenom=inscription.enfant.prenom)
                )
                return redirect(retour)
            if form.cleaned_data["reponse"] == PropositionForm.REFUSER:
                messages.success(request, MESSAGE_PROPOSITION_REFUSEE)
                return redirect(retour)
            limite = services.texte_limite(reservation.proposition_limite)
            form.add_error(None, services.PROPOSITION_EXPIREE.format(jour=jour, limite=limite))
    contexte = {
        "reservation": reservation,
        "inscription": inscription,
        "enfant": inscription.enfant,
        "jour_libelle": jour,
        "form": form,
        "en_cours": reservation.etat == Reservation.Etat.PROPOSEE
        and not services.proposition_expiree(reservation=reservation),
        "limite_libelle": services.texte_limite(reservation.proposition_limite)
        if reservation.proposition_limite
        else "",
        "retour": retour,
    }
    return render(request, "enfants/proposition.html", contexte)
