"""Les refus et erreurs du paiement en ligne (messages en français, montrés au parent)."""


class PaiementImpossible(Exception):
    pass


class PrestataireInjoignable(Exception):
    """Le prestataire ne répond pas : rien n'est débité, rien n'est enregistré."""


class SignatureInvalide(Exception):
    """Rien n'est sûr (signature absente, fausse, périmée ou datée du futur) : 400."""


class CorpsIllisible(SignatureInvalide):
    """Signé, mais illisible (pas du JSON, trop imbriqué, pas un objet) : 400, rien d'écrit."""


class NotificationInconnue(Exception):
    """Une notification qui ne nomme aucune tentative du portail : 400, rien d'écrit."""
