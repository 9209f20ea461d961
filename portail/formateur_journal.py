"""Formateur des journaux (chargé par LOGGING avant les applications : aucun import Django)."""

import time

from pythonjsonlogger.json import JsonFormatter


class FormateurJson(JsonFormatter):
    """Une ligne JSON par événement, horodatage en UTC."""

    converter = time.gmtime
