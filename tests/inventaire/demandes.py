import itertools

from tests.inventaire import PagePortail

# Des noms d'activité et de campagne uniques, d'une préparation à l'autre.
_SUITE = itertools.count()


def _demande(parent) -> dict:
    from tests.factories import demande_creer

    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})
    return {"pk": demande.pk}


def _formulaire_avec_demande_en_attente(parent) -> dict:
    """Le formulaire « Informations responsable », une demande en attente affichée au-dessus."""
    from tests.factories import demande_creer

    # remplacer : la famille de démonstration a déjà une demande « responsable » en attente.
    demande_creer(parent, "responsable", {"ville": "CHARTRES"}, remplacer=True)
    return {}


def _volume(parent, n) -> None:
    from django.test import override_settings

    from demandes import services
    from tests.factories import agent_ccas, demande_creer

    agent = agent_ccas()
    # n demandes d'un coup : au-delà de la limite par heure d'une famille (des mois d'usage).
    with override_settings(DEMANDES_LIMITE_PAR_HEURE=n + 10):
        for i in range(n):
            demande = demande_creer(parent, "caf", {"quotient_familial": str(600 + i)})
            if i % 2:
                services.demande_accepter(demande=demande, agent=agent)
            else:
                services.demande_refuser(demande=demande, agent=agent, motif="Justificatif manquant")
        demande_creer(parent, "responsable", {"ville": "CHARTRES"}, remplacer=True)


def _place_proposee(parent) -> dict:
    """Une demande d'inscription en liste d'attente à qui une place libérée est proposée."""
    from demandes import inscriptions, services
    from enfants.models import Inscription
    from tests.aides_inscriptions import campagne_ouverte, demander, enfant_de, garderie
    from tests.factories import InscriptionFactory, agent_ccas

    numero = f"{parent.famille.numero}-{next(_SUITE)}"
    activite = garderie(nom=f"Garderie du soir {numero}", places_inscription=1)
    campagne = campagne_ouverte(activite, nom=f"Rentrée (place proposée) {numero}")
    occupee = InscriptionFactory(
        activite=activite, date_debut=campagne.periode_debut, date_fin=campagne.periode_fin
    )
    demande = demander(parent, enfant_de(parent), activite, campagne)
    services.demande_accepter(demande=demande, agent=agent_ccas())
    Inscription.objects.filter(pk=occupee.pk).delete()
    inscriptions.propositions_faire(activite_id=activite.pk)
    return {"pk": demande.pk}


PAGES = [
    PagePortail("demandes:proposition", requetes=4, formulaires=1, preparer=_place_proposee),
    PagePortail("demandes:liste", requetes=4, volume=_volume),
    # Le menu de Mon compte lit les campagnes ouvertes (lien « Dossier 2027-2028 ») : une requête.
    PagePortail(
        "demandes:compte_responsable", requetes=6, formulaires=2, preparer=_formulaire_avec_demande_en_attente
    ),
    PagePortail("demandes:compte_conjoint", requetes=6, formulaires=1),
    PagePortail("demandes:compte_fiscales", requetes=6, formulaires=1),
    PagePortail("demandes:compte_caf", requetes=6, formulaires=1),
    PagePortail("demandes:compte_bancaires", requetes=6, formulaires=1),
    PagePortail("demandes:annuler", requetes=7, preparer=_demande, methode="POST", html=False),
]
