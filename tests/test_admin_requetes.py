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

from tests.qualite.jeux import parent_demo

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


def _completer(famille_a, famille_b) -> None:
    """Au moins deux lignes, de deux familles, aux listes que la démonstration laisse presque vides."""
    import datetime

    from django.utils import timezone

    from enfants.models import Campagne, Inscription
    from facturation.models import EvenementPaiement, Facture, Mandat, PaiementEnLigne
    from messagerie.models import AttestationEnvoyee, Diffusion
    from tests import factories as f

    aujourd_hui = timezone.localdate()
    for famille in (famille_a, famille_b):
        inscription = Inscription.objects.filter(enfant__famille=famille).first() or f.InscriptionFactory(
            enfant=f.EnfantFactory(famille=famille)
        )
        for jours in (1, 2):
            f.AbsenceFactory(inscription=inscription, date=aujourd_hui + datetime.timedelta(days=jours + 20))
            f.PresenceFactory(inscription=inscription, date=aujourd_hui - datetime.timedelta(days=jours + 40))
        facture = Facture.objects.filter(famille=famille).first() or f.FactureFactory(famille=famille)
        PaiementEnLigne.objects.create(
            facture=facture,
            famille=famille,
            tentative=PaiementEnLigne.objects.count() + 1,
            montant=facture.montant,
            email="parent@example.org",
            prestataire="stripe",
            expire_le=timezone.now(),
        )
        AttestationEnvoyee.objects.create(famille=famille, annee=2020, montant="12.50")
        Mandat.objects.create(
            famille=famille,
            rum=f"PF-{famille.numero}-099",  # la démonstration a déjà le -001 de MARTIN
            ics="FR72ZZZ123456",
            titulaire="JEAN DUPONT",
            iban="FR7630006000011234567890189",
            date_signature=aujourd_hui,
        )
        campagne = Campagne.objects.first() or f.CampagneFactory()
        campagne.dossiers.get_or_create(famille=famille)
    from facturation.models import PeriodeClose, Regie

    agent = f.UtilisateurFactory(username="agent-export", famille=None, is_staff=True)
    for n in (1, 2):
        PeriodeClose.objects.create(
            regie=Regie.objects.first(),
            du=datetime.date(2020, n, 1),
            au=datetime.date(2020, n, 28),
            close_par=agent,
            fichier="",
        )
        f.FermetureFactory(date_debut=datetime.date(2030, 1, n), date_fin=datetime.date(2030, 1, n))
        f.RegieFactory(code=f"R{n}")
        f.DocumentFactory()
        f.InformationFactory()
        EvenementPaiement.objects.create(
            evenement_id=f"evt_{n}", type="checkout.session.completed", payload="{}"
        )
        Diffusion.objects.create(structure=f.StructureFactory(), objet=f"Sortie {n}", texte="Sortie au parc.")


@pytest.fixture
def superagent(django_user_model):
    from familles.models import Famille

    parent_demo()
    _completer(*Famille.objects.order_by("numero")[:2])
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
