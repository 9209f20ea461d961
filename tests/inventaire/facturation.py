import datetime
from decimal import Decimal

from facturation import services
from tests.factories import FactureFactory, RegieFactory
from tests.inventaire import PagePortail


def _facture(parent, **kwargs):
    return FactureFactory(famille=parent.famille, regie=RegieFactory(), **kwargs)


def preparer_releve(parent) -> dict:
    facture = _facture(parent, date_facture=datetime.date.today())
    services.reglement_enregistrer(famille=parent.famille, regie=facture.regie,
                                   montant=Decimal("5.00"), mode="cheque",
                                   date=datetime.date.today())
    return {}


def volume_releve(parent, n: int) -> None:
    regie = RegieFactory()
    for _ in range(n):
        facture = _facture(parent, date_facture=datetime.date.today())
        services.reglement_enregistrer(famille=parent.famille, regie=regie, montant=Decimal("1.00"),
                                       mode="cheque", date=datetime.date.today(),
                                       factures=[facture])


def preparer_pdf(parent) -> dict:
    return {"pk": _facture(parent).pk}


def volume_pdf(parent, n: int) -> None:
    # Le PDF d'une facture : ses lignes sont préchargées (une requête, quel qu'en soit le nombre).
    pass


PAGES = [
    PagePortail("facturation:releve", preparer=preparer_releve, volume=volume_releve),
    PagePortail("facturation:facture_pdf", preparer=preparer_pdf, html=False),
]
