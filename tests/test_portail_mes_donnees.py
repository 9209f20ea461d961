import json

import pytest
from django.urls import reverse

from portail import export
from tests.factories import EnfantFactory, ResponsableFactory

pytestmark = pytest.mark.django_db


def test_export_json_contient_les_donnees_de_la_famille_seulement(client_parent, parent):
    EnfantFactory(famille=parent.famille, prenom="ZÉLIE")
    EnfantFactory(prenom="INTRUS")
    ResponsableFactory(famille=parent.famille, role="conjoint", nom="CONJOINTE")
    reponse = client_parent.get(reverse("portail:mes_donnees_json"))
    assert reponse["Content-Disposition"].startswith("attachment;")
    contenu = json.loads(reponse.content)
    texte = json.dumps(contenu, ensure_ascii=False)
    assert contenu["famille"] == parent.famille.numero
    assert "ZÉLIE" in texte and "CONJOINTE" in texte
    assert "INTRUS" not in texte
    assert parent.password not in texte and "pbkdf2" not in texte and "md5$" not in texte
    sections = {s["modele"] for s in contenu["sections"]}
    assert {"familles.Famille", "familles.Responsable", "familles.Utilisateur",
            "enfants.Enfant"} <= sections


def test_page_lisible(client_parent, parent):
    EnfantFactory(famille=parent.famille, prenom="ZÉLIE")
    page = client_parent.get(reverse("portail:mes_donnees")).content.decode()
    assert "Mes données personnelles" in page
    assert "ZÉLIE" in page
    assert "Enfants (1)" in page


def test_chaque_modele_du_portail_relie_a_une_famille_est_exporte():
    from django.apps import apps

    couverts = {s.modele for s in export.sections()}
    # Un lien vers un compte n'en fait pas une donnée de la famille (comptes des agents).
    parents_possibles = couverts - {apps.get_model("familles", "Utilisateur")}
    for modele in apps.get_models():
        if modele._meta.app_label not in export.APPLICATIONS:
            continue
        relie = any(
            getattr(champ, "related_model", None) in parents_possibles and champ.many_to_one
            for champ in modele._meta.get_fields()
        )
        if relie:
            assert modele in couverts, f"{modele._meta.label} n'est pas dans l'export"
