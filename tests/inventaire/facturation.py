import datetime

from tests.factories import FactureFactory, RegieFactory, regler
from tests.inventaire import PagePortail


def _facture(parent, **kwargs):
    return FactureFactory(famille=parent.famille, regie=RegieFactory(), **kwargs)


def preparer_releve(parent) -> dict:
    facture = _facture(parent, date_facture=datetime.date.today())
    regler(parent.famille, facture.regie, "5.00")
    preparer_attestation(parent)  # la rubrique « Attestations fiscales » a un lien
    return {}


def volume_releve(parent, n: int) -> None:
    regie = RegieFactory()
    for _ in range(n):
        facture = _facture(parent, date_facture=datetime.date.today())
        regler(parent.famille, regie, "1.00", factures=[facture])


def preparer_pdf(parent) -> dict:
    return {"pk": _facture(parent).pk}


def preparer_recu(parent) -> dict:
    facture = _facture(parent)
    return {"pk": regler(parent.famille, facture.regie, "5.00", factures=[facture]).pk}


def volume_recu(parent, n: int) -> None:
    """Le reçu préparé réparti sur n factures de plus."""
    from decimal import Decimal

    from facturation.models import Affectation, Reglement

    reglement = Reglement.objects.filter(famille=parent.famille).latest("pk")
    for _ in range(n):
        Affectation.objects.create(reglement=reglement, facture=_facture(parent), montant=Decimal("1.00"))
    Reglement.objects.filter(pk=reglement.pk).update(montant=reglement.montant + n)


def preparer_attestation(parent) -> dict:
    """Une garde de l'an dernier payée l'an dernier, pour un enfant de 3 ans."""
    from decimal import Decimal

    from facturation.models import LigneFacture
    from tests.factories import EnfantFactory

    annee = datetime.date.today().year - 1
    enfant = EnfantFactory(famille=parent.famille, date_naissance=datetime.date(annee - 3, 5, 1))
    facture = _facture(parent, date_facture=datetime.date(annee, 3, 31))
    LigneFacture.objects.filter(facture=facture).update(enfant=enfant)
    regler(parent.famille, facture.regie, "5.00", date=datetime.date(annee, 4, 10), factures=[facture])
    assert facture.montant > Decimal("5.00")
    return {"annee": annee}


def preparer_paiement(parent) -> dict:
    return {"pk": _facture(parent).pk}


def _tentative(parent):
    from django.utils import timezone

    from facturation.models import PaiementEnLigne

    facture = _facture(parent)
    return PaiementEnLigne.objects.create(
        facture=facture,
        famille=parent.famille,
        tentative=1,
        montant=facture.montant,
        email="recu@example.fr",
        prestataire=PaiementEnLigne.Prestataire.STRIPE,
        session_id=f"cs_test_inventaire_{facture.pk}",
        url="https://checkout.stripe.com/c/pay/x",
        expire_le=timezone.now() + datetime.timedelta(minutes=30),
    )


def preparer_paiement_retour(parent) -> dict:
    return {"pk": _tentative(parent).pk}


def preparer_mandat(parent):
    import datetime

    from facturation.models import EvenementMandat, Mandat

    mandat = Mandat.objects.create(
        famille=parent.famille,
        rum=f"PF-{parent.famille.numero}-{Mandat.objects.filter(famille=parent.famille).count() + 1:03d}",
        ics="FR72ZZZ123456",
        titulaire="DUPONT JEAN",
        adresse="1 rue de la Mairie 28300 Lèves",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        date_signature=datetime.date(2026, 1, 5),
    )
    EvenementMandat.objects.create(mandat=mandat, nature="creation", date=mandat.date_signature)
    return {"pk": mandat.pk}


PAGES = [
    # Retour et annulation d'un paiement : + 1 requête pour ses factures (LignePaiement).
    # Relevé : 7 requêtes (5 avant les attestations fiscales, + 1 pour les années disponibles,
    # + 1 pour les régies qui encaissent en ligne quand une facture reste à payer).
    PagePortail("facturation:releve", requetes=7, preparer=preparer_releve, volume=volume_releve),
    PagePortail("facturation:facture_pdf", requetes=5, preparer=preparer_pdf, html=False),
    # Reçu de paiement : règlement (régie, famille), affectations et factures, responsables.
    PagePortail("facturation:recu_pdf", requetes=5, preparer=preparer_recu, volume=volume_recu, html=False),
    # Attestation : années disponibles (1), factures et paiements de l'année (2), enfants (1).
    PagePortail("facturation:attestation_pdf", requetes=6, preparer=preparer_attestation, html=False),
    # Mandat SEPA : le mandat (1) et ses événements (1).
    PagePortail("facturation:mandat_pdf", requetes=4, preparer=preparer_mandat, html=False),
    PagePortail("facturation:paiement", requetes=4, preparer=preparer_paiement),
    # Plusieurs factures (?factures=…) : sans case cochée, la page le dit (« Cochez au moins… »)
    # sans lire de facture ; avec 2 ou 20 factures cochées, 4 requêtes
    # (tests/test_facturation_paiement_plusieurs.py::test_requetes_constantes).
    PagePortail("facturation:paiement_plusieurs", requetes=3),
    PagePortail("facturation:paiement_retour", requetes=5, preparer=preparer_paiement_retour),
    # Retour « annuler » du prestataire : une page (GET sans écriture) ; annuler est un POST.
    PagePortail("facturation:paiement_annuler", requetes=5, formulaires=1, preparer=preparer_paiement_retour),
]
