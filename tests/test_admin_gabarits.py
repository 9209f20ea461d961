"""Les pages de l'administration écrites pour le portail gardent le fil d'Ariane de Django 6 :
une liste ordonnée (`<ol class="breadcrumbs">`), la page courante marquée `aria-current`
(lecteurs d'écran : « Fil d'Ariane, liste, 4 éléments »), comme les pages de Django autour."""

import pathlib
import re

import pytest

GABARITS = sorted((pathlib.Path(__file__).resolve().parent.parent / "templates" / "admin").rglob("*.html"))
BLOC = re.compile(r"{%\s*block breadcrumbs\s*%}(.*?){%\s*endblock", re.S)


def _avec_fil() -> list[pathlib.Path]:
    """Les gabarits qui écrivent leur fil (un bloc vide, comme la page de connexion, n'en a pas)."""
    return [g for g in GABARITS if (bloc := BLOC.search(g.read_text())) and bloc.group(1).strip()]


def test_il_y_a_des_fils_a_controler():
    assert len(_avec_fil()) >= 5


@pytest.mark.parametrize("gabarit", _avec_fil(), ids=lambda g: str(g).split("templates/admin/")[1])
def test_fil_d_ariane_en_liste_avec_la_page_courante(gabarit):
    bloc = BLOC.search(gabarit.read_text()).group(1)
    assert '<ol class="breadcrumbs">' in bloc, 'un <ol class="breadcrumbs">, pas un <div>'
    assert 'aria-current="page"' in bloc
    assert "›" not in bloc, "les séparateurs sont dessinés par la feuille de style de Django"
    # Le séparateur de Django est collé au texte : l'espace vient du blanc entre les éléments.
    assert "</li><li" not in bloc, "un blanc (retour à la ligne) entre les <li>"
