"""Les structures d'un agent : un registre.

`messagerie`, au-dessus, rattache les agents du CCAS aux structures (`AgentStructure`) ; les
listes du jour d'`enfants` ne montrent que les activités de ces structures. `enfants` n'importe
pas `messagerie` : celle-ci enregistre ici, dans son `AppConfig.ready()`, la fonction qui les
lit (une sous-requête des identifiants de structure, pour ne pas coûter de requête de plus) :

    from enfants.structures_agent import structures_agent_enregistrer

    @structures_agent_enregistrer
    def structures_de_l_agent(*, agent) -> QuerySet: ...  # .values("structure_id")
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet

_lecteurs: list[Callable[..., QuerySet]] = []


def structures_agent_enregistrer(fonction: Callable[..., QuerySet]) -> Callable[..., QuerySet]:
    if fonction not in _lecteurs:
        _lecteurs.append(fonction)
    return fonction


def filtre_structures_de_l_agent(*, agent, champ: str = "structure") -> Q:
    """Le filtre « structures de l'agent » sur `champ` : tout pour un superutilisateur ; aucune
    structure si aucun lecteur n'est enregistré (on refuse plutôt que de tout montrer)."""
    if agent.is_superuser:
        return Q()
    if not _lecteurs:
        return Q(pk__in=[])
    filtre = Q(pk__in=[])
    for lecteur in _lecteurs:
        filtre |= Q(**{f"{champ}__in": lecteur(agent=agent)})
    return filtre
