from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from commun import fichiers
from commun.decorators import famille_requise
from messagerie import selectors, services
from messagerie.forms import MessageNouveauForm, ReponseForm

FILS_PAR_PAGE = 20
MESSAGE_ENVOYE = "Votre message a été envoyé."
MESSAGE_REPONSE_ENVOYEE = "Votre réponse a été envoyée."
MESSAGE_SUPPRIME = "Le message a été déplacé dans « Supprimés »."
MESSAGE_RESTAURE = "Le message a été restauré dans votre boîte de réception."

VUES = {
    "recus": ("Messages reçus", selectors.fils_recus),
    "envoyes": ("Messages envoyés", selectors.fils_envoyes),
    "supprimes": ("Messages supprimés", selectors.fils_supprimes),
}


def _liste(request, vue: str):
    titre, selecteur = VUES[vue]
    fils = selecteur(famille=request.famille, compte=request.user)
    page = Paginator(fils, FILS_PAR_PAGE).get_page(request.GET.get("page"))
    return render(request, "messagerie/boite.html", {"vue": vue, "titre": titre, "page": page})


@famille_requise
def boite(request):
    return _liste(request, "recus")


@famille_requise
def envoyes(request):
    return _liste(request, "envoyes")


@famille_requise
def supprimes(request):
    return _liste(request, "supprimes")


@famille_requise
@require_http_methods(["GET", "POST"])
def nouveau(request):
    form = MessageNouveauForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        donnees = form.cleaned_data
        try:
            fil = services.fil_creer_par_famille(
                famille=request.famille,
                auteur=request.user,
                structure=donnees["structure"],
                objet=donnees["objet"],
                texte=donnees["texte"],
                fichiers=donnees["pieces_jointes"],
            )
        except services.LimiteAtteinte as limite:
            form.add_error(None, limite.message)
        else:
            messages.success(request, MESSAGE_ENVOYE)
            return redirect("messagerie:fil", pk=fil.pk)
    return render(request, "messagerie/nouveau.html", {"vue": "nouveau", "form": form})


@famille_requise
@require_http_methods(["GET", "POST"])
def fil(request, pk):
    """Un fil : l'ouvrir marque ses messages lus pour ce compte (l'autre responsable a sa propre
    lecture) ; le formulaire en bas y répond."""
    fil = get_object_or_404(selectors.fils(famille=request.famille, compte=request.user), pk=pk)
    form = ReponseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_famille_repondre(
                fil=fil,
                auteur=request.user,
                texte=form.cleaned_data["texte"],
                fichiers=form.cleaned_data["pieces_jointes"],
            )
        except services.LimiteAtteinte as limite:
            form.add_error(None, limite.message)
        else:
            messages.success(request, MESSAGE_REPONSE_ENVOYEE)
            return redirect("messagerie:fil", pk=fil.pk)
    if request.method == "GET":
        # Le compteur de l'en-tête est calculé au rendu : il reflète déjà cette lecture.
        services.fil_lire(fil=fil, compte=request.user)
    contexte = {
        "vue": "supprimes" if fil.supprime_le else "fil",
        "fil": fil,
        "messages_du_fil": selectors.fil_messages(fil=fil),
        # Les messages reçus après la lecture précédente de ce compte sont signalés « Nouveau ».
        "lu_jusqu_a": fil.lu_jusqu_a or 0,
        "form": form,
    }
    return render(request, "messagerie/fil.html", contexte)


@famille_requise
@require_POST
def fil_supprimer(request, pk):
    _fil_ranger(request, pk, services.fil_supprimer, MESSAGE_SUPPRIME)
    return redirect("messagerie:boite")


@famille_requise
@require_POST
def fil_restaurer(request, pk):
    fil = _fil_ranger(request, pk, services.fil_restaurer, MESSAGE_RESTAURE)
    return redirect("messagerie:fil", pk=fil.pk)


def _fil_ranger(request, pk, service, message):
    """Un fil de la famille mis dans « Supprimés » ou restauré par `service`, avec son message."""
    fil = get_object_or_404(selectors.fils(famille=request.famille), pk=pk)
    service(fil=fil)
    messages.success(request, message)
    return fil


@famille_requise
def piece_jointe(request, pk):
    """Une pièce jointe, servie seulement à la famille du fil."""
    piece = get_object_or_404(selectors.pieces_jointes(famille=request.famille), pk=pk)
    return fichiers.reponse_telechargement(piece.fichier, nom=piece.nom, type_mime=piece.type_mime)


@famille_requise
def infos(request):
    contexte = {
        "informations": selectors.informations_publiees(),
        "documents": selectors.documents_publies(),
    }
    return render(request, "messagerie/infos.html", contexte)


@famille_requise
def document(request, pk):
    """Un formulaire publié (le même pour toutes les familles connectées)."""
    doc = get_object_or_404(selectors.documents_publies(), pk=pk)
    return fichiers.reponse_telechargement(
        doc.fichier, nom=fichiers.nom_sur(doc.titre, ".pdf"), type_mime="application/pdf"
    )
