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
