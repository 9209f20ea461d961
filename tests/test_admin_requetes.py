"""Les listes de l'administration lisent en nombre de requêtes constant, quel que soit le nombre
de lignes affichées (issue 22 : à 10 000 familles, une requête par ligne faisait 110 requêtes).

Pour chaque liste enregistrée, sur les données de démonstration, le même agent (superutilisateur :
toutes les listes) ouvre la liste avec une ligne par page puis avec toutes ses lignes ; le nombre
de requêtes doit être le même. Une liste qui n'a pas deux lignes dans la démonstration ne prouve
rien : la démonstration est complétée ici pour qu'il y en ait au moins deux (sinon le test
échoue en le disant)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.qualite.jeux import completer_administration, parent_demo

pytestmark = pytest.mark.django_db


def _listes():
    return sorted((f"{m._meta.app_label}.{m._meta.model_name}", m) for m in admin.site._registry)


def _requetes(client, url, *, par_page, modele_admin, monkeypatch) -> tuple[int, int, list[str]]:
    monkeypatch.setattr(modele_admin, "list_per_page", par_page)
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
    assert reponse.status_code == 200, url
    lignes = len(reponse.context["cl"].result_list)
    return len(requetes), lignes, [q["sql"] for q in requetes.captured_queries]


# Les listes des paquets tiers (journaux de connexion d'axes, tâches, appareils de double
# authentification) : celles de leurs auteurs, ouvertes aux seuls superutilisateurs.
TIERCES = ("axes", "django_tasks_database", "otp_totp")


@pytest.fixture
def superagent(django_user_model):
    from familles.models import Famille

    parent_demo()
    completer_administration(*Famille.objects.order_by("numero")[:2])
    return django_user_model.objects.create_superuser("super-requetes", "s@example.org", "x-Motdepasse-1")


# Au plus tant de pages d'une ligne lues par liste (les premières) : la démonstration en a moins
# pour presque toutes ; une liste plus longue est lue sur ses premières lignes seulement.
PAGES_D_UNE_LIGNE = 25


def test_chaque_liste_de_l_administration_lit_en_requetes_constantes(client, superagent, monkeypatch):
    """Le nombre de requêtes de la liste entière (jusqu'à 200 lignes) est le plus grand de ceux
    des pages d'une ligne : une ligne peut coûter un préchargement que d'autres n'ont pas (une
    famille à afficher), jamais une requête de plus par ligne."""
    client.force_login(superagent)
    trop_petites, croissantes = [], []
    for nom, modele in _listes():
        if modele._meta.app_label in TIERCES:
            continue
        modele_admin = admin.site._registry[modele]
        app, model = nom.split(".")
        url = reverse(f"admin:{app}_{model}_changelist")
        toutes, lignes, sql = _requetes(
            client, url, par_page=200, modele_admin=modele_admin, monkeypatch=monkeypatch
        )
        if lignes < 2:
            trop_petites.append(f"{nom} ({lignes} ligne)")
            continue
        par_ligne = []
        for page in range(1, min(lignes, PAGES_D_UNE_LIGNE) + 1):
            une, lignes_une, _ = _requetes(
                client, f"{url}?p={page}", par_page=1, modele_admin=modele_admin, monkeypatch=monkeypatch
            )
            assert lignes_une == 1, (nom, page)
            par_ligne.append(une)
        if toutes != max(par_ligne):
            croissantes.append(
                f"{nom} : {max(par_ligne)} requêtes au plus pour 1 ligne, {toutes} pour {lignes}\n  "
                + "\n  ".join(sql)
            )
    assert not croissantes, "\n".join(croissantes)
    assert not trop_petites, "listes sans deux lignes dans la démonstration : " + ", ".join(trop_petites)


GRANDES_TABLES = (
    "facturation.facture",
    "facturation.reglement",
    "enfants.reservation",
    "enfants.absence",
    "enfants.presence",
    "commun.audit",
    "demandes.demande",
)


@pytest.mark.parametrize("nom", GRANDES_TABLES)
def test_une_recherche_dans_une_grande_table_ne_compte_pas_toute_la_table(client, superagent, nom):
    """Avec une recherche, Django compte d'ordinaire aussi toute la table (« 3 résultats (240 048
    au total) ») : un COUNT(*) sans condition sur des centaines de milliers de lignes."""
    client.force_login(superagent)
    app, model = nom.split(".")
    table = admin.site._registry[next(m for m in admin.site._registry if m._meta.label_lower == nom)]
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": "DUPONT"})
    assert reponse.status_code == 200
    comptes_complets = [
        q["sql"] for q in requetes.captured_queries if "COUNT(" in q["sql"] and " WHERE " not in q["sql"]
    ]
    assert table.show_full_result_count is False
    assert comptes_complets == []


# --- Recherche des factures et des règlements (issue 22) : exacte d'abord, sans jointure ---


def _recherche(client, nom, terme) -> set[str]:
    app, model = nom.split(".")
    reponse = client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": terme})
    assert reponse.status_code == 200
    return {obj.numero for obj in reponse.context["cl"].result_list}


@pytest.fixture
def guichet(django_user_model):
    """Deux familles dont les numéros se contiennent (…01 et …010), des factures et des
    règlements dont les numéros se contiennent aussi (AL-7 et AL-70), deux régies."""
    from tests import factories as f

    une = f.FamilleFactory(numero="3000000000001")
    dix = f.FamilleFactory(numero="3000000000010")
    f.ResponsableFactory(famille=une, nom="DUPONT", prenom="JEAN")
    centre = f.RegieFactory(code="CL", nom="Régie du centre de loisirs")
    f.FactureFactory(famille=une, numero="AL-7")
    f.FactureFactory(famille=dix, numero="AL-70")
    f.FactureFactory(famille=dix, numero="CL-3000000000001", regie=centre)
    f.ReglementFactory(famille=une, numero="R-7")
    f.ReglementFactory(famille=dix, numero="R-70", reference_externe="pi_3000000000001")
    return django_user_model.objects.create_superuser("super-guichet", "g@example.org", "x-Motdepasse-1")


def test_un_numero_de_famille_exact_donne_les_factures_de_cette_famille_seulement(client, guichet):
    """« 3000000000001 » est contenu dans le N° de la famille …010 et dans le numéro d'une de ses
    factures : seules les factures de la famille …001 sortent."""
    client.force_login(guichet)
    assert _recherche(client, "facturation.facture", "3000000000001") == {"AL-7"}
    assert _recherche(client, "facturation.reglement", " 3000000000001 ") == {"R-7"}


def test_un_numero_de_facture_exact_donne_cette_facture_seulement(client, guichet):
    client.force_login(guichet)
    assert _recherche(client, "facturation.facture", "AL-7") == {"AL-7"}
    assert _recherche(client, "facturation.reglement", "R-7") == {"R-7"}


def test_un_morceau_de_numero_ou_de_regie_cherche_comme_django(client, guichet):
    """Hors numéro exact, chaque mot est cherché dans les numéros, les N° Famille et les régies
    (les mêmes résultats que la recherche de Django, sans ses jointures)."""
    client.force_login(guichet)
    assert _recherche(client, "facturation.facture", "al-7") == {"AL-7", "AL-70"}
    assert _recherche(client, "facturation.facture", "000000010") == {"AL-70", "CL-3000000000001"}
    assert _recherche(client, "facturation.facture", "loisirs") == {"CL-3000000000001"}
    assert _recherche(client, "facturation.facture", "loisirs 3000") == {"CL-3000000000001"}
    assert _recherche(client, "facturation.facture", "DUPONT") == set()
    assert _recherche(client, "facturation.reglement", "pi_3000") == {"R-70"}
    assert _recherche(client, "facturation.reglement", "r-7") == {"R-7", "R-70"}


def test_au_dela_de_mille_familles_la_recherche_passe_par_une_sous_requete(client, guichet, monkeypatch):
    from facturation.admin import FactureAdmin

    monkeypatch.setattr(FactureAdmin, "FAMILLES_EN_LISTE_MAX", 1)
    client.force_login(guichet)
    assert _recherche(client, "facturation.facture", "30000000000") == {"AL-7", "AL-70", "CL-3000000000001"}


def test_la_recherche_des_demandes_trouve_familles_responsables_et_enfants_sans_jointure(
    client, guichet, monkeypatch
):
    """N° Famille exact : cette famille seulement ; sinon chaque mot dans le N° Famille, les noms
    et prénoms des responsables ou ceux de l'enfant (comme `search_fields`), chaque demande une
    seule fois même quand deux responsables correspondent."""
    from demandes.admin import DemandeAdmin
    from demandes.models import Demande
    from familles.models import Famille
    from tests import factories as f

    une, dix = Famille.objects.get(numero="3000000000001"), Famille.objects.get(numero="3000000000010")
    f.ResponsableFactory(famille=une, role="second", nom="DUPONT", prenom="MARIE")
    lea = f.EnfantFactory(famille=dix, nom="MARTIN", prenom="Léa")

    def demande(famille, enfant=None):
        return Demande.objects.create(famille=famille, enfant=enfant, type="inscription_activite", donnees={})

    d_une, d_dix, d_lea = demande(une), demande(dix), demande(dix, lea)
    client.force_login(guichet)

    def trouvees(terme):
        reponse = client.get(reverse("admin:demandes_demande_changelist"), {"q": terme})
        assert reponse.status_code == 200
        return sorted(d.pk for d in reponse.context["cl"].result_list)

    assert trouvees("3000000000001") == [d_une.pk]
    assert trouvees("dupont") == [d_une.pk]
    assert trouvees("LéA") == [d_lea.pk]
    assert trouvees("martin 30000") == [d_lea.pk]
    assert trouvees("00000000") == sorted([d_une.pk, d_dix.pk, d_lea.pk])
    monkeypatch.setattr(DemandeAdmin, "IDS_EN_LISTE_MAX", 0)
    assert trouvees("dupont") == [d_une.pk]
