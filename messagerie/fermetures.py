"""Fermeture exceptionnelle, en une étape : la fermeture et les annulations (enfants), un message
dans la boîte de réception de chaque famille touchée avec la liste de ses enfants concernés, et
la notification « fermeture exceptionnelle » par chaque canal que la famille autorise (elle ne
se décoche pas). Le courriel et le SMS ne disent ni la structure ni les enfants : le lien.

Tout est écrit en lots (quelques requêtes quel que soit le nombre de familles) ; les envois
partent en tâche après validation (docs/performance.md : 2 000 familles en moins de 10 s).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from enfants import calendrier
from enfants.models import Activite, Fermeture, Structure
from enfants.services.fermetures import Touches, fermeture_exceptionnelle_declarer, fermeture_touches
from messagerie import notifications
from messagerie.models import Fil, Message

OBJET_FERMETURE = "Fermeture exceptionnelle : {structure}"
TEXTE_FERMETURE = (
    "Bonjour,\n\n{structure} est exceptionnellement fermé(e) {periode}{motif}.\n\n"
    "Enfants concernés :\n{enfants}\n\n"
    "Les réservations de ces jours sont annulées : elles ne vous seront pas facturées.\n\n{nom_ccas}"
)


def _periode(debut: datetime.date, fin: datetime.date) -> str:
    if debut == fin:
        return f"le {calendrier.date_longue(debut)}"
    return f"du {calendrier.date_longue(debut)} au {calendrier.date_longue(fin)}"


def _jours(jours: set[datetime.date]) -> str:
    return ", ".join(f"{j:%d/%m/%Y}" for j in sorted(jours))


def fermeture_apercu(
    *,
    structure: Structure,
    date_debut: datetime.date,
    date_fin: datetime.date,
    activite: Activite | None = None,
) -> Touches:
    """Ce que la déclaration fera : familles, enfants, réservations annulées (rien n'est écrit)."""
    return fermeture_touches(structure=structure, date_debut=date_debut, date_fin=date_fin, activite=activite)


@transaction.atomic
def fermeture_exceptionnelle(
    *,
    structure: Structure,
    date_debut: datetime.date,
    date_fin: datetime.date,
    motif: str = "",
    agent=None,
    activite: Activite | None = None,
) -> tuple[Fermeture, Touches]:
    """Déclare la fermeture (de la structure, ou de la seule `activite`), annule les
    réservations, dépose les messages et prévoit les notifications de chaque famille touchée
    (FermetureErreur si les dates ou l'activité sont refusées)."""
    fermeture, touches = fermeture_exceptionnelle_declarer(
        structure=structure,
        date_debut=date_debut,
        date_fin=date_fin,
        motif=motif,
        agent=agent,
        activite=activite,
    )
    maintenant = timezone.now()
    nom = f"{structure.nom} — {activite.nom}" if activite is not None else structure.nom
    objet = OBJET_FERMETURE.format(structure=nom)[:150]
    familles = sorted(touches.familles)
    fils = Fil.objects.bulk_create(
        Fil(
            famille_id=famille_id,
            structure=structure,
            objet=objet,
            initie_par_famille=False,
            date_creation=maintenant,
            date_dernier_message=maintenant,
        )
        for famille_id in familles
    )
    periode = _periode(date_debut, date_fin)
    Message.objects.bulk_create(
        Message(
            fil=fil,
            de_la_famille=False,
            auteur=agent,
            date_envoi=maintenant,
            texte=TEXTE_FERMETURE.format(
                structure=nom,
                periode=periode,
                motif=f" ({motif})" if motif else "",
                enfants="\n".join(
                    f"- {prenom} : {_jours(jours)}"
                    for prenom, jours in sorted(touches.familles[fil.famille_id].values())
                ),
                nom_ccas=settings.NOM_CCAS,
            ),
        )
        for fil in fils
    )
    notifications.notifier(
        familles=familles,
        type_=notifications.Type.FERMETURE,
        lien=reverse("messagerie:boite"),
        cle=f"fermeture:{fermeture.pk}",
        resume_possible=False,
    )
    return fermeture, touches
