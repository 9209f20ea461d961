"""Fiabilité : double envoi simultané d'un formulaire, panne au milieu d'une écriture."""

import pytest

from commun.models import Audit
from demandes import registre, services
from demandes.models import Demande
from familles.models import Famille, Responsable
from tests.aides import en_meme_temps
from tests.factories import agent_ccas, demande_creer, famille_avec_parent


@pytest.mark.django_db(transaction=True)
def test_double_envoi_simultane_une_seule_demande():
    """Deux envois du même formulaire au même instant (double clic, deux onglets) : une seule
    demande en attente ; l'autre envoi reçoit « déjà en attente ». Sur PostgreSQL, deux fils et
    deux connexions ; sur SQLite, les envois se suivent (pas de verrou de ligne)."""
    from commun.permissions import donnees_de_reference_rejouer

    donnees_de_reference_rejouer()
    parent = famille_avec_parent()

    def envoyer():
        try:
            demande_creer(parent, "caf", {"quotient_familial": "640"})
            return "creee"
        except services.DemandeEnDouble:
            return "double"

    resultats = en_meme_temps(envoyer, envoyer)
    assert sorted(resultats) == ["creee", "double"]
    assert Demande.objects.filter(famille=parent.famille, statut="en_attente").count() == 1


@pytest.mark.django_db
def test_panne_pendant_l_acceptation_ne_laisse_rien_a_moitie():
    """L'application de la demande échoue au milieu : la fiche, la demande et l'audit restent
    tels qu'avant (une seule transaction)."""
    parent = famille_avec_parent()
    agent = agent_ccas()
    demande = demande_creer(parent, "responsable", {"adresse": "3 rue Neuve", "ville": "CHARTRES"})
    type_ = registre.type_demande("responsable")
    appliquer = type_.appliquer

    def appliquer_puis_panne(*args, **kwargs):
        appliquer(*args, **kwargs)  # la fiche est modifiée…
        raise RuntimeError("panne injectée après l'écriture")  # … puis tout s'arrête

    audits = Audit.objects.count()
    # Le type de demande est un dataclass figé : on remplace son service le temps du test.
    object.__setattr__(type_, "appliquer", appliquer_puis_panne)
    try:
        with pytest.raises(RuntimeError, match="panne injectée"):
            services.demande_accepter(demande=demande, agent=agent)
    finally:
        object.__setattr__(type_, "appliquer", appliquer)
    responsable = Responsable.objects.get(famille=parent.famille, role="principal")
    assert responsable.adresse != "3 rue Neuve"
    demande.refresh_from_db()
    assert demande.statut == "en_attente" and demande.decide_par is None
    assert Audit.objects.count() == audits
    assert Famille.objects.filter(pk=parent.famille_id).exists()
