"""Formulaires du portail : après une erreur, un résumé en tête de page (RGAA 11.10, 11.11).

Le résumé liste chaque erreur avec un lien vers son champ ; le titre de la page commence par
« Erreur : » ; le focus va au résumé (tests navigateur). Sans JavaScript, résumé et liens
fonctionnent (ancres vers les champs).
"""

import pytest
import tinyhtml5

from tests.formulaires import formulaires
from tests.inventaire import pages
from tests.qualite.formulaires_en_erreur import (
    FORMULAIRES_EN_ERREUR,
    FORMULAIRES_SANS_ERREUR_POSSIBLE,
)
from tests.qualite.visites import Visite, demander, ids_visites, preparer_visite

pytestmark = pytest.mark.django_db

XHTML = "{http://www.w3.org/1999/xhtml}"
CHAMPS = {f"{XHTML}{balise}" for balise in ("input", "select", "textarea")}
VISITES_EN_ERREUR = [
    id_ for id_ in ids_visites(html_seulement=True) if id_.startswith("erreurs:") or id_.endswith("_erreurs")
]


def _arbre(html: str):
    return tinyhtml5.parse(html)


def _par_id(arbre) -> dict:
    return {e.get("id"): e for e in arbre.iter() if e.get("id")}


def _texte(element) -> str:
    return " ".join("".join(element.itertext()).split())


def resume(html: str) -> dict:
    """Le résumé des erreurs de la page : ses liens (cible → texte) et ses lignes sans lien."""
    arbre = _arbre(html)
    elements = _par_id(arbre)
    bloc = elements.get("resume-erreurs")
    if bloc is None:
        return {}
    liens = {a.get("href"): _texte(a) for a in bloc.iter(f"{XHTML}a")}
    lignes = [_texte(li) for li in bloc.iter(f"{XHTML}li")]
    return {"bloc": bloc, "liens": liens, "lignes": lignes, "elements": elements, "arbre": arbre}


def test_les_visites_en_erreur_couvrent_les_formulaires_declares():
    assert {f"erreurs:{nom}" for nom in FORMULAIRES_EN_ERREUR} <= set(VISITES_EN_ERREUR)
    assert len(VISITES_EN_ERREUR) >= len(FORMULAIRES_EN_ERREUR) + 4  # pages de mot de passe


@pytest.mark.parametrize("id_", VISITES_EN_ERREUR)
def test_resume_des_erreurs_en_tete_avec_un_lien_par_champ(id_, client):
    visite: Visite = preparer_visite(id_)
    reponse = demander(client, visite)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    trouve = resume(html)
    assert trouve, f"{id_} : pas de résumé des erreurs"
    arbre, elements = trouve["arbre"], trouve["elements"]
    # En tête du contenu : avant le titre de la page, le focus y va au chargement.
    principal = elements["contenu"]
    premier_titre = next(principal.iter(f"{XHTML}h1"))
    ordre = list(principal.iter())
    assert ordre.index(trouve["bloc"]) < ordre.index(premier_titre)
    assert trouve["bloc"].get("tabindex") == "-1"
    assert _texte(next(arbre.iter(f"{XHTML}title"))).startswith("Erreur : ")
    assert "/static/js/erreurs.js" in html
    # Chaque lien mène à un champ de la page ; chaque champ signalé invalide a son lien.
    cibles = set()
    for href in trouve["liens"]:
        assert href.startswith("#"), href
        cible = elements.get(href[1:])
        assert cible is not None and cible.tag in CHAMPS, f"{id_} : lien {href} sans champ"
        cibles.add(href[1:])
    invalides = {e.get("id") for e in arbre.iter() if e.get("aria-invalid") == "true"}
    assert invalides <= cibles | {i for i in invalides if i.rsplit("_", 1)[0] + "_0" in cibles}, (
        f"{id_} : champs invalides sans lien dans le résumé : {invalides - cibles}"
    )
    assert trouve["lignes"] and all(trouve["lignes"])


def test_le_resume_nomme_le_champ_et_l_erreur(client_parent):
    reponse = client_parent.post("/messagerie/nouveau/", {"objet": "", "texte": "Bonjour"})
    trouve = resume(reponse.content.decode())
    assert trouve["liens"] == {
        "#id_structure": "Destinataire : Choisissez la structure à qui écrire.",
        "#id_objet": "Objet : Indiquez l'objet du message.",
    }
    assert "Le formulaire contient 2 erreurs" in _texte(trouve["bloc"])
    assert "Corrigez les champs suivants" in _texte(trouve["bloc"])


def test_une_erreur_generale_est_listee_sans_lien(client, parent):
    reponse = client.post("/connexion/", {"username": parent.username, "password": "faux"})
    trouve = resume(reponse.content.decode())
    assert trouve["liens"] == {}
    assert trouve["lignes"] == [
        "Identifiant ou mot de passe incorrect. Vérifiez votre saisie "
        "(les majuscules comptent) ou utilisez « Mot de passe oublié ? »."
    ]
    assert "Le formulaire contient une erreur" in _texte(trouve["bloc"])
    assert "Vérifiez votre saisie puis envoyez à nouveau le formulaire" in _texte(trouve["bloc"])
    assert "champ" not in _texte(trouve["bloc"])


def test_cases_a_cocher_le_lien_mene_a_la_premiere_case(client_parent):
    from tests.factories import StructureFactory

    StructureFactory(nom="Crèche")
    reponse = client_parent.post("/enfants/nouveau/", {"jours": ["dimanche"]})
    trouve = resume(reponse.content.decode())
    assert "#id_jours_0" in trouve["liens"]
    assert trouve["elements"]["id_jours_0"].get("type") == "checkbox"


@pytest.mark.parametrize(
    "id_", sorted(i for i in ids_visites(html_seulement=True) if i not in VISITES_EN_ERREUR)
)
def test_pas_de_resume_sans_erreur(id_, client):
    reponse = demander(client, preparer_visite(id_))
    html = reponse.content.decode()
    assert 'id="resume-erreurs"' not in html
    assert "/static/js/erreurs.js" not in html
    assert "<title>Erreur" not in html


def _a_remplir(formulaire) -> bool:
    visibles = [c for c in formulaire.champs.values() if c.type != "hidden"]
    return formulaire.methode == "post" and bool(visibles)


@pytest.mark.parametrize("nom", sorted(n for n, p in pages().items() if p.html and p.methode == "GET"))
def test_chaque_formulaire_du_portail_est_controle_en_erreur(nom, client):
    """Une page qui porte un formulaire à remplir est visitée réaffichée avec ses erreurs."""
    reponse = demander(client, preparer_visite(nom))
    a_remplir = [f for f in formulaires(reponse.content.decode()) if _a_remplir(f)]
    if not a_remplir:
        assert nom not in FORMULAIRES_EN_ERREUR, f"{nom} : plus de formulaire, retirez-la"
        return
    assert nom in FORMULAIRES_EN_ERREUR or nom in FORMULAIRES_SANS_ERREUR_POSSIBLE, (
        f"{nom} porte un formulaire : déclarez des données refusées dans "
        "tests/qualite/formulaires_en_erreur.py"
    )


def test_paiement_en_ligne_resume_des_erreurs(client_parent, parent, settings):
    from tests.factories import FactureFactory

    settings.DEMO = True
    facture = FactureFactory(famille=parent.famille)
    reponse = client_parent.post(f"/releve/factures/{facture.pk}/payer/", {"email": "pas-un-courriel"})
    trouve = resume(reponse.content.decode())
    assert trouve["liens"] == {
        "#id_email": "Adresse email pour recevoir le reçu de paiement : "
        "Saisissez une adresse email valide (exemple : nom@domaine.fr)."
    }


def test_paiement_indisponible_aucun_resume_vers_un_champ_absent(client_parent, parent):
    from tests.factories import FactureFactory

    facture = FactureFactory(famille=parent.famille)
    reponse = client_parent.post(f"/releve/factures/{facture.pk}/payer/", {"email": "x"})
    html = reponse.content.decode()
    assert 'id="id_email"' not in html
    assert 'id="resume-erreurs"' not in html
