"""Limites d'envoi par famille et par heure glissante (messages, demandes de modification).

Le compte se fait en base, sur les envois eux-mêmes : exact, partagé entre tous les processus,
sans cache ; l'appelant tient le verrou de la famille, si bien que deux envois simultanés ne
dépassent pas la limite.
"""

import datetime

from django.utils import timezone

FENETRE = datetime.timedelta(hours=1)


def envoi_possible_a(envois, *, champ_date: str, limite: int) -> datetime.datetime | None:
    """None si un envoi de plus reste sous la limite ; sinon le moment où il le sera."""
    depuis = timezone.now() - FENETRE
    recents = list(
        envois.filter(**{f"{champ_date}__gte": depuis})
        .order_by(f"-{champ_date}")
        .values_list(champ_date, flat=True)[:limite]
    )
    if len(recents) < limite:
        return None
    return recents[-1] + FENETRE


def heure_texte(moment: datetime.datetime) -> str:
    """« 14 h 35 », heure de Paris."""
    local = timezone.localtime(moment)
    return f"{local:%H} h {local:%M}"
