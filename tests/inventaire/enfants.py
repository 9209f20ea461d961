"""Pages de « Mes enfants » (côté enfants et formulaires de demande de la fiche enfant)."""

from tests.inventaire import PagePortail


def _enfant(parent):
    from tests.factories import DonneesSanitairesFactory, EnfantFactory, PersonneAutoriseeFactory

    enfant = EnfantFactory(famille=parent.famille)
    PersonneAutoriseeFactory(enfant=enfant)
    DonneesSanitairesFactory(enfant=enfant)
    return enfant


def _fiche(parent) -> dict:
    return {"pk": _enfant(parent).pk}


def _liste(parent) -> dict:
    _enfant(parent)
    return {}


def _volume_liste(parent, n) -> None:
    # n enfants, chacun avec une inscription en cours (colonne « Inscriptions en cours »).
    from tests.factories import EnfantFactory, InscriptionFactory

    for _ in range(n):
        InscriptionFactory(enfant=EnfantFactory(famille=parent.famille))


def _volume_fiche(parent, n) -> None:
    from enfants.models import Enfant
    from tests.factories import PersonneAutoriseeFactory, VaccinationFactory

    for enfant in Enfant.objects.filter(famille=parent.famille):
        for _ in range(n):
            PersonneAutoriseeFactory(enfant=enfant)
            VaccinationFactory(enfant=enfant)


def _nouvel_enfant(parent) -> dict:
    from tests.factories import StructureFactory

    StructureFactory(nom="Crèche")
    return {}


def _inscrire(parent) -> dict:
    # Une campagne ouverte qui propose deux activités : l'une ouverte à l'enfant, l'autre non.
    # Rejouée pour la même famille (fuzzing), la préparation retrouve les mêmes objets : la
    # liste des activités proposées ne grandit pas d'un exemple à l'autre.
    from enfants.models import Campagne, Enfant
    from tests.aides_inscriptions import campagne_ouverte, enfant_de, garderie

    numero = parent.famille.numero
    if not Campagne.objects.filter(nom=f"Rentrée {numero}").exists():
        campagne_ouverte(
            garderie(nom=f"Garderie du matin {numero}"),
            garderie(nom=f"Club CM {numero}", niveaux="CM1,CM2"),
            nom=f"Rentrée {numero}",
        )
    enfant = Enfant.objects.filter(famille=parent.famille, classe="CP").first() or enfant_de(
        parent, classe="CP"
    )
    return {"pk": enfant.pk}


def _volume_inscrire(parent, n) -> None:
    from enfants.models import Campagne
    from tests.aides_inscriptions import alsh, garderie

    numero = parent.famille.numero
    campagne = Campagne.objects.get(nom=f"Rentrée {numero}")
    campagne.activites.add(*[garderie(nom=f"Garderie {i} {numero}") for i in range(n)])
    for i in range(n):
        alsh(nom=f"Mercredis {i} {numero}", inscription_toute_annee=True)


# Les demandes ouvertes depuis la fiche d'un enfant (URL à identifiant d'enfant).
CODES_FICHE = (
    "enfant_informations",
    "enfant_personne_ajout",
    "enfant_personne_retrait",
    "enfant_autorisations",
    "enfant_lunettes",
    "enfant_sanitaire",
    "enfant_vaccination",
)
PAGES = [
    PagePortail("enfants:liste", requetes=5, preparer=_liste, volume=_volume_liste),
    PagePortail("enfants:fiche", requetes=6, preparer=_fiche, volume=_volume_fiche),
    PagePortail("demandes:nouvel_enfant", requetes=4, formulaires=1, preparer=_nouvel_enfant),
    PagePortail("enfants:inscrire", requetes=8, formulaires=1, preparer=_inscrire, volume=_volume_inscrire),
    *[
        PagePortail(f"demandes:{code}", requetes=requetes, formulaires=1, preparer=_fiche)
        for code, requetes in (
            ("enfant_informations", 6),
            ("enfant_personne_ajout", 4),
            ("enfant_personne_retrait", 5),
            ("enfant_autorisations", 6),
            ("enfant_lunettes", 6),
            ("enfant_sanitaire", 6),
            ("enfant_vaccination", 4),
        )
    ],
]
