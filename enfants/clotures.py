"""Les jours clos par la facturation : un registre.

`facturation`, au-dessus, exporte les consommations d'une période vers le logiciel de
facturation et la clôt pour une régie. Une famille ne peut plus réserver, déclarer une absence
ni annuler sur un jour clos. `enfants` n'importe pas `facturation` : celle-ci enregistre ici,
dans son `AppConfig.ready()`, la fonction qui dit si un jour est clos :

    from enfants.clotures import cloture_enregistrer

    @cloture_enregistrer
    def jour_clos(*, activite, jour) -> bool: ...
"""

import datetime
from collections.abc import Callable

JOUR_CLOS = (
    "Le {jour} est clos : les consommations de cette période ont déjà été transmises à la "
    "facturation. Pour toute modification, contactez la structure."
)

_verifications: list[Callable[..., bool]] = []


def cloture_enregistrer(fonction: Callable[..., bool]) -> Callable[..., bool]:
    if fonction not in _verifications:
        _verifications.append(fonction)
    return fonction


def jour_clos(*, activite, jour: datetime.date) -> bool:
    """Vrai si une vérification enregistrée dit le jour clos pour cette activité."""
    return any(verification(activite=activite, jour=jour) for verification in _verifications)
