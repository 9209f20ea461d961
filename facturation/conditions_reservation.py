"""Condition d'accès à la réservation : pas de facture impayée depuis trop longtemps.

Réglée par activité (`Activite.blocage_impayes_jours`, vide par défaut : jamais bloqué). Une
facture dont il reste quelque chose à payer plus de N jours après son échéance bloque les
nouvelles réservations de la famille à cette activité ; le message dit qui appeler (la
structure de l'activité, sinon le CCAS) et mène au relevé de compte. Enregistrée dans le
registre d'`enfants` (`enfants.conditions`) par `FacturationConfig.ready()` : `enfants`
n'importe pas `facturation`.
"""

import datetime

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from commun.formats import euros
from enfants.conditions import Manque, condition_enregistrer
from facturation.models import Facture, deja_paye

LIEN_RELEVE = "Relevé de compte"


def _qui_appeler(structure) -> str:
    if structure.telephone:
        return f"appelez {structure.nom} au {structure.telephone}"
    return f"appelez le CCAS au {settings.CCAS_TELEPHONE}"


@condition_enregistrer("impayes")
def impayes(*, inscriptions, jour: datetime.date, maintenant: datetime.datetime) -> dict[int, list[Manque]]:
    """Pour chaque inscription dont l'activité bloque sur les impayés : la plus ancienne facture
    restée impayée plus de N jours après son échéance (N de l'activité). Aucune requête si
    aucune activité ne bloque ; sinon une (les factures), plus la structure si elle n'est pas
    chargée."""
    bloquantes = [i for i in inscriptions if i.activite.blocage_impayes_jours is not None]
    if not bloquantes:
        return {}
    aujourdhui = timezone.localdate(maintenant)
    plus_court = min(i.activite.blocage_impayes_jours for i in bloquantes)
    familles = {i.enfant.famille_id for i in bloquantes}
    factures = list(
        Facture.objects.filter(
            famille_id__in=familles, date_echeance__lt=aujourdhui - datetime.timedelta(days=plus_court)
        )
        .annotate(deja_paye=deja_paye())
        .filter(montant__gt=F("deja_paye"))
        .order_by("date_echeance", "pk")
    )
    resultat: dict[int, list[Manque]] = {}
    for inscription in bloquantes:
        limite = aujourdhui - datetime.timedelta(days=inscription.activite.blocage_impayes_jours)
        en_retard = [
            f for f in factures if f.famille_id == inscription.enfant.famille_id and f.date_echeance < limite
        ]
        if not en_retard:
            continue
        facture = en_retard[0]
        autres = len(en_retard) - 1
        libelle = (
            f"le règlement de la facture {facture.numero} (échéance du {facture.date_echeance:%d/%m/%Y}, "
            f"reste {euros(facture.montant - facture.deja_paye)} à payer)"
        )
        if autres:
            s = "s" if autres > 1 else ""
            libelle += f" et de {autres} autre{s} facture{s} en retard"
        libelle += f" : réglez-la ou {_qui_appeler(inscription.activite.structure)}"
        resultat[inscription.pk] = [
            Manque(libelle=libelle, url=reverse("facturation:releve"), lien_texte=LIEN_RELEVE)
        ]
    return resultat
