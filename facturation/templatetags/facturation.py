"""Formats de la facturation : quantités et prix unitaires à la française (`commun.formats`)."""

from django import template

from commun import formats

register = template.Library()

register.filter("montant_court", formats.montant_court)
register.filter("prix_unitaire", formats.prix_unitaire)
