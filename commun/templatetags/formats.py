"""Filtres des formats français : `{% load formats %}` puis `|euros`, `|montant`, `|pluriel`,
`|taille_fichier`."""

from django import template

from commun import formats

register = template.Library()

register.filter("montant", formats.montant_fr)
register.filter("euros", formats.euros)
register.filter("pluriel", formats.pluriel)
register.filter("taille_fichier", formats.taille_fichier_fr)
