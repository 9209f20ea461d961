"""« Identifiant » partout, le mot du guide des familles : jamais « nom d'utilisateur », « login »."""

import re

import pytest
import tinyhtml5
from django.urls import reverse

from familles.models import Utilisateur
from tests.factories import agent_ccas
from tests.qualite.visites import demander, ids_visites, preparer_visite

pytestmark = pytest.mark.django_db

INTERDITS = re.compile(r"nom d['’]utilisateur|\blogin\b|\busername\b", re.IGNORECASE)


def texte_visible(html: str) -> str:
    """Le texte qu'une personne lit (ni balises, ni attributs, ni scripts), et les libellés
    lus par un lecteur d'écran (aria-label, title, placeholder, value des boutons)."""
    arbre = tinyhtml5.parse(html)
    morceaux = []
    for element in arbre.iter():
        if isinstance(element.tag, str) and element.tag.endswith(("script", "style")):
            continue
        morceaux.extend([element.text or "", element.tail or ""])
        morceaux.extend(element.get(a, "") for a in ("aria-label", "title", "placeholder"))
        if element.get("type") in ("submit", "button"):
            morceaux.append(element.get("value", ""))
    return " ".join(" ".join(morceaux).split())


def test_le_champ_s_appelle_identifiant():
    champ = Utilisateur._meta.get_field("username")
    assert champ.verbose_name == "identifiant"
    assert champ.error_messages["unique"] == "Un compte avec cet identifiant existe déjà."


@pytest.mark.parametrize("id_", ids_visites(html_seulement=True))
def test_aucune_page_du_portail_ne_dit_nom_d_utilisateur(id_, client):
    reponse = demander(client, preparer_visite(id_))
    trouve = INTERDITS.findall(texte_visible(reponse.content.decode()))
    assert not trouve, f"{id_} : {trouve}"


def test_le_refus_d_un_mot_de_passe_trop_proche_dit_identifiant(client_parent, parent):
    mot = f"{parent.username.capitalize()}X1"
    reponse = client_parent.post(
        reverse("mot_de_passe_changer"),
        {"ancien_mot_de_passe": "Portail2026Ok", "nouveau_mot_de_passe": mot, "confirmation": mot},
    )
    assert "trop semblable au champ «\u00a0identifiant\u00a0»" in reponse.content.decode()


def test_les_ecrans_des_comptes_famille_de_l_administration(client, parent):
    client.force_login(agent_ccas(is_superuser=True))
    pages = {
        "connexion": reverse("admin:login"),
        "famille": reverse("admin:familles_famille_change", args=[parent.famille_id]),
        "comptes": reverse("admin:familles_utilisateur_changelist"),
        "compte": reverse("admin:familles_utilisateur_change", args=[parent.pk]),
        "nouveau compte": reverse("admin:familles_utilisateur_add"),
    }
    for nom, url in pages.items():
        if nom == "connexion":
            client.logout()
        texte = texte_visible(client.get(url).content.decode())
        assert not INTERDITS.findall(texte), f"{nom} : {INTERDITS.findall(texte)}"
        assert "Identifiant" in texte, nom
        if nom == "connexion":
            client.force_login(agent_ccas(is_superuser=True))
