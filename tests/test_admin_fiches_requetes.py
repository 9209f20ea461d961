"""Les fiches de l'administration qui ont des formulaires en ligne lisent en nombre de requêtes
constant, quel que soit le nombre de lignes (issue 22) : la fiche d'une structure relisait, pour
chacune de ses activités, les pièces et les textes exigés et toute la table des choix (32
requêtes pour six activités à 10 000 familles).

Pour chaque administration qui a des lignes en ligne : la fiche d'un objet avec une ligne dans
chaque formulaire en ligne, puis avec quatre ; même nombre de requêtes. Une administration à
formulaires en ligne sans cas ici fait échouer le test (elle ne serait pas contrôlée)."""

import collections
import datetime
import itertools
import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

pytestmark = pytest.mark.django_db

_numeros = itertools.count(1)


def _structure():
    return f.StructureFactory(nom="Accueil de Loisirs")


def _structure_lignes(structure):
    piece = f.TypePieceFactory()
    texte = f.TexteConsentementFactory()
    activite = f.ActiviteFactory(structure=structure, nom=f"Activité {next(_numeros)}")
    activite.pieces_exigees.add(piece)
    activite.textes_exiges.add(texte)


def _enfant():
    enfant = f.EnfantFactory()
    f.DonneesSanitairesFactory(enfant=enfant)
    return enfant


def _enfant_lignes(enfant):
    f.PersonneAutoriseeFactory(enfant=enfant)
    f.VaccinationFactory(enfant=enfant)


def _famille():
    famille = f.FamilleFactory()
    f.ResponsableFactory(famille=famille, nom="PRINCIPAL", email="principal@example.org")
    return famille


def _famille_lignes(famille):
    # Deux responsables au plus par famille (principal, second) : les lignes qui grandissent
    # sont les comptes ; le second responsable arrive avec la deuxième ligne.
    if famille.responsables.count() == 1:
        f.ResponsableFactory(famille=famille, role="second", nom="SECOND", email="second@example.org")
    f.UtilisateurFactory(famille=famille)


def _texte():
    return f.TexteConsentementFactory()


def _texte_lignes(texte):
    f.VersionTexteFactory(texte=texte)


def _facture():
    return f.FactureFactory(lignes=False, montant="100.00")


def _facture_lignes(facture):
    from facturation.models import Affectation, LigneFacture

    n = next(_numeros)
    LigneFacture.objects.create(
        facture=facture, ordre=n, enfant_nom="LÉA", libelle="Garderie", quantite=1, prix_unitaire=1, montant=1
    )
    Affectation.objects.create(
        facture=facture, reglement=f.ReglementFactory(famille=facture.famille), montant=1
    )


def _reglement():
    return f.ReglementFactory(montant="100.00")


def _reglement_lignes(reglement):
    from facturation.models import Affectation

    facture = f.FactureFactory(famille=reglement.famille)
    Affectation.objects.create(facture=facture, reglement=reglement, montant=1)


def _mandat():
    from facturation.models import Mandat

    return Mandat.objects.create(
        famille=f.FamilleFactory(),
        rum=f"PF-T-{next(_numeros)}",
        ics="FR72ZZZ123456",
        titulaire="JEAN DUPONT",
        iban="FR7630006000011234567890189",
        date_signature=timezone.localdate(),
    )


def _mandat_lignes(mandat):
    from facturation.models import EvenementMandat

    EvenementMandat.objects.create(
        mandat=mandat, nature="amendement", date=datetime.date(2026, 1, next(_numeros) % 28 + 1)
    )


CAS = {
    "enfants.structure": (_structure, _structure_lignes),
    "enfants.enfant": (_enfant, _enfant_lignes),
    "familles.famille": (_famille, _famille_lignes),
    "familles.texteconsentement": (_texte, _texte_lignes),
    "facturation.facture": (_facture, _facture_lignes),
    "facturation.reglement": (_reglement, _reglement_lignes),
    "facturation.mandat": (_mandat, _mandat_lignes),
}


def _avec_formulaires_en_ligne() -> set[str]:
    from django.test import RequestFactory

    from familles.models import Utilisateur

    requete = RequestFactory().get("/")
    requete.user = Utilisateur(is_superuser=True, is_staff=True)
    return {
        f"{modele._meta.app_label}.{modele._meta.model_name}"
        for modele, modele_admin in admin.site._registry.items()
        if modele_admin.get_inlines(requete, None) or modele_admin.inlines
    }


def test_chaque_administration_a_lignes_en_ligne_a_son_cas():
    assert _avec_formulaires_en_ligne() == set(CAS)


@pytest.fixture
def superagent(django_user_model):
    return django_user_model.objects.create_superuser("super-fiches", "s@example.org", "x-Motdepasse-1")


def _requetes(client, url) -> tuple[list[str], str]:
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
    assert reponse.status_code == 200, url
    return [q["sql"] for q in requetes.captured_queries], reponse.content.decode()


@pytest.mark.parametrize("nom", sorted(CAS))
def test_une_fiche_lit_en_requetes_constantes_quel_que_soit_le_nombre_de_lignes(client, superagent, nom):
    creer, ajouter = CAS[nom]
    objet = creer()
    ajouter(objet)
    client.force_login(superagent)
    app, modele = nom.split(".")
    url = reverse(f"admin:{app}_{modele}_change", args=[objet.pk])
    client.get(url)  # premier affichage : caches de Django (types de contenu, permissions)
    une_ligne, _ = _requetes(client, url)
    for _ in range(3):
        ajouter(objet)
    quatre_lignes, page = _requetes(client, url)
    # Ce qui se répète (une requête par ligne), sans les valeurs.
    formes = collections.Counter(re.sub(r"'[^']*'|\b\d+\b", "?", sql)[:300] for sql in quatre_lignes)
    de_trop = [forme for forme, n in formes.items() if n > 1]
    assert len(quatre_lignes) == len(une_ligne), (
        f"{nom} : {len(une_ligne)} requêtes pour une ligne, {len(quatre_lignes)} pour quatre ; "
        f"en plus : {de_trop}"
    )
    assert "TOTAL_FORMS" in page
