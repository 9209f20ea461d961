"""Formats français des gabarits : pluriels, tailles de fichier."""

import pytest

from commun.formats import pluriel, taille_fichier_fr


@pytest.mark.parametrize(
    ("nombre", "attendu"), [(0, ""), (1, ""), (2, "s"), (10, "s"), (-1, ""), ([], ""), ([1, 2], "s")]
)
def test_pluriel(nombre, attendu):
    assert pluriel(nombre) == attendu


@pytest.mark.parametrize(
    ("octets", "attendu"),
    [
        (0, "0 octet"),
        (1, "1 octet"),
        (512, "512 octets"),
        (1024, "1 Ko"),
        (5427, "5,3 Ko"),
        (3 * 1024 * 1024 + 512 * 1024, "3,5 Mo"),
        (5 * 1024 * 1024, "5 Mo"),
        (2 * 1024**3, "2 Go"),
        (None, "0 octet"),
    ],
)
def test_taille_fichier(octets, attendu):
    assert taille_fichier_fr(octets) == attendu.replace(" ", "\u00a0")
