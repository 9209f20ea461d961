"""Lectures de la messagerie."""


def messages_non_lus_nombre(*, famille) -> int:
    """Nombre de messages non lus de la famille (0 tant que la messagerie n'a pas de messages).

    La boîte de réception (issue « Boîte de réception ») remplace ce calcul par une requête.
    """
    return 0
