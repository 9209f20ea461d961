"""Import des factures et des règlements : l'exemple du guide, chaque erreur, rejeu, simulation."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from facturation import demo, importation
from facturation.models import Facture, LigneFacture, Regie, Reglement
from tests.factories import EnfantFactory, FamilleFactory

pytestmark = pytest.mark.django_db

ENTETE = (
    "numero_facture;numero_famille;regie;date_facture;date_echeance;periode_debut;"
    "periode_fin;enfant;libelle;quantite;prix_unitaire;montant"
)


@pytest.fixture
def regie():
    return demo.regie_creer()


@pytest.fixture
def famille():
    return FamilleFactory(numero="1001001818331")


def fichier(tmp_path, texte, *, encodage="utf-8", nom="factures.csv"):
    chemin = tmp_path / nom
    chemin.write_bytes(texte.encode(encodage))
    return chemin


def ligne(
    numero="AL-1",
    famille="1001001818331",
    regie="AL",
    date="08/04/2015",
    echeance="30/04/2015",
    debut="01/04/2015",
    fin="30/04/2015",
    enfant="LÉA",
    libelle="Garderie matin",
    quantite="2",
    prix="3,20",
    montant="6,40",
    sep=";",
):
    return sep.join(
        [numero, famille, regie, date, echeance, debut, fin, enfant, libelle, quantite, prix, montant]
    )


def _commande(appelant, commande, chemin, *options):
    """Lance la commande d'import ; renvoie (sortie, erreurs). Si l'import est refusé : garde
    les erreurs dans `appelant.derniere_erreur` et laisse passer la CommandError."""
    import io

    sortie, erreurs = io.StringIO(), io.StringIO()
    try:
        call_command(commande, str(chemin), *options, stdout=sortie, stderr=erreurs)
    except CommandError:
        appelant.derniere_erreur = erreurs.getvalue()
        raise
    return sortie.getvalue(), erreurs.getvalue()


def importer(chemin, *options):
    """`importer_factures` ; renvoie (sortie, erreurs) ; CommandError si l'import est refusé."""
    return _commande(importer, "importer_factures", chemin, *options)


def refuse(chemin, *options) -> str:
    with pytest.raises(CommandError, match="Rien n'a été enregistré"):
        importer(chemin, *options)
    assert Facture.objects.count() == 0
    assert LigneFacture.objects.count() == 0
    return importer.derniere_erreur


# --- L'exemple du guide -------------------------------------------------------------------


def test_exemple_du_guide_par_les_commandes(tmp_path, famille, regie, client, monkeypatch):
    from tests.factories import UtilisateurFactory

    sortie, _ = importer(fichier(tmp_path, demo.CSV_FACTURES))
    assert "Factures créées : 2 (5 lignes, 1 famille, total 363,80 €)" in sortie
    call_command(
        "importer_reglements",
        str(fichier(tmp_path, demo.CSV_REGLEMENTS, nom="r.csv")),
        stdout=__import__("io").StringIO(),
    )

    al12 = Facture.objects.get(numero="AL-12")
    assert al12.montant == Decimal("243.20")
    assert al12.periode_debut == datetime.date(2015, 2, 1)
    assert Facture.objects.get(numero="AL-36").montant == Decimal("120.60")
    cheque = Reglement.objects.get(numero="AL-228")
    assert (cheque.mode, cheque.montant) == (Reglement.Mode.CHEQUE, Decimal("243.20"))
    assert list(cheque.affectations.values_list("facture__numero", "montant")) == [
        ("AL-12", Decimal("243.20"))
    ]
    # Les numéros importés ne touchent pas à la série des règlements du portail (WEB-AL-…).
    assert Regie.objects.get(code="AL").dernier_numero_portail == 0

    # Accueil le lundi 4 mai 2015, comme dans le guide.
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2015, 5, 4))
    utilisateur = UtilisateurFactory(famille=famille)
    client.force_login(utilisateur)
    html = client.get("/").content.decode()
    assert "À la date du lundi 4 mai 2015, votre compte présente un solde" in html
    assert "débiteur de <strong>120,60\u00a0€</strong>" in html
    assert "AL-36" in html and "AL-12" not in html
    assert "08/04/2015" in html and "30/04/2015" in html
    assert "En retard" in html
    assert 'Total :</th><td class="text-end" data-label="Montant">120,60\u00a0€' in html

    html = client.get("/releve/").content.decode()
    assert '<option value="2014" selected>2014-2015</option>' in html
    for attendu in (
        "Facture : 01/04/2015 - 30/04/2015",
        "Facture : 01/02/2015 - 31/03/2015",
        "Règlement : Chèque",
        "Régie garderie ALSH",
        "363,80\u00a0€",
        "243,20\u00a0€",
    ):
        assert attendu in html
    solde = html[html.index('class="releve-solde"') :]
    assert "(à payer)" in solde and "120,60\u00a0€" in solde


def test_demo_creer_est_rejouable(db):
    from familles import demo as familles_demo

    familles_demo.creer()
    demo.creer()
    demo.creer()
    # L'exemple du guide (AL-12, AL-36, AL-228) et la garde de 2025 (AL-40, AL-240).
    assert Facture.objects.count() == 3
    assert Reglement.objects.count() == 2
    assert LigneFacture.objects.count() == 7


# --- Rejeu, simulation, résumé -------------------------------------------------------------


def test_reimport_ne_cree_rien_et_le_dit(tmp_path, famille, regie):
    chemin = fichier(tmp_path, demo.CSV_FACTURES)
    importer(chemin)
    sortie, _ = importer(chemin)
    assert "Factures créées : 0 (0 ligne, 0 famille, total 0,00 €)." in sortie
    assert "Factures déjà importées, ignorées : 2." in sortie
    assert "Rien de nouveau" in sortie
    assert Facture.objects.count() == 2 and LigneFacture.objects.count() == 5


def test_reimport_avec_contenu_different_est_refuse(tmp_path, famille, regie):
    importer(fichier(tmp_path, demo.CSV_FACTURES))
    modifie = demo.CSV_FACTURES.replace(
        "TOM;Restauration midi;4;3,25;13,00", "TOM;Restauration midi;5;3,25;16,25"
    )
    with pytest.raises(CommandError):
        importer(fichier(tmp_path, modifie, nom="b.csv"))
    assert "Ligne 4, colonne « numero_facture » : la facture AL-36 a déjà été importée" in (
        importer.derniere_erreur
    )
    assert Facture.objects.get(numero="AL-36").montant == Decimal("120.60")


def test_dry_run_n_ecrit_rien(tmp_path, famille, regie):
    sortie, _ = importer(fichier(tmp_path, demo.CSV_FACTURES), "--dry-run")
    assert "Factures seraient créées : 2 (5 lignes, 1 famille, total 363,80 €)" in sortie
    assert "rien n'a été enregistré" in sortie
    assert Facture.objects.count() == 0


def test_dry_run_signale_les_memes_erreurs(tmp_path, famille, regie):
    texte = "\n".join([ENTETE, ligne(famille="9999999999999")])
    erreurs = refuse(fichier(tmp_path, texte), "--dry-run")
    assert "Ligne 2, colonne « numero_famille » : famille inconnue : N° 9999999999999" in erreurs


def test_progression_sur_la_sortie_d_erreur(tmp_path, famille, regie):
    _, erreurs = importer(fichier(tmp_path, demo.CSV_FACTURES), "--progression")
    assert "100%" in erreurs and "5 lignes lues" in erreurs


def test_lien_vers_l_enfant_reconnu_sans_echouer_sur_les_autres(tmp_path, famille, regie):
    lea = EnfantFactory(famille=famille, prenom="Léa", nom="Dupont")
    texte = "\n".join([ENTETE, ligne(enfant="LEA DUPONT"), ligne(enfant="Inconnu", libelle="Garderie soir")])
    importer(fichier(tmp_path, texte))
    lignes = list(LigneFacture.objects.order_by("ordre"))
    assert lignes[0].enfant == lea and lignes[0].enfant_nom == "LEA DUPONT"
    assert lignes[1].enfant is None and lignes[1].enfant_nom == "Inconnu"


# --- Encodages, séparateurs, formats -------------------------------------------------------


@pytest.mark.parametrize("encodage", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodages(tmp_path, famille, regie, encodage):
    texte = "\r\n".join([ENTETE, ligne(libelle="Accueil périscolaire été")])
    importer(fichier(tmp_path, texte, encodage=encodage))
    assert LigneFacture.objects.get().libelle == "Accueil périscolaire été"
    assert LigneFacture.objects.get().enfant_nom == "LÉA"


def test_virgule_comme_separateur_et_intitules_du_logiciel(tmp_path, famille, regie):
    entete = (
        "N° facture,N° famille,Régie,Date de facture,Date d'échéance,Période début,"
        "Période fin,Enfant,Libellé,Quantité,Prix unitaire,Montant"
    )
    texte = "\n".join(
        [
            entete,
            "AL-7,1001001818331,Régie garderie ALSH,08/04/2015,30/04/2015,"
            '01/04/2015,30/04/2015,TOM,Garderie,"1,5","1 200,00","1 800,00"',
        ]
    )
    importer(fichier(tmp_path, texte))
    facture = Facture.objects.get()
    assert facture.montant == Decimal("1800.00")
    assert facture.lignes.get().quantite == Decimal("1.50")


# --- Chaque sorte d'erreur : tout ou rien, ligne et colonne --------------------------------


@pytest.mark.parametrize(
    ("ligne_fautive", "attendu"),
    [
        (
            ligne(numero="AL-2", famille="9999999999999"),
            "Ligne 3, colonne « numero_famille » : famille inconnue : N° 9999999999999",
        ),
        (ligne(numero="AL-2", regie="ZZ"), "Ligne 3, colonne « regie » : régie inconnue : « ZZ »"),
        (
            ligne(numero="AL-2", date="31/02/2015"),
            "Ligne 3, colonne « date_facture » : date invalide « 31/02/2015 » (attendu : jj/mm/aaaa ou "
            "aaaa-mm-jj, année de 2000 à 2100)",
        ),
        (ligne(numero="AL-2", echeance="2015/13/01"), "Ligne 3, colonne « date_echeance » : date invalide"),
        (
            ligne(montant="six"),
            "Ligne 3, colonne « montant » : montant invalide « six » (attendu : "
            "1 234,50 ; 1234,50 ; 1.234,50 ou 1234.50)",
        ),
        (ligne(prix="3,2x"), "Ligne 3, colonne « prix_unitaire » : montant invalide « 3,2x »"),
        (
            ligne(montant="6,41"),
            "Ligne 3, colonne « montant » : montant 6,41 ≠ quantité × prix unitaire (6,40)",
        ),
        (ligne(montant="6,4011"), "Ligne 3, colonne « montant » : « 6,4011 » a trop de décimales"),
        (ligne(montant="6,400"), "Ligne 3, colonne « montant » : montant ambigu « 6,400 » : mille ou un ?"),
        (ligne(quantite="-2", montant="6,40"), "Ligne 3, colonne « quantite » : « -2 » doit être positif"),
        (ligne(numero="AL-2", libelle=""), "Ligne 3, colonne « libelle » : valeur obligatoire manquante"),
        (ligne(numero="XX-2"), "Ligne 3, colonne « numero_facture » : le numéro « XX-2 » ne commence pas"),
        (
            ligne(debut="30/04/2015", fin="01/04/2015", numero="AL-2"),
            "Ligne 3, colonne « periode_fin » : la période finit avant de commencer",
        ),
        (
            ligne(date="09/04/2015"),
            "Ligne 3, colonne « date_facture » : en-tête incohérent pour la facture AL-1 : "
            "« 09/04/2015 » ici, « 08/04/2015 » ligne 2",
        ),
        (ligne(), "Ligne 3 : ligne en double (identique à la ligne 2)"),
        (ligne() + ";en trop", "Ligne 3 : 13 champ(s) au lieu de 12"),
    ],
)
def test_erreurs(tmp_path, famille, regie, ligne_fautive, attendu):
    texte = "\n".join([ENTETE, ligne(), ligne_fautive, ligne(numero="AL-99")])
    erreurs = refuse(fichier(tmp_path, texte))
    assert attendu in erreurs


def test_colonne_manquante(tmp_path, famille, regie):
    entete = ENTETE.replace(";prix_unitaire", "")
    erreurs = refuse(fichier(tmp_path, entete + "\n"))
    assert "Ligne 1, colonne « prix_unitaire » : colonne manquante dans l'en-tête" in erreurs


def test_lignes_non_consecutives(tmp_path, famille, regie):
    texte = "\n".join([ENTETE, ligne(), ligne(numero="AL-2"), ligne(libelle="Garderie soir")])
    erreurs = refuse(fichier(tmp_path, texte))
    assert "Ligne 4, colonne « numero_facture » : les lignes de la facture AL-1 doivent se suivre" in (
        erreurs
    )


def test_toutes_les_erreurs_sont_listees_et_rien_n_est_ecrit(tmp_path, famille, regie):
    lignes = [ligne(numero=f"AL-{n}") for n in range(1, 5000)]
    lignes.insert(10, ligne(numero="AL-X1", famille="1"))
    lignes.append(ligne(numero="AL-9999", montant="1,00"))
    erreurs = refuse(fichier(tmp_path, "\n".join([ENTETE, *lignes])))
    assert "Ligne 12, colonne « numero_famille » : famille inconnue : N° 1" in erreurs
    assert "Ligne 5002, colonne « montant »" in erreurs
    assert "Ligne 12, colonne « numero_facture » : le numéro « AL-X1 »" not in erreurs


def test_fichier_illisible(tmp_path, famille, regie):
    chemin = tmp_path / "f.csv"
    chemin.write_bytes((ENTETE + "\n").encode() + ligne().encode("cp1252") + b"\x81\n")
    erreurs = refuse(chemin)
    assert "caractères illisibles" in erreurs


def test_fichier_introuvable(tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        importer(tmp_path / "absent.csv")


# --- Règlements ----------------------------------------------------------------------------


ENTETE_REGLEMENTS = "numero_reglement;numero_famille;regie;date;mode;montant;numero_facture"


def importer_reglements(chemin, *options):
    """`importer_reglements` ; renvoie la sortie ; CommandError si l'import est refusé."""
    sortie, _erreurs = _commande(importer_reglements, "importer_reglements", chemin, *options)
    return sortie


def test_reglements_modes_imputation_et_rejeu(tmp_path, famille, regie):
    importer(fichier(tmp_path, demo.CSV_FACTURES))
    texte = "\n".join(
        [
            ENTETE_REGLEMENTS,
            "AL-300;1001001818331;AL;10/04/2015;Espèces;20,00;AL-36",
            "AL-301;1001001818331;AL;11/04/2015;cesu;50,00;",
            "AL-302;1001001818331;AL;12/04/2015;Prélèvement;10,00;",
            "AL-303;1001001818331;AL;13/04/2015;VIREMENT;500,00;",
        ]
    )
    chemin = fichier(tmp_path, texte, nom="r.csv")
    sortie = importer_reglements(chemin)
    assert "Règlements créés : 4 (1 famille, total 580,00 €)" in sortie
    modes = dict(Reglement.objects.values_list("numero", "mode"))
    assert modes == {"AL-300": "especes", "AL-301": "cesu", "AL-302": "prelevement", "AL-303": "virement"}
    # Sans N° de facture : imputé aux impayées, la plus ancienne échéance d'abord ; le surplus
    # reste un avoir.
    al12 = Facture.objects.get(numero="AL-12")
    al36 = Facture.objects.get(numero="AL-36")
    assert sum(a.montant for a in al36.affectations.all()) == Decimal("120.60")
    assert sum(a.montant for a in al12.affectations.all()) == Decimal("243.20")
    sortie = importer_reglements(chemin)
    assert "Règlements déjà importés, ignorés : 4." in sortie
    assert Reglement.objects.count() == 4


@pytest.mark.parametrize(
    ("fautive", "attendu"),
    [
        (
            "AL-5;1001001818331;AL;10/04/2015;Bitcoin;20,00;",
            "Ligne 2, colonne « mode » : mode de règlement inconnu « Bitcoin »",
        ),
        (
            "AL-5;1001001818331;AL;10/04/2015;Chèque;20,00;AL-404",
            "Ligne 2, colonne « numero_facture » : facture AL-404 inconnue",
        ),
        (
            "AL-5;0000000000000;AL;10/04/2015;Chèque;20,00;",
            "Ligne 2, colonne « numero_famille » : famille inconnue : N° 0000000000000",
        ),
        ("AL-5;1001001818331;AL;10/04/2015;Chèque;0;", "Ligne 2, colonne « montant »"),
        ("AL-5;1001001818331;AL;99/04/2015;Chèque;20;", "Ligne 2, colonne « date » : date invalide"),
    ],
)
def test_reglements_erreurs(tmp_path, famille, regie, fautive, attendu):
    texte = "\n".join([ENTETE_REGLEMENTS, fautive, "AL-6;1001001818331;AL;10/04/2015;Chèque;5;"])
    with pytest.raises(CommandError):
        importer_reglements(fichier(tmp_path, texte, nom="r.csv"))
    assert attendu in importer_reglements.derniere_erreur
    assert Reglement.objects.count() == 0


def test_reglement_deja_importe_different(tmp_path, famille, regie):
    importer_reglements(
        fichier(tmp_path, ENTETE_REGLEMENTS + "\nAL-5;1001001818331;AL;10/04/2015;Chèque;20,00;", nom="a.csv")
    )
    with pytest.raises(CommandError):
        importer_reglements(
            fichier(
                tmp_path, ENTETE_REGLEMENTS + "\nAL-5;1001001818331;AL;10/04/2015;Chèque;25,00;", nom="b.csv"
            )
        )
    assert "le règlement AL-5 a déjà été importé avec un autre contenu" in (
        importer_reglements.derniere_erreur
    )
    assert Reglement.objects.get().montant == Decimal("20.00")


def test_valeurs_lues():
    assert importation.lire_montant("1 234,5", decimales=2) == Decimal("1234.50")
    assert importation.lire_montant("1.234,50", decimales=2) == Decimal("1234.50")
    assert importation.lire_montant("3.2", decimales=4) == Decimal("3.2")
    assert importation.lire_date("08/04/2015") == datetime.date(2015, 4, 8)
    assert importation.lire_date("2015-04-08") == datetime.date(2015, 4, 8)


def test_lignes_vides_de_fin_de_fichier_ignorees(tmp_path, famille, regie):
    texte = "\r\n".join([ENTETE, ligne(), ";" * 11, "", ";" * 11, ""])
    sortie, _ = importer(fichier(tmp_path, texte))
    assert sortie.startswith("1 ligne lue.\n")
    assert Facture.objects.count() == 1


# --- Issue 16 : montants, dates, encodage, guillemets, mémoire ------------------------------


@pytest.mark.parametrize(
    ("colonne", "valeur", "attendu"),
    [
        ("montant", "1e3", "montant invalide « 1e3 »"),
        ("montant", "1_000", "montant invalide « 1_000 »"),
        ("montant", "١٢", "montant invalide « ١٢ »"),
        ("montant", "1.000", "montant ambigu « 1.000 » : mille ou un ?"),
        ("prix", "1,000.00", "montant invalide « 1,000.00 »"),
        ("date", "20150408", "date invalide « 20150408 »"),
        ("date", "2015-W15-3", "date invalide « 2015-W15-3 »"),
        ("date", "08/04/0001", "date invalide « 08/04/0001 »"),
    ],
)
def test_factures_valeurs_ambigues_ou_mal_ecrites_refusees(
    tmp_path, famille, regie, colonne, valeur, attendu
):
    nom_colonne = {"montant": "montant", "prix": "prix_unitaire", "date": "date_facture"}[colonne]
    erreurs = refuse(fichier(tmp_path, "\n".join([ENTETE, ligne(**{colonne: valeur})])))
    assert f"Ligne 2, colonne « {nom_colonne} » : {attendu}" in erreurs


@pytest.mark.parametrize(
    ("montant", "attendu"),
    [
        ("1,000.00", "montant invalide « 1,000.00 »"),
        ("1.000", "montant ambigu « 1.000 »"),
        ("1e2", "montant invalide « 1e2 »"),
    ],
)
def test_reglements_montants_ambigus_ou_mal_ecrits_refuses(tmp_path, famille, regie, montant, attendu):
    """Avant : « 1,000.00 » et « 1.000 » enregistrés 1,00 €, « 1e2 » 100 €, sans un mot."""
    texte = "\n".join([ENTETE_REGLEMENTS, f"AL-5;1001001818331;AL;10/04/2015;Chèque;{montant};"])
    with pytest.raises(CommandError):
        importer_reglements(fichier(tmp_path, texte, nom="r.csv"))
    assert f"Ligne 2, colonne « montant » : {attendu}" in importer_reglements.derniere_erreur
    assert not Reglement.objects.exists()


def test_utf8_avec_une_ligne_en_windows_1252_refuse_avec_ses_lignes(tmp_path, famille, regie):
    """Un fichier UTF-8 dont deux lignes ont été enregistrées en Windows-1252 : refusé, les deux
    lignes nommées ; avant, tout le fichier était lu en Windows-1252 (« LÃ‰A » écrit, code 0)."""
    contenu = b"\n".join(
        [
            ENTETE.encode(),
            ligne(numero="AL-1", enfant="LÉA").encode("utf-8"),
            ligne(numero="AL-2", enfant="ZOÉ").encode("cp1252"),
            ligne(numero="AL-3", enfant="TOM").encode("utf-8"),
            ligne(numero="AL-4", enfant="MAËL").encode("cp1252"),
        ]
    )
    chemin = tmp_path / "melange.csv"
    chemin.write_bytes(contenu)
    erreurs = refuse(chemin)
    assert "Ligne 3 : caractères qui ne sont pas de l'UTF-8, alors que le reste du fichier" in erreurs
    assert "Ligne 5 : caractères qui ne sont pas de l'UTF-8" in erreurs
    assert "Ligne 2 :" not in erreurs and "Ligne 4 :" not in erreurs


def test_fichier_tout_en_windows_1252_accepte(tmp_path, famille, regie):
    texte = "\n".join([ENTETE, ligne(numero="AL-1", enfant="ZOÉ"), ligne(numero="AL-2")])
    importer(fichier(tmp_path, texte, encodage="cp1252"))
    assert set(LigneFacture.objects.values_list("enfant_nom", flat=True)) == {"ZOÉ", "LÉA"}


@pytest.mark.parametrize("suite", [1, 40_000])
def test_guillemet_jamais_referme(tmp_path, famille, regie, suite):
    """Avant : une erreur `_csv.Error` (traceback) pour un gros fichier, ou un champ qui avale
    silencieusement la suite du fichier pour un petit."""
    lignes = [ENTETE, ligne(numero="AL-1"), ligne(numero="AL-2", libelle='"Garderie soir')]
    lignes += [ligne(numero=f"AL-{n}") for n in range(3, 3 + suite)]
    erreurs = refuse(fichier(tmp_path, "\n".join(lignes)))
    assert "Ligne 3 : guillemet ouvert jamais refermé : le champ qui commence sur cette ligne" in (erreurs)


def test_guillemet_mal_place(tmp_path, famille, regie):
    texte = "\n".join([ENTETE, ligne(), ligne(numero="AL-2", libelle='"Garderie" soir')])
    erreurs = refuse(fichier(tmp_path, texte))
    assert "Ligne 3 : guillemet mal placé" in erreurs


def test_un_champ_entre_guillemets_sur_plusieurs_lignes_reste_permis(tmp_path, famille, regie):
    texte = "\n".join([ENTETE, ligne(libelle='"Garderie\nmatin"'), ligne(numero="AL-2")])
    importer(fichier(tmp_path, texte))
    assert LigneFacture.objects.filter(libelle="Garderie\nmatin").exists()


def test_lignes_non_consecutives_reconnues_d_un_lot_a_l_autre(tmp_path, famille, regie, monkeypatch):
    """Les factures vues ne sont plus gardées en mémoire : une facture reprise plus bas, dans un
    autre lot, est reconnue en base (écrite par ce même import) et refusée."""
    monkeypatch.setattr(importation.lecture, "TAILLE_LOT", 2)
    lignes = [ligne(numero=f"AL-{n}") for n in range(1, 8)] + [ligne(numero="AL-2", libelle="Garderie soir")]
    erreurs = refuse(fichier(tmp_path, "\n".join([ENTETE, *lignes])))
    assert "Ligne 9, colonne « numero_facture » : les lignes de la facture AL-2 doivent se suivre" in (
        erreurs
    )


def test_reglement_repete_d_un_lot_a_l_autre(tmp_path, famille, regie, monkeypatch):
    monkeypatch.setattr(importation.lecture, "TAILLE_LOT", 2)
    lignes = [f"AL-{n};1001001818331;AL;10/04/2015;Chèque;5,00;" for n in (1, 2, 3, 4, 5, 1)]
    with pytest.raises(CommandError):
        importer_reglements(fichier(tmp_path, "\n".join([ENTETE_REGLEMENTS, *lignes]), nom="r.csv"))
    assert (
        "Ligne 7, colonne « numero_reglement » : le règlement AL-1 figure deux fois (déjà plus "
        "haut dans le fichier)"
    ) in importer_reglements.derniere_erreur
    assert not Reglement.objects.exists()


def test_erreurs_au_dela_du_maximum_comptees(tmp_path, famille, regie, monkeypatch):
    monkeypatch.setattr(importation.lecture, "ERREURS_MAX", 3)
    lignes = [ligne(numero=f"AL-{n}", montant="x") for n in range(1, 6)]
    with pytest.raises(CommandError, match="Import refusé : 5 erreurs dans"):
        importer(fichier(tmp_path, "\n".join([ENTETE, *lignes])))
    assert "… et 2 autres erreurs (non affichées)." in importer.derniere_erreur
    assert importer.derniere_erreur.count("montant invalide") == 3


def test_une_seule_erreur_au_singulier(tmp_path, famille, regie):
    with pytest.raises(CommandError, match="Import refusé : 1 erreur dans"):
        importer(fichier(tmp_path, "\n".join([ENTETE, ligne(montant="x")])))
