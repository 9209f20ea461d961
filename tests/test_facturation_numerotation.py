"""Les règlements que le portail enregistre lui-même (carte bancaire en ligne, PayFiP plus tard)
ont leur propre série de numéros par régie (`WEB-AL-1`, `WEB-AL-2`…) : un numéro venu du
logiciel de facturation ne peut jamais la rencontrer."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from facturation import importation, services
from facturation.models import Regie, Reglement
from tests.factories import FactureFactory, RegieFactory, famille_avec_parent

pytestmark = pytest.mark.django_db

ENTETE = "numero_reglement;numero_famille;regie;date;mode;montant"


def paiement_en_ligne(famille, regie, montant="12.00") -> Reglement:
    return services.reglement_enregistrer(
        famille=famille,
        regie=regie,
        montant=Decimal(montant),
        mode=Reglement.Mode.CARTE_EN_LIGNE,
        date=datetime.date.today(),
        origine=Reglement.Origine.EN_LIGNE,
        reference_externe=f"cs_test_{Reglement.objects.count()}",
    )


def importer(tmp_path, lignes):
    chemin = tmp_path / "reglements.csv"
    chemin.write_text("\n".join([ENTETE, *lignes]), encoding="utf-8")
    erreurs = io.StringIO()
    try:
        call_command("importer_reglements", str(chemin), stdout=io.StringIO(), stderr=erreurs)
    except CommandError:
        return erreurs.getvalue()
    return ""


def test_le_portail_numerote_dans_sa_serie_et_l_import_ne_la_rencontre_jamais(tmp_path):
    famille = famille_avec_parent().famille
    regie = RegieFactory(code="AL")
    premier, second = paiement_en_ligne(famille, regie), paiement_en_ligne(famille, regie)
    assert (premier.numero, second.numero) == ("WEB-AL-1", "WEB-AL-2")
    # Le logiciel de facturation numérote de son côté à partir de 1 : aucune collision.
    numero = famille.numero
    assert (
        importer(
            tmp_path,
            [f"AL-1;{numero};AL;10/04/2015;Chèque;20,00", f"AL-2;{numero};AL;10/04/2015;Espèces;5,00"],
        )
        == ""
    )
    assert set(Reglement.objects.values_list("numero", flat=True)) == {"WEB-AL-1", "WEB-AL-2", "AL-1", "AL-2"}
    assert paiement_en_ligne(famille, regie).numero == "WEB-AL-3"
    assert Regie.objects.get(pk=regie.pk).dernier_numero_portail == 3


def test_un_numero_de_la_serie_du_portail_est_refuse_a_l_import(tmp_path):
    """Même pour une régie dont le code serait « WEB » (ses numéros importés commencent par
    « WEB- ») : la série du portail est refusée à l'import, nommément."""
    famille = famille_avec_parent().famille
    RegieFactory(code="WEB")
    erreurs = importer(tmp_path, [f"WEB-WEB-1;{famille.numero};WEB;10/04/2015;Chèque;20,00"])
    assert (
        "Ligne 2, colonne « numero_reglement » : le numéro « WEB-WEB-1 » est de la série des "
        "paiements enregistrés par le portail (WEB-WEB-…)"
    ) in erreurs
    assert not Reglement.objects.exists()
    assert importer(tmp_path, [f"WEB-1;{famille.numero};WEB;10/04/2015;Chèque;20,00"]) == ""


def test_un_paiement_en_ligne_ne_reprend_jamais_un_numero_deja_pris():
    """Un numéro de la série déjà en base (reprise de données, saisie manuelle) est sauté."""
    famille = famille_avec_parent().famille
    regie = RegieFactory(code="AL")
    Reglement.objects.create(
        regie=regie,
        numero="WEB-AL-1",
        famille=famille,
        date=datetime.date.today(),
        mode="cheque",
        montant=Decimal("1.00"),
    )
    assert paiement_en_ligne(famille, regie).numero == "WEB-AL-2"


CODES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=10)
NUMEROS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/", min_size=1, max_size=30)


@given(code=CODES, numero=NUMEROS, rang=st.integers(min_value=1, max_value=10**9))
def test_un_numero_accepte_a_l_import_n_est_jamais_un_numero_du_portail(code, numero, rang):
    """Pour tout code de régie et tout numéro : si l'import l'accepte, ce n'est pas un numéro que
    le portail attribue ; et un numéro attribué par le portail est toujours refusé à l'import."""
    regie = Regie(code=code, nom=code)
    for candidat in (numero, f"{code}-{numero}", f"WEB-{code}-{rang}"):
        accepte = importation.numero_reglement_verifier(candidat, regie) is None
        if accepte:
            assert not services.numero_du_portail(candidat, regie=regie)
    portail = services.numero_portail(regie=regie, rang=rang)
    assert services.numero_du_portail(portail, regie=regie)
    assert importation.numero_reglement_verifier(portail, regie) is not None


def test_migration_renumerote_les_paiements_en_ligne_deja_enregistres():
    """La migration passe les paiements en ligne déjà numérotés dans la série de la régie
    (AL-229…) dans la série du portail, dans l'ordre d'enregistrement."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("facturation.migrations.0005_numerotation_portail")
    famille = famille_avec_parent().famille
    regie = RegieFactory(code="AL")
    facture = FactureFactory(famille=famille, regie=regie)
    anciens = [
        Reglement.objects.create(
            regie=regie,
            numero=f"AL-{229 + i}",
            famille=famille,
            date=facture.date_facture,
            mode="carte_en_ligne",
            montant=Decimal("1.00"),
            origine="en_ligne",
            reference_externe=f"cs_{i}",
        )
        for i in range(2)
    ]
    importe = Reglement.objects.create(
        regie=regie,
        numero="AL-12",
        famille=famille,
        date=facture.date_facture,
        mode="cheque",
        montant=Decimal("1.00"),
    )
    migration.renumeroter(apps, None)
    assert [Reglement.objects.get(pk=r.pk).numero for r in anciens] == ["WEB-AL-1", "WEB-AL-2"]
    assert Reglement.objects.get(pk=importe.pk).numero == "AL-12"
    assert Regie.objects.get(pk=regie.pk).dernier_numero_portail == 2
