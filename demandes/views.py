from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from commun import restrictions
from commun.decorators import famille_requise
from demandes import registre, selectors, services
from demandes.models import Demande
from enfants import selectors as enfants_selectors
from enfants import services as planning
from enfants.models import Reservation
from enfants.planning import rang_texte
from familles import comptes

MESSAGE_DEMANDE_ENVOYEE = (
    "Votre demande a été transmise au CCAS : elle sera traitée prochainement. "
    "Vous pouvez la suivre dans la Liste des demandes."
)
MESSAGE_DEMANDE_ANNULEE = "Votre demande a été annulée."
BOUTON_VALIDER = "Valider"
BOUTON_REMPLACER = "Remplacer ma demande en attente"


def _type_du_cote(code: str, cote: str) -> registre.TypeDemande:
    try:
        type_ = registre.type_demande(code)
    except KeyError:
        raise Http404("Type de demande inconnu") from None
    if type_.cote != cote:
        raise Http404("Type de demande inconnu")
    return type_


def formulaire_demande(request, *, type_, enfant=None, template, contexte, retour, initial=None):
    """Affiche le formulaire pré-rempli d'un type ; « Valider » crée la demande des champs changés."""
    famille = request.famille
    en_attente = (
        services.demande_en_attente(famille=famille, type_code=type_.code, enfant=enfant)
        if type_.unique_en_attente
        else None
    )
    if request.method == "POST":
        formulaire = type_.construire(famille=famille, enfant=enfant, data=request.POST)
        if formulaire.is_valid():
            try:
                services.demande_creer(
                    famille=famille,
                    type_code=type_.code,
                    formulaire=formulaire,
                    enfant=enfant,
                    auteur=request.user,
                    remplacer=request.POST.get("remplacer") == "1",
                )
            except services.AucunChangement as erreur:
                messages.info(request, erreur.message)
            except services.DemandeEnDouble as erreur:
                messages.warning(request, erreur.message)
                en_attente = erreur.existante
            except services.LimiteAtteinte as erreur:
                formulaire.add_error(None, erreur.message)
            else:
                messages.success(request, MESSAGE_DEMANDE_ENVOYEE)
                return redirect(retour)
    else:
        formulaire = type_.construire(famille=famille, enfant=enfant)
        if en_attente is not None:
            # Le formulaire montre ce qui est déjà demandé : le parent le corrige au lieu de
            # tout ressaisir (les valeurs JSON de la demande se relisent telles quelles).
            formulaire.initial.update(registre.valeurs_demandees(en_attente, formulaire))
        if type_.creation and initial:
            # Pré-choix depuis un lien (« Retirer » à côté d'une personne autorisée).
            formulaire.initial.update({k: v for k, v in initial.items() if k in formulaire.fields})
    contexte = {
        **contexte,
        "type_demande": type_,
        "form": formulaire,
        "en_attente": en_attente,
        "en_attente_colonnes": registre.colonnes(en_attente, parent=True) if en_attente else [],
        # Le libellé du bouton, repris tel quel par le texte d'aide de la page.
        "bouton": BOUTON_REMPLACER if en_attente else BOUTON_VALIDER,
    }
    return render(request, template, contexte)


@famille_requise
@restrictions.restriction(restrictions.DEMANDES)
@require_http_methods(["GET", "POST"])
def compte_modifier(request, code):
    """Un formulaire de demande de modification de « Mon compte »."""
    type_ = _type_du_cote(code, registre.COTE_COMPTE)
    return formulaire_demande(
        request,
        type_=type_,
        template="demandes/compte_modifier.html",
        contexte={"actif": code},
        retour="demandes:liste",
    )


@famille_requise
@restrictions.restriction(restrictions.DEMANDES)
@require_http_methods(["GET", "POST"])
def enfant_modifier(request, pk, code):
    """Un formulaire de demande depuis la fiche d'un enfant de la famille."""
    enfant = get_object_or_404(enfants_selectors.enfants(famille=request.famille), pk=pk)
    type_ = _type_du_cote(code, registre.COTE_ENFANTS)
    return formulaire_demande(
        request,
        type_=type_,
        enfant=enfant,
        template="demandes/enfant_modifier.html",
        contexte={"actif": code, "enfant": enfant},
        retour="demandes:liste",
        initial=request.GET,
    )


@famille_requise
@restrictions.restriction(restrictions.DEMANDES)
@require_http_methods(["GET", "POST"])
def nouvel_enfant(request):
    """Ajouter un enfant qui sera prochainement inscrit : une demande « Inscription »."""
    type_ = _type_du_cote("nouvel_enfant", registre.COTE_ENFANTS)
    return formulaire_demande(
        request,
        type_=type_,
        template="demandes/nouvel_enfant.html",
        contexte={"actif": "nouvel_enfant"},
        retour="demandes:liste",
    )


def _parametres_liste(request):
    cote = request.GET.get("cote", registre.COTE_COMPTE)
    if cote not in registre.COTES:
        cote = registre.COTE_COMPTE
    categorie = request.GET.get("categorie") or None
    if categorie not in registre.categories(cote):
        categorie = None
    return cote, categorie


def _listes_attente(famille, demandes) -> dict[int, dict]:
    """Les demandes de réservation en liste d'attente : {demande: {"texte", "lien"}} —
    « Liste d'attente : 2e position », ou la place proposée à accepter avant sa limite (une
    requête pour toutes les lignes)."""
    en_attente = {
        d.donnees.get("reservation"): d.pk
        for d in demandes
        if d.type == "reservation" and d.statut == Demande.Statut.EN_ATTENTE
    }
    en_attente.pop(None, None)
    reservations = enfants_selectors.positions_liste_attente(
        famille=famille, reservation_ids=list(en_attente)
    )
    resultat = {}
    for pk, reservation in reservations.items():
        if reservation.etat == Reservation.Etat.EN_ATTENTE:
            resultat[en_attente[pk]] = {"texte": f"Liste d'attente : {rang_texte(reservation.position)}"}
        elif reservation.etat == Reservation.Etat.PROPOSEE:
            limite = planning.texte_limite(reservation.proposition_limite)
            resultat[en_attente[pk]] = {
                "texte": f"Place proposée : à accepter avant le {limite}",
                "lien": reverse("enfants:proposition", args=[pk]),
            }
    return resultat


@famille_requise
def liste(request):
    """Liste des demandes : en attente, refusées, acceptées ; côté Mon compte ou Mes enfants."""
    cote, categorie = _parametres_liste(request)
    lignes = []
    demandes = list(selectors.demandes_recentes(famille=request.famille, cote=cote, categorie=categorie))
    # La position de chaque demande d'inscription en liste d'attente (une requête pour toutes),
    # et le rang ou la place proposée de chaque réservation en liste d'attente (une requête).
    positions = selectors.positions_en_liste_attente(demandes=demandes)
    attente = _listes_attente(request.famille, demandes)
    for demande in demandes:
        demande.position_liste_attente = positions.get(demande.pk)
        lignes.append(
            {
                "demande": demande,
                "colonnes": registre.colonnes(demande, parent=True),
                "attente": attente.get(demande.pk),
                "par": comptes.fait_par_texte(demande.cree_par, demande.cree_le),
                "annulable": not restrictions.est_restreint(request.user, _restriction_d_annulation(demande)),
            }
        )
    sections = [
        ("en-attente", "Demandes en attente", Demande.Statut.EN_ATTENTE, selectors.STATUTS_EN_COURS),
        ("refusees", "Demandes refusées", Demande.Statut.REFUSEE, (Demande.Statut.REFUSEE,)),
        ("acceptees", "Demandes acceptées", Demande.Statut.ACCEPTEE, (Demande.Statut.ACCEPTEE,)),
    ]
    contexte = {
        "cote": cote,
        "cotes": registre.COTES.items(),
        "categorie": categorie,
        "categories": registre.categories(cote),
        "sections": [
            {
                "id": ident,
                "titre": titre,
                "statut": statut,
                "lignes": [ligne for ligne in lignes if ligne["demande"].statut in statuts],
            }
            for ident, titre, statut, statuts in sections
        ],
    }
    return render(request, "demandes/liste.html", contexte)


# Annuler une demande de réservation ou d'absence, c'est agir sur le planning : la restriction
# « réservations » s'applique, les autres demandes relèvent de la restriction « demandes ».
TYPES_PLANNING = ("reservation", "absence")


def _restriction_d_annulation(demande: Demande) -> str:
    return restrictions.RESERVATIONS if demande.type in TYPES_PLANNING else restrictions.DEMANDES


@famille_requise
@require_POST
def annuler(request, pk):
    """Le parent annule une demande encore en attente."""
    demande = get_object_or_404(selectors.demandes(famille=request.famille), pk=pk)
    restrictions.restriction_verifier(request.user, _restriction_d_annulation(demande))
    try:
        services.demande_annuler(demande=demande, famille=request.famille)
    except services.DemandeErreur as erreur:
        messages.error(request, erreur.message)
    else:
        messages.success(request, MESSAGE_DEMANDE_ANNULEE)
    suivant = request.POST.get("suivant", "")
    if suivant.startswith("/") and not suivant.startswith("//"):
        return redirect(suivant)
    return redirect("demandes:liste")


MESSAGE_PLACE_ACCEPTEE = "Vous avez accepté la place : l'inscription est faite."
MESSAGE_PLACE_REFUSEE = "Vous avez refusé la place : elle est proposée à la famille suivante."


@famille_requise
@restrictions.restriction(restrictions.DEMANDES)
@require_http_methods(["GET", "POST"])
def proposition(request, pk):
    """Une place proposée (liste d'attente d'une activité) : l'accepter ou la refuser avant la
    date limite."""
    from demandes import inscriptions

    demande = get_object_or_404(
        selectors.demandes(famille=request.famille).filter(type=selectors.CODE_INSCRIPTION), pk=pk
    )
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "accepter":
                inscriptions.proposition_accepter(
                    demande=demande, famille=request.famille, auteur=request.user
                )
                messages.success(request, MESSAGE_PLACE_ACCEPTEE)
            elif decision == "refuser":
                inscriptions.proposition_refuser(
                    demande=demande, famille=request.famille, auteur=request.user
                )
                messages.success(request, MESSAGE_PLACE_REFUSEE)
            else:
                messages.error(request, "Choisissez « Accepter la place » ou « Refuser la place ».")
                return redirect("demandes:proposition", pk=pk)
        except services.DemandeErreur as erreur:
            messages.error(request, erreur.message)
            return redirect("demandes:proposition", pk=pk)
        return redirect(reverse("demandes:liste") + "?cote=enfants")
    proposee = demande.statut == Demande.Statut.PROPOSEE
    contexte = {
        "demande": demande,
        "colonnes": registre.colonnes(demande, parent=True),
        "proposee": proposee,
        # Délai passé, pas encore traité par `manage.py listes_attente` : plus rien à accepter.
        "expiree": proposee
        and demande.proposition_limite is not None
        and demande.proposition_limite <= timezone.now(),
    }
    return render(request, "demandes/proposition.html", contexte)
