"""La demande d'inscription à une activité (« Inscrire à une activité », page de l'enfant).

La page vit dans `enfants` (`enfants:inscrire`) ; elle transmet la demande par le signal
`enfants.services.inscriptions.inscription_demandee`, reçu ici. Accepter la demande crée
l'inscription (places comptées sous verrou) ou la met en liste d'attente : `demandes.inscriptions`.
Une place libérée (inscription supprimée ou raccourcie, nombre de places augmenté) est proposée
au premier de la liste d'attente.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from demandes import inscriptions, selectors
from demandes.registre import COTE_ENFANTS, TypeDemande, enregistrer
from demandes.selectors import CODE_INSCRIPTION
from enfants import calendrier
from enfants.forms_inscriptions import InscriptionDecisionForm, periode_texte
from enfants.models import Activite, Inscription
from enfants.services import inscriptions as enfants_inscriptions

DEJA_DEMANDEE = (
    "Une demande d'inscription de {prenom} à « {activite} » est déjà en cours ({statut}) : "
    "vous la retrouvez dans la Liste des demandes."
)


def _textes(donnees: dict, activite: Activite, campagne) -> dict:
    """Ce que montrent la Liste des demandes et la file de modération (champ → texte)."""
    import datetime

    debut = datetime.date.fromisoformat(str(donnees["date_debut"]))
    fin = datetime.date.fromisoformat(str(donnees["date_fin"]))
    textes = {
        "activite": f"{activite.structure.nom} — {activite.nom}",
        "campagne": campagne.nom if campagne else "Hors campagne (toute l'année)",
        "date_debut": f"{debut:%d/%m/%Y}",
        "date_fin": f"{fin:%d/%m/%Y}",
    }
    if donnees.get("jours_reguliers"):
        textes["jours_reguliers"] = ", ".join(calendrier.JOURS[int(c)] for c in donnees["jours_reguliers"])
    return textes


def _colonnes(demande, *, parent: bool) -> list[tuple[str, str]]:
    apres = demande.apres
    lignes = [("Activité", apres.get("activite", "—")), ("Campagne", apres.get("campagne", "—"))]
    if apres.get("date_debut"):
        lignes.append(("Période", f"du {apres['date_debut']} au {apres.get('date_fin', '')}"))
    if apres.get("jours_reguliers"):
        lignes.append(("Jours réguliers", apres["jours_reguliers"]))
    position = getattr(demande, "position_liste_attente", None)
    if position:
        lignes.append(("Liste d'attente", selectors.position_texte(position)))
    if demande.statut == demande.Statut.PROPOSEE and demande.proposition_limite:
        from django.utils import timezone

        limite = timezone.localtime(demande.proposition_limite)
        lignes.append(("Place proposée", f"à accepter avant le {limite:%d/%m/%Y à %H:%M}"))
    return lignes


def _informations(demande) -> list[tuple[str, str]]:
    """Pour décider : les places d'inscription prises sur la période, et la position en liste."""
    import datetime

    activite = Activite.objects.filter(pk=demande.donnees.get("activite")).first()
    if activite is None:
        return []
    lignes = []
    debut = datetime.date.fromisoformat(demande.donnees["date_debut"])
    fin = datetime.date.fromisoformat(demande.donnees["date_fin"])
    prises = enfants_inscriptions.places_inscription_prises(activite=activite, debut=debut, fin=fin)
    retenues = inscriptions.places_retenues(activite_id=activite.pk, debut=debut, fin=fin)
    if activite.places_inscription is None:
        lignes.append(("Inscriptions sur la période", f"{prises} (pas de limite)"))
    else:
        texte = f"{prises} sur {activite.places_inscription} ({periode_texte(debut, fin)})"
        if retenues:
            texte += f", plus {retenues} place(s) proposée(s) en attente de réponse"
        lignes.append(("Inscriptions sur la période", texte))
    attente = selectors.liste_attente(activite_id=activite.pk).count()
    lignes.append(("Liste d'attente de l'activité", f"{attente} demande(s)"))
    if demande.statut == demande.Statut.LISTE_ATTENTE:
        lignes.append(
            ("Cette demande", selectors.position_texte(selectors.position_en_liste_attente(demande=demande)))
        )
    return lignes


INSCRIPTION = enregistrer(
    TypeDemande(
        code=CODE_INSCRIPTION,
        libelle="Inscription à une activité",
        cote=COTE_ENFANTS,
        categorie="Inscription",
        formulaire=InscriptionDecisionForm,
        arguments=lambda *, famille, enfant: {"enfant": enfant},
        appliquer=inscriptions.appliquer,
        creation=True,
        # Une demande en cours par enfant et par activité (vérifié à l'envoi, voir plus bas).
        unique_en_attente=False,
        colonnes=_colonnes,
        informations=_informations,
        message_acceptee="Demande n° {pk} acceptée : l'inscription est créée.",
    )
)


@receiver(enfants_inscriptions.inscription_demandee, dispatch_uid="demandes_inscription_en_file")
def mettre_en_file(sender, enfant, donnees, auteur=None, **kwargs):
    """La famille demande l'inscription : une demande dans la file de modération. Refus (demande
    déjà en cours pour cette activité, limite par heure) : ValidationError pour la famille."""
    from demandes.models import Demande
    from demandes.services import DemandeErreur, demande_creer
    from familles.models import Famille

    with transaction.atomic():
        # Le verrou de la famille sérialise deux envois simultanés de la même demande.
        Famille.objects.select_for_update().get(pk=enfant.famille_id)
        en_cours = (
            Demande.objects.filter(
                type=CODE_INSCRIPTION,
                enfant=enfant,
                statut__in=selectors.STATUTS_EN_COURS,
                donnees__activite=donnees["activite"],
            )
            .order_by("cree_le")
            .first()
        )
        formulaire = INSCRIPTION.construire(famille=enfant.famille, enfant=enfant, data=donnees)
        if en_cours is not None:
            activite = Activite.objects.get(pk=donnees["activite"])
            raise ValidationError(
                DEJA_DEMANDEE.format(
                    prenom=enfant.prenom, activite=activite.nom, statut=en_cours.get_statut_display().lower()
                )
            )
        try:
            demande = demande_creer(
                famille=enfant.famille,
                type_code=CODE_INSCRIPTION,
                formulaire=formulaire,
                enfant=enfant,
                auteur=auteur,
            )
        except DemandeErreur as erreur:
            messages = [erreur.message] + [e for liste in erreur.erreurs.values() for e in liste]
            raise ValidationError(messages) from erreur
        propres = formulaire.cleaned_data
        demande.apres = _textes(demande.donnees, propres["activite"], propres.get("campagne"))
        demande.save(update_fields=["apres"])
    return demande


# Une place d'inscription peut se libérer : la proposer (après validation) au premier en attente.


@receiver(post_delete, sender=Inscription, dispatch_uid="demandes_inscription_supprimee")
def _inscription_supprimee(sender, instance, **kwargs):
    inscriptions.propositions_faire_apres_validation(activite_id=instance.activite_id)


@receiver(post_save, sender=Inscription, dispatch_uid="demandes_inscription_modifiee")
def _inscription_modifiee(sender, instance, created, **kwargs):
    if not created:  # fin avancée, activité changée… (une création ne libère rien)
        inscriptions.propositions_faire_apres_validation(activite_id=instance.activite_id)


@receiver(post_save, sender=Activite, dispatch_uid="demandes_activite_modifiee")
def _activite_modifiee(sender, instance, created, **kwargs):
    if not created:  # places augmentées, ou plus de limite
        inscriptions.propositions_faire_apres_validation(activite_id=instance.pk)
