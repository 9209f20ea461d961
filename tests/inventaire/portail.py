from tests.inventaire import PagePortail


def _a_faire_volume(parent, n):
    # Le bloc « À faire » : n pièces refusées (au motif long) et n textes à lire.
    from tests.factories import VersionTexteFactory, piece_deposee

    for i in range(n):
        piece_deposee(
            famille=parent.famille,
            statut="refusee",
            motif="Document illisible : photographiez chaque page à plat, en pleine lumière, sans reflet.",
        )
        VersionTexteFactory(texte__titre=f"Règlement intérieur de la structure n° {i}")


PAGES = [
    # 8 : session, compte, pièces, textes à lire, campagnes ouvertes (une requête ; l'avancement
    # du dossier, une de plus s'il y en a une), places proposées des listes d'attente (jours et
    # inscriptions, une requête), situation, messages non lus.
    PagePortail("portail:accueil", requetes=8, volume=_a_faire_volume),
]


# Une requête par modèle relié à une famille (portail.export) plus l'en-tête : constant (le dossier
# de campagne, issue 18 : une de plus).
BUDGET_EXPORT = 40


def _volume_donnees(parent, n):
    from tests.factories import EnfantFactory

    EnfantFactory.create_batch(n, famille=parent.famille)


# Mes données : une requête par modèle relié à la famille (issue 18 : dossier de campagne ;
# issue 19 : attestations fiscales envoyées, mandats SEPA et leurs événements, lignes des
# paiements en ligne, consommations exportées vers la facturation ; issue 21 : choix de
# notification des comptes ; issue 22 : lectures des fils par compte).
PAGES += [
    PagePortail("portail:mes_donnees", requetes=37, volume=_volume_donnees, budget=BUDGET_EXPORT),
    PagePortail(
        "portail:mes_donnees_json", requetes=36, volume=_volume_donnees, html=False, budget=BUDGET_EXPORT
    ),
]
