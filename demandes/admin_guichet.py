"""« Agir pour cette famille » : les pages du guichet dans l'administration (issue 22).

Choix : des formulaires côté agent, dans l'administration, qui appellent les services du portail
(`demandes.guichet`), plutôt qu'un « mode guichet » où l'agent naviguerait dans le portail avec
la session de la famille. L'agent reste lui-même (sa session, sa double authentification, ses
permissions) ; il n'a accès ni au mot de passe de la famille, ni au paiement, ni à ses messages ;
aucun drapeau de session ne peut rester allumé par oubli. Chaque page porte un bandeau qui dit
pour quelle famille il agit et comment quitter le guichet.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from commun.admin_outils import MixinModelAdmin
from demandes import guichet, registre, types_enfants
from demandes import services as demandes_services
from enfants import selectors as enfants_selectors
from enfants.forms import certificat_valider
from enfants.models import Inscription
from familles import selectors as familles_selectors
from familles import services as familles_services
from familles.forms import PieceDepotForm
from familles.models import Famille, TypePiece

MESSAGE_FAIT = "Fait pour la famille {numero} : {quoi}. La famille le voit dans sa Liste des demandes."
MESSAGE_PIECE_FAITE = "Pièce « {nom} » déposée pour la famille {numero} : elle attend sa vérification."

ETATS_PIECE = {
    "a_fournir": "à fournir",
    "en_verification": "en cours de vérification (un nouveau dépôt la remplace)",
    "expire_bientot": "expire bientôt",
    "refusee": "refusée",
    "expiree": "expirée",
}

ACTION_RESERVER = "reserver"
ACTION_ABSENCE = "absence"


def _types_de_demande(agent) -> list[registre.TypeDemande]:
    """Les demandes qu'un agent fait au guichet : Mon compte, la fiche d'un enfant, un nouvel
    enfant (les réservations et absences ont leur propre formulaire) ; sans les données de santé
    pour un agent qui n'y est pas habilité."""
    codes = [t.code for t in registre.types(registre.COTE_COMPTE)]
    codes += [t.code for t in types_enfants.TYPES_FICHE] + ["nouvel_enfant"]
    sanitaire = demandes_services.peut_voir_sanitaire(agent)
    return [registre.type_demande(c) for c in codes if sanitaire or not registre.type_demande(c).sensible]


class PlanningGuichetForm(forms.Form):
    """Réserver un jour ou déclarer une absence pour un enfant de la famille."""

    action = forms.ChoiceField(
        label="Action",
        choices=[(ACTION_RESERVER, "Demander une réservation"), (ACTION_ABSENCE, "Déclarer une absence")],
        widget=forms.RadioSelect,
        initial=ACTION_RESERVER,
    )
    inscription = forms.ModelChoiceField(label="Enfant et activité", queryset=None)
    date = forms.DateField(label="Jour", widget=admin.widgets.AdminDateWidget)
    liste_attente = forms.BooleanField(
        label="Si l'activité est complète, inscrire sur la liste d'attente", required=False
    )
    motif = forms.CharField(label="Motif de l'absence", max_length=300, required=False)
    certificat = forms.FileField(
        label="Certificat médical (facultatif, absence hors délai)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, famille=None, **kwargs):
        super().__init__(*args, **kwargs)
        depuis = timezone.localdate() - datetime.timedelta(days=62)
        inscriptions = (
            enfants_selectors.inscriptions(famille=famille).filter(date_fin__gte=depuis)
            if famille is not None
            else Inscription.objects.none()
        )
        self.fields["inscription"].queryset = inscriptions.order_by(
            "enfant__prenom", "activite__nom", "date_debut"
        )
        self.fields["inscription"].label_from_instance = lambda i: (
            f"{i.enfant.prenom} {i.enfant.nom} — {i.activite.structure.nom}, {i.activite.nom} "
            f"(du {i.date_debut:%d/%m/%Y} au {i.date_fin:%d/%m/%Y})"
        )

    def clean_certificat(self):
        fichier = self.cleaned_data.get("certificat")
        return certificat_valider(fichier) if fichier else None

    def clean(self):
        donnees = super().clean()
        if donnees.get("action") == ACTION_ABSENCE and not (donnees.get("motif") or "").strip():
            self.add_error("motif", "Indiquez le motif de l'absence.")
        return donnees


class GuichetAdminMixin(MixinModelAdmin):
    """Les pages « Agir pour cette famille », ajoutées à l'administration des demandes."""

    vues_guichet = (
        ("guichet/<int:famille_id>/", "vue_guichet", "demandes_demande_guichet"),
        ("guichet/<int:famille_id>/demande/", "vue_guichet_demande", "demandes_demande_guichet_demande"),
        ("guichet/<int:famille_id>/planning/", "vue_guichet_planning", "demandes_demande_guichet_planning"),
        ("guichet/<int:famille_id>/piece/", "vue_guichet_piece", "demandes_demande_guichet_piece"),
    )

    def _famille_guichet(self, request, famille_id) -> Famille:
        # La permission d'abord : un agent sans elle n'apprend pas quelles familles existent.
        if not guichet.peut_agir(request.user):
            raise PermissionDenied(guichet.MESSAGE_PERMISSION)
        return get_object_or_404(Famille.objects.prefetch_related("responsables"), pk=famille_id)

    def _contexte(self, request, famille, titre, **extra) -> dict:
        formulaire = extra.get("form")
        return {
            **self.admin_site.each_context(request),
            # Comme `changeform_view` : le JavaScript de l'administration et celui des widgets du
            # formulaire (calendrier des champs de date), rendus par `{{ media }}`.
            "media": self.media + formulaire.media if formulaire is not None else self.media,
            "title": titre,
            "famille": famille,
            "url_guichet": reverse("admin:demandes_demande_guichet", args=[famille.pk]),
            "url_quitter": reverse("admin:familles_famille_change", args=[famille.pk]),
            "opts": self.model._meta,
            **extra,
        }

    def _fait(self, request, famille, quoi: str):
        messages.success(request, MESSAGE_FAIT.format(numero=famille.numero, quoi=quoi))
        return HttpResponseRedirect(reverse("admin:demandes_demande_guichet", args=[famille.pk]))

    def vue_guichet(self, request, famille_id):
        famille = self._famille_guichet(request, famille_id)
        enfants = list(enfants_selectors.enfants(famille=famille).order_by("prenom"))
        etats = [
            e
            for e in familles_selectors.pieces_etat(famille=famille)
            if e.depot_possible
            and (not e.type_piece.sanitaire or familles_services.peut_voir_sanitaire(request.user))
        ]
        url_demande = reverse("admin:demandes_demande_guichet_demande", args=[famille.pk])
        types = _types_de_demande(request.user)
        demandes_compte = [
            {"libelle": t.libelle, "url": f"{url_demande}?type={t.code}"}
            for t in types
            if t.cote == registre.COTE_COMPTE or t.code == "nouvel_enfant"
        ]
        demandes_enfants = [
            {
                "libelle": f"{enfant.prenom} — {t.libelle}",
                "url": f"{url_demande}?type={t.code}&enfant={enfant.pk}",
            }
            for enfant in enfants
            for t in types
            if t.cote == registre.COTE_ENFANTS and t.code != "nouvel_enfant"
        ]
        url_piece = reverse("admin:demandes_demande_guichet_piece", args=[famille.pk])
        pieces = [
            {
                "libelle": f"{e.type_piece.nom}" + (f" — {e.enfant.prenom}" if e.enfant else ""),
                "etat": ETATS_PIECE.get(e.code, ""),
                "url": f"{url_piece}?type={e.type_piece.pk}" + (f"&enfant={e.enfant.pk}" if e.enfant else ""),
            }
            for e in etats
        ]
        contexte = self._contexte(
            request,
            famille,
            f"Agir pour la famille {famille}",
            demandes_compte=demandes_compte,
            demandes_enfants=demandes_enfants,
            pieces=pieces,
            url_planning=reverse("admin:demandes_demande_guichet_planning", args=[famille.pk]),
        )
        return TemplateResponse(request, "admin/demandes/guichet.html", contexte)

    def vue_guichet_demande(self, request, famille_id):
        famille = self._famille_guichet(request, famille_id)
        types = {t.code: t for t in _types_de_demande(request.user)}
        type_ = types.get(request.GET.get("type", ""))
        if type_ is None:
            raise Http404("Type de demande inconnu")
        enfant = None
        if type_.cote == registre.COTE_ENFANTS and type_.code != "nouvel_enfant":
            enfant_pk = request.GET.get("enfant", "")
            if not enfant_pk.isdigit():
                raise Http404("Enfant inconnu")
            enfant = get_object_or_404(enfants_selectors.enfants(famille=famille), pk=int(enfant_pk))
        if request.method == "POST":
            formulaire = type_.construire(famille=famille, enfant=enfant, data=request.POST)
            if formulaire.is_valid():
                try:
                    demande = guichet.guichet_demande_creer(
                        agent=request.user,
                        famille=famille,
                        type_code=type_.code,
                        formulaire=formulaire,
                        enfant=enfant,
                    )
                except demandes_services.DemandeErreur as erreur:
                    formulaire.add_error(None, erreur.message)
                else:
                    return self._fait(request, famille, f"demande n° {demande.pk} ({type_.libelle})")
        else:
            formulaire = type_.construire(famille=famille, enfant=enfant)
        titre = f"{type_.libelle}" + (f" — {enfant.prenom} {enfant.nom}" if enfant else "")
        contexte = self._contexte(request, famille, titre, form=formulaire, bouton="Envoyer la demande")
        return TemplateResponse(request, "admin/demandes/guichet_formulaire.html", contexte)

    def vue_guichet_planning(self, request, famille_id):
        famille = self._famille_guichet(request, famille_id)
        envoi = request.method == "POST"
        formulaire = PlanningGuichetForm(
            request.POST if envoi else None, request.FILES if envoi else None, famille=famille
        )
        if envoi and formulaire.is_valid():
            donnees = formulaire.cleaned_data
            try:
                if donnees["action"] == ACTION_RESERVER:
                    objet = guichet.guichet_reservation_demander(
                        agent=request.user,
                        famille=famille,
                        inscription=donnees["inscription"],
                        date=donnees["date"],
                        liste_attente=donnees["liste_attente"],
                    )
                    quoi = f"réservation du {donnees['date']:%d/%m/%Y} ({objet.get_etat_display()})"
                else:
                    objet = guichet.guichet_absence_declarer(
                        agent=request.user,
                        famille=famille,
                        inscription=donnees["inscription"],
                        date=donnees["date"],
                        motif=donnees["motif"].strip(),
                        certificat=donnees.get("certificat"),
                    )
                    quoi = f"absence du {donnees['date']:%d/%m/%Y} ({objet.get_etat_display()})"
            except ValidationError as erreur:
                formulaire.add_error(None, erreur.messages)
            else:
                return self._fait(request, famille, quoi)
        contexte = self._contexte(
            request, famille, "Réservation ou absence", form=formulaire, bouton="Enregistrer", fichiers=True
        )
        return TemplateResponse(request, "admin/demandes/guichet_formulaire.html", contexte)

    def vue_guichet_piece(self, request, famille_id):
        famille = self._famille_guichet(request, famille_id)
        type_pk, enfant_pk = request.GET.get("type", ""), request.GET.get("enfant", "")
        if not type_pk.isdigit() or (enfant_pk and not enfant_pk.isdigit()):
            raise Http404("Pièce inconnue")
        enfant = None
        if enfant_pk:
            enfant = get_object_or_404(enfants_selectors.enfants(famille=famille), pk=int(enfant_pk))
        type_piece = get_object_or_404(TypePiece.objects.all(), pk=int(type_pk))
        if type_piece.sanitaire and not familles_services.peut_voir_sanitaire(request.user):
            raise PermissionDenied(familles_services.MESSAGE_PIECE_PERMISSION_SANITAIRE)
        envoi = request.method == "POST"
        formulaire = PieceDepotForm(request.POST if envoi else None, request.FILES if envoi else None)
        if envoi and formulaire.is_valid():
            try:
                guichet.guichet_piece_deposer(
                    agent=request.user,
                    famille=famille,
                    type_piece=type_piece,
                    fichiers=formulaire.cleaned_data["tous_les_fichiers"],
                    enfant=enfant,
                )
            except familles_services.DossierErreur as erreur:
                formulaire.add_error(None, erreur.message)
            else:
                messages.success(
                    request, MESSAGE_PIECE_FAITE.format(nom=type_piece.nom, numero=famille.numero)
                )
                return HttpResponseRedirect(reverse("admin:demandes_demande_guichet", args=[famille.pk]))
        titre = f"Déposer : {type_piece.nom}" + (f" — {enfant.prenom} {enfant.nom}" if enfant else "")
        contexte = self._contexte(
            request, famille, titre, form=formulaire, bouton="Déposer la pièce", fichiers=True
        )
        return TemplateResponse(request, "admin/demandes/guichet_formulaire.html", contexte)
