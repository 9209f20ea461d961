"""Les modèles reliés à un modèle racine (la famille) par une chaîne de clés étrangères.

Partagé par l'export RGPD (tout ce qui appartient à une famille est exporté) et par la purge
(tout ce qui appartient à une famille est couvert par une anonymisation). `commun` n'importe
aucune application : la racine et les applications parcourues sont passées en arguments.
"""

from collections import deque

from django.apps import apps
from django.db import models


def modeles_relies(
    racine: type[models.Model],
    *,
    applications: tuple[str, ...],
    profondeur_max: int = 3,
    sans_traverser: tuple[str, ...] = (),
) -> dict[type[models.Model], str]:
    """Chaque modèle des `applications` relié à `racine` (au plus `profondeur_max` clés
    étrangères), avec le lookup qui l'y relie (ex. « enfant__famille ») ; la racine elle-même
    a le chemin « pk ». Les modèles de `sans_traverser` (libellés « app.Modele ») sont
    retenus mais on ne passe pas par eux pour en atteindre d'autres."""
    chemins: dict[type[models.Model], str] = {racine: "pk"}
    file = deque([(racine, "")])
    modeles = [m for m in apps.get_models() if m._meta.app_label in applications]
    while file:
        cible, chemin_cible = file.popleft()
        if chemin_cible.count("__") + 1 > profondeur_max:
            continue
        for modele in modeles:
            if modele in chemins:
                continue
            for champ in modele._meta.get_fields():
                if (
                    isinstance(champ, models.ForeignKey | models.OneToOneField)
                    and champ.related_model is cible
                ):
                    chemin = champ.name if not chemin_cible else f"{champ.name}__{chemin_cible}"
                    chemins[modele] = chemin
                    if modele._meta.label not in sans_traverser:
                        file.append((modele, chemin))
                    break
    return chemins
