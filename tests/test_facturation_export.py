"""Export des consommations vers le logiciel de facturation : une ligne par enfant, jour et
activité, la clôture de la période, les régularisations exportées une fois, la réexportation
à l'identique, et le refus des changements des familles sur un jour clos."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from enfants import services
from facturation.exportation import ExportInvalide, consommations_exporter
from facturation.exportation import consommations as module_export
from facturation.models import ConsommationExportee, PeriodeClose
from tests.factories import (
    AbsenceFactory,
    ActiviteFactory,
    EnfantFactory,
    FamilleFactory,
    InscriptionFactory,
    PresenceFactory,
    RegieFactory,
    ReservationFactory,
    StructureFactory,
)

pytestmark = pytest.mark.django_db

NOV_DU, NOV_AU = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
DEC_DU, DEC_AU = datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)


def j(jour, mois=11):
    return datetime.date(2026, mois, jour)


@pytest.fixture
def donnees():
    structure = StructureFactory(nom="Accueil Jules Ferry")
    autre = StructureFactory(nom="Crèche Les Lutins")
    regie = RegieFactory(code="AL")
    regie.structures.add(structure)
    garderie = ActiviteFactory(structure=structure, nom="Garderie matin", code_facturation="GARM")
    heures = ActiviteFactory(structure=structure, nom="Accueil du soir", duree_heures=Decimal("2.5"))
    famille = FamilleFactory(numero="0000000000042")
    enfant = EnfantFactory(famille=famille, nom="DUPONT", prenom="LÉA")
    # Contrat régulier le lundi : 2, 9, 16, 23 et 30 novembre 2026.
    inscription = InscriptionFactory(enfant=enfant, activite=garderie, jours_reguliers="0")
    PresenceFactory(inscription=inscription, date=j(9))
    AbsenceFactory(inscription=inscription, date=j(16), etat="excusee")
    AbsenceFactory(inscription=inscription, date=j(23), etat="facturee")
    PresenceFactory(inscription=inscription, date=j(30), present=False)
    ReservationFactory(inscription=inscription, date=j(3))
    PresenceFactory(inscription=inscription, date=j(4))  # sans réservation
    ReservationFactory(inscription=inscription, date=j(5), etat="refusee")  # rien à dire
    soir = InscriptionFactory(enfant=enfant, activite=heures)
    ReservationFactory(inscription=soir, date=j(5))
    # Une structure que la régie ne facture pas : absente du fichier.
    ailleurs = InscriptionFactory(enfant=enfant, activite=ActiviteFactory(structure=autre))
    ReservationFactory(inscription=ailleurs, date=j(3))
    return {"regie": regie, "structure": structure, "autre": autre, "inscription": inscription, "soir": soir}


def lire(fichier: bytes) -> list[dict]:
    assert fichier.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(fichier.decode("utf-8-sig")), delimiter=";"))


def par_jour(lignes):
    return {(ligne["activite"], ligne["date"]): ligne for ligne in lignes}


def test_une_ligne_par_enfant_jour_activite_avec_son_statut(donnees):
    rapport = consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    lignes = lire(rapport.fichier)
    attendu = {
        ("Garderie matin", "02/11/2026"): ("regulier", "oui", "1"),
        ("Garderie matin", "03/11/2026"): ("reserve", "oui", "1"),
        ("Garderie matin", "04/11/2026"): ("present_sans_reservation", "oui", "1"),
        ("Garderie matin", "09/11/2026"): ("reserve_present", "oui", "1"),
        ("Garderie matin", "16/11/2026"): ("reserve_absent_excuse", "non", "1"),
        ("Garderie matin", "23/11/2026"): ("absent_facture", "oui", "1"),
        ("Garderie matin", "30/11/2026"): ("absent_facture", "oui", "1"),
        ("Accueil du soir", "05/11/2026"): ("reserve", "oui", "2,50"),
    }
    assert {k: (v["statut"], v["facturable"], v["quantite"]) for k, v in par_jour(lignes).items()} == attendu
    premiere = lignes[0]
    assert premiere["numero_famille"] == "0000000000042"
    assert premiere["enfant"] == "DUPONT LÉA"
    assert premiere["structure"] == "Accueil Jules Ferry"
    assert premiere["regie"] == "AL"
    assert premiere["regularisation"] == "non"
    assert premiere["periode_origine"] == "01/11/2026-30/11/2026"
    assert par_jour(lignes)[("Garderie matin", "02/11/2026")]["code_facturation"] == "GARM"
    assert rapport.lignes == 8 and rapport.facturables == 7
    assert rapport.fichier.split(b"\r\n")[0].endswith(b"periode_origine")


def test_le_filtre_structure_et_la_structure_hors_regie(donnees):
    rapport = consommations_exporter(
        regie=donnees["regie"], du=NOV_DU, au=NOV_AU, structure=donnees["structure"]
    )
    assert len(lire(rapport.fichier)) == 8
    with pytest.raises(ExportInvalide, match="n'est pas facturée par la régie AL"):
        consommations_exporter(regie=donnees["regie"], du=DEC_DU, au=DEC_AU, structure=donnees["autre"])


def test_dry_run_ne_clot_rien(donnees, tmp_path):
    sortie = tmp_path / "export.csv"
    erreurs = io.StringIO()
    call_command(
        "exporter_consommations", "--du", "01/11/2026", "--au", "30/11/2026", "--regie", "AL",
        "--sortie", str(sortie), "--dry-run", stderr=erreurs,
    )  # fmt: skip
    assert not sortie.exists()
    assert not PeriodeClose.objects.exists() and not ConsommationExportee.objects.exists()
    assert "8 lignes" in erreurs.getvalue() and "pas close" in erreurs.getvalue()


def test_commande_ecrit_le_fichier_et_clot(donnees, tmp_path):
    sortie = tmp_path / "export.csv"
    call_command(
        "exporter_consommations", "--du", "01/11/2026", "--au", "30/11/2026", "--regie", "AL",
        "--sortie", str(sortie), stderr=io.StringIO(),
    )  # fmt: skip
    assert len(lire(sortie.read_bytes())) == 8
    periode = PeriodeClose.objects.get()
    assert (periode.du, periode.au, periode.regie.code) == (NOV_DU, NOV_AU, "AL")
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("exporter_consommations", "--du", "2026-11-01", "--au", "30/11/2026")
    with pytest.raises(CommandError, match="Régie inconnue"):
        call_command("exporter_consommations", "--du", "01/11/2026", "--au", "30/11/2026", "--regie", "ZZ")


def test_reexporter_une_periode_close_rend_les_memes_octets(donnees):
    premier = consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU).fichier
    PresenceFactory(inscription=donnees["inscription"], date=j(2))  # changement d'agent, après coup
    second = consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    assert second.deja_close and second.fichier == premier
    assert PeriodeClose.objects.count() == 1


def test_periode_qui_chevauche_une_periode_close_refusee(donnees):
    consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    with pytest.raises(ExportInvalide, match="chevauche une période déjà close"):
        consommations_exporter(regie=donnees["regie"], du=j(15), au=j(15, 12))


def plus_tard():
    """Les changements qui suivent viennent après la marge de vérification de l'export (sinon
    tout changement fait moins de dix minutes avant l'export suffit à recalculer la période)."""
    PeriodeClose.objects.update(verifiee_le=timezone.now())


def test_regularisation_exportee_une_fois_avec_sa_periode_d_origine(donnees):
    consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    plus_tard()
    # Un agent pointe le 2 novembre (clos) et passe l'absence du 23 en excusée.
    PresenceFactory(inscription=donnees["inscription"], date=j(2))
    absence = donnees["inscription"].absences.get(date=j(23))
    absence.etat = "excusee"
    absence.save()
    decembre = lire(consommations_exporter(regie=donnees["regie"], du=DEC_DU, au=DEC_AU).fichier)
    regularisations = [ligne for ligne in decembre if ligne["regularisation"] == "oui"]
    assert {(r["date"], r["statut"], r["facturable"], r["periode_origine"]) for r in regularisations} == {
        ("02/11/2026", "reserve_present", "oui", "01/11/2026-30/11/2026"),
        ("23/11/2026", "reserve_absent_excuse", "non", "01/11/2026-30/11/2026"),
    }
    janvier = lire(
        consommations_exporter(
            regie=donnees["regie"], du=datetime.date(2027, 1, 1), au=datetime.date(2027, 1, 31)
        ).fichier
    )
    assert [ligne for ligne in janvier if ligne["regularisation"] == "oui"] == []


def test_ligne_disparue_d_un_jour_clos_regularisee_en_annulation(donnees):
    consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    plus_tard()
    reservation = donnees["soir"].reservations.get(date=j(5))
    reservation.etat = "annulee"
    reservation.save()
    decembre = lire(consommations_exporter(regie=donnees["regie"], du=DEC_DU, au=DEC_AU).fichier)
    (ligne,) = [ligne for ligne in decembre if ligne["regularisation"] == "oui"]
    assert (ligne["date"], ligne["statut"], ligne["facturable"], ligne["quantite"]) == (
        "05/11/2026", "annule", "non", "0",
    )  # fmt: skip


def test_periode_close_inchangee_n_est_pas_recalculee(donnees, monkeypatch):
    consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    plus_tard()

    def interdit(origine):
        raise AssertionError(f"{origine} recalculée sans changement")

    monkeypatch.setattr(module_export, "_regularisations", interdit)
    decembre = consommations_exporter(regie=donnees["regie"], du=DEC_DU, au=DEC_AU)
    assert decembre.periodes_reverifiees == 0 and decembre.regularisations == 0


@pytest.mark.parametrize(
    "changement",
    ["presence", "inscription", "activite", "fermeture", "suppression", "suppression-inscription"],
)
def test_ce_qui_fait_recalculer_une_periode_close(donnees, changement):
    consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    plus_tard()
    inscription = donnees["inscription"]
    attendu = None
    if changement == "presence":
        PresenceFactory(inscription=inscription, date=j(2))
        attendu = ("02/11/2026", "reserve_present")
    elif changement == "inscription":
        inscription.jours_reguliers = "01"  # les mardis deviennent réguliers
        inscription.save()
        # Le 3 était réservé : il devient régulier ; les autres mardis apparaissent.
        attendu = [(f"{jour:02d}/11/2026", "regulier") for jour in (3, 10, 17, 24)]
    elif changement == "activite":
        activite = donnees["soir"].activite
        activite.duree_heures = Decimal("3")
        activite.save()
        attendu = ("05/11/2026", "reserve")
    elif changement == "fermeture":
        from enfants.models import Fermeture

        Fermeture.objects.create(structure=donnees["structure"], date_debut=j(2), date_fin=j(2))
        attendu = ("02/11/2026", "annule")
    elif changement == "suppression":
        donnees["soir"].reservations.get(date=j(5)).delete()
        assert PeriodeClose.objects.get().a_reverifier
        attendu = ("05/11/2026", "annule")
    else:
        donnees["soir"].delete()
        assert PeriodeClose.objects.get().a_reverifier
        attendu = ("05/11/2026", "annule")
    decembre = consommations_exporter(regie=donnees["regie"], du=DEC_DU, au=DEC_AU)
    assert decembre.periodes_reverifiees == 1
    regularisations = [ligne for ligne in lire(decembre.fichier) if ligne["regularisation"] == "oui"]
    attendu = attendu if isinstance(attendu, list) else [attendu]
    assert [(r["date"], r["statut"]) for r in regularisations] == attendu
    novembre = PeriodeClose.objects.get(du=NOV_DU)
    assert not novembre.a_reverifier and novembre.verifiee_le is not None
    # La période est de nouveau à jour : l'export suivant ne la recalcule pas.
    plus_tard()
    janvier = consommations_exporter(
        regie=donnees["regie"], du=datetime.date(2027, 1, 1), au=datetime.date(2027, 1, 31)
    )
    assert janvier.periodes_reverifiees == 0


def test_reverifier_tout_voit_ce_qu_une_mise_a_jour_en_masse_ne_date_pas(donnees):
    """Une mise à jour en masse (`QuerySet.update`) ne touche pas `modifie_le` : le code du
    portail n'en fait pas sur ces lignes ; `--reverifier-tout` est le filet."""
    consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    plus_tard()
    donnees["soir"].reservations.filter(date=j(5)).update(etat="annulee")
    decembre = consommations_exporter(regie=donnees["regie"], du=DEC_DU, au=DEC_AU, dry_run=True)
    assert decembre.periodes_reverifiees == 0
    decembre = consommations_exporter(regie=donnees["regie"], du=DEC_DU, au=DEC_AU, reverifier_tout=True)
    assert decembre.periodes_reverifiees == 1 and decembre.regularisations == 1


def test_tout_ou_rien(donnees, monkeypatch):
    def panne(self):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(module_export._Ecrivain, "terminer", panne)
    with pytest.raises(RuntimeError):
        consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    assert not PeriodeClose.objects.exists() and not ConsommationExportee.objects.exists()


def test_la_famille_ne_change_plus_un_jour_clos(donnees):
    inscription = donnees["inscription"]
    maintenant = datetime.datetime(2026, 10, 1, 8, tzinfo=datetime.UTC)
    consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    with pytest.raises(ValidationError, match="Le lundi 2 novembre 2026 est clos"):
        services.absence_declarer(inscription=inscription, date=j(2), motif="Malade", maintenant=maintenant)
    with pytest.raises(ValidationError, match="est clos : les consommations"):
        services.reservation_demander(inscription=inscription, date=j(10), maintenant=maintenant)
    # Décembre n'est pas clos : la demande passe ce contrôle.
    services.reservation_demander(inscription=inscription, date=j(1, 12), maintenant=maintenant)


def test_structure_d_une_autre_regie_pas_close(donnees):
    consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    ailleurs = InscriptionFactory(activite=ActiviteFactory(structure=donnees["autre"]))
    maintenant = datetime.datetime(2026, 10, 1, 8, tzinfo=datetime.UTC)
    services.reservation_demander(inscription=ailleurs, date=j(10), maintenant=maintenant)


# --- La page d'administration ---

URL_EXPORT = "/admin/facturation/periodeclose/exporter/"


def _exportateur(agent):
    from django.contrib.auth.models import Permission

    agent.user_permissions.add(Permission.objects.get(codename="exporter_consommations"))
    return agent


def test_agent_sans_la_permission_403_et_aucun_lien(client, agent, donnees):
    client.force_login(agent)
    assert client.get(URL_EXPORT).status_code == 403
    assert (
        client.post(
            URL_EXPORT, {"regie": donnees["regie"].pk, "du": "01/11/2026", "au": "30/11/2026"}
        ).status_code
        == 403
    )
    assert not PeriodeClose.objects.exists()
    accueil = client.get("/admin/").content.decode()
    assert "periodeclose" not in accueil
    assert client.get("/admin/facturation/periodeclose/").status_code == 403


def test_agent_avec_la_permission_telecharge_et_clot(client, agent, donnees):
    client.force_login(_exportateur(agent))
    assert "/admin/facturation/periodeclose/" in client.get("/admin/").content.decode()
    assert URL_EXPORT in client.get("/admin/facturation/periodeclose/").content.decode()
    page = client.get(URL_EXPORT)
    assert page.status_code == 200 and "Exporter et clore la période" in page.content.decode()
    reponse = client.post(URL_EXPORT, {"regie": donnees["regie"].pk, "du": "2026-11-01", "au": "2026-11-30"})
    assert reponse.status_code == 200
    assert reponse["Content-Disposition"] == 'attachment; filename="consommations-AL-20261101-20261130.csv"'
    assert reponse.streaming
    premier = b"".join(reponse.streaming_content)
    assert len(lire(premier)) == 8
    periode = PeriodeClose.objects.get()
    assert periode.close_par == agent
    encore = client.post(URL_EXPORT, {"regie": donnees["regie"].pk, "du": "01/11/2026", "au": "30/11/2026"})
    assert b"".join(encore.streaming_content) == premier


def test_formulaire_d_export_invalide_en_francais(client, agent, donnees):
    client.force_login(_exportateur(agent))
    html = client.post(
        URL_EXPORT, {"regie": donnees["regie"].pk, "du": "30/11/2026", "au": "01/11/2026"}
    ).content.decode()
    assert "Corrigez l&#x27;erreur ci-dessous." in html or "Corrigez l'erreur ci-dessous." in html
    assert "Le dernier jour est avant le premier." in html
    consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU)
    html = client.post(
        URL_EXPORT, {"regie": donnees["regie"].pk, "du": "15/11/2026", "au": "15/12/2026"}
    ).content.decode()
    assert "chevauche une période déjà close" in html
    assert PeriodeClose.objects.count() == 1


def test_periode_close_pour_une_structure_ne_clot_pas_les_autres(donnees):
    donnees["regie"].structures.add(donnees["autre"])
    consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU, structure=donnees["structure"])
    ailleurs = InscriptionFactory(activite=ActiviteFactory(structure=donnees["autre"]))
    maintenant = datetime.datetime(2026, 10, 1, 8, tzinfo=datetime.UTC)
    services.reservation_demander(inscription=ailleurs, date=j(10), maintenant=maintenant)
    with pytest.raises(ValidationError, match="est clos"):
        services.reservation_demander(inscription=donnees["inscription"], date=j(10), maintenant=maintenant)
    autre = consommations_exporter(regie=donnees["regie"], du=NOV_DU, au=NOV_AU, structure=donnees["autre"])
    assert [(ligne["structure"], ligne["date"]) for ligne in lire(autre.fichier)] == [
        ("Crèche Les Lutins", "03/11/2026")
    ]
