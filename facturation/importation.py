"""Import des exports CSV du logiciel de facturation : factures et règlements.

Tout ou rien : le fichier est lu en flux, validé ligne à ligne, écrit par lots dans la transaction
de l'appelant ; s'il y a la moindre erreur, la lecture va jusqu'au bout pour les signaler toutes,
puis `ImportInvalide` est levée (l'appelant annule la transaction : rien n'est écrit).
Idempotent : une facture (ou un règlement) déjà importée à l'identique est ignorée ; si son
contenu diffère, c'est une erreur (une facture émise ne se modifie pas : on émet un avoir).

Mémoire constante, quelle que soit la taille du fichier : rien ne s'accumule d'une ligne à
l'autre au-delà d'un lot. Une facture (ou un règlement) déjà écrite par le même import, plus haut
dans le fichier, se reconnaît en base (identifiant au-delà du plus grand existant au départ).
Sur PostgreSQL, un verrou consultatif (transactionnel) empêche deux imports simultanés.
"""

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from facturation import services
from facturation.lecture_valeurs import (  # noqa: F401 (messages réexportés : importation.ERREUR_…)
    ERREUR_DATE,
    ERREUR_DECIMALES,
    ERREUR_MONTANT,
    ERREUR_MONTANT_AMBIGU,
    ERREUR_NEGATIF,
    ValeurInvalide,
    lire_date,
    lire_montant,
)
from facturation.models import ZERO, Facture, LigneFacture, Regie, Reglement
from familles.models import Famille

COLONNES_FACTURES = (
    "numero_facture",
    "numero_famille",
    "regie",
    "date_facture",
    "date_echeance",
    "periode_debut",
    "periode_fin",
    "enfant",
    "libelle",
    "quantite",
    "prix_unitaire",
    "montant",
)
COLONNES_REGLEMENTS = ("numero_reglement", "numero_famille", "regie", "date", "mode", "montant")
COLONNES_REGLEMENTS_FACULTATIVES = ("numero_facture",)
COLONNES_ENTETE_FACTURE = (
    "numero_famille",
    "regie",
    "date_facture",
    "date_echeance",
    "periode_debut",
    "periode_fin",
)

# Intitulés acceptés en plus des noms canoniques (après normalisation : minuscules, sans accents).
ALIAS = {
    "numero_de_facture": "numero_facture",
    "facture": "numero_facture",
    "numero_de_famille": "numero_famille",
    "famille": "numero_famille",
    "date_de_facture": "date_facture",
    "date_d_echeance": "date_echeance",
    "echeance": "date_echeance",
    "debut_de_periode": "periode_debut",
    "debut_periode": "periode_debut",
    "fin_de_periode": "periode_fin",
    "fin_periode": "periode_fin",
    "qte": "quantite",
    "prix": "prix_unitaire",
    "numero_de_reglement": "numero_reglement",
    "reglement": "numero_reglement",
    "numero_operation": "numero_reglement",
    "date_de_reglement": "date",
    "date_reglement": "date",
    "mode_de_reglement": "mode",
}

MODES = {
    "cheque": Reglement.Mode.CHEQUE,
    "especes": Reglement.Mode.ESPECES,
    "cesu": Reglement.Mode.CESU,
    "prelevement": Reglement.Mode.PRELEVEMENT,
    "virement": Reglement.Mode.VIREMENT,
    "carte_en_ligne": Reglement.Mode.CARTE_EN_LIGNE,
    "carte_bancaire_en_ligne": Reglement.Mode.CARTE_EN_LIGNE,
}

# Messages (constantes : les tests les importent).
ERREUR_COLONNE_MANQUANTE = "colonne manquante dans l'en-tête"
ERREUR_NOMBRE_CHAMPS = "{trouves} champ(s) au lieu de {attendus}"
ERREUR_VIDE = "valeur obligatoire manquante"
ERREUR_NUL = "« {valeur} » : un règlement a un montant strictement positif"
ERREUR_FAMILLE_INCONNUE = "famille inconnue : N° {valeur}"
ERREUR_REGIE_INCONNUE = "régie inconnue : « {valeur} »"
ERREUR_NUMERO_REGIE = "le numéro « {numero} » ne commence pas par le code de la régie ({code}-)"
ERREUR_NUMERO_PORTAIL = (
    "le numéro « {numero} » est de la série des paiements enregistrés par le portail "
    "({prefixe}-{code}-…) : le logiciel de facturation ne doit pas l'utiliser"
)
ERREUR_CALCUL = "montant {montant} ≠ quantité × prix unitaire ({calcule})"
ERREUR_ENTETE_INCOHERENT = (
    "en-tête incohérent pour la facture {numero} : « {valeur} » ici, « {premiere} » ligne {ligne}"
)
ERREUR_LIGNE_DOUBLE = "ligne en double (identique à la ligne {ligne})"
ERREUR_NON_CONSECUTIVES = (
    "les lignes de la facture {numero} doivent se suivre (déjà vue plus haut dans le fichier)"
)
ERREUR_DEJA_IMPORTEE_DIFFERENTE = (
    "la facture {numero} a déjà été importée avec un autre contenu : une facture émise ne se "
    "modifie pas (émettez un avoir)"
)
ERREUR_REGLEMENT_DIFFERENT = "le règlement {numero} a déjà été importé avec un autre contenu"
ERREUR_REGLEMENT_DOUBLE = "le règlement {numero} figure deux fois (ligne {ligne})"
ERREUR_REGLEMENT_PLUS_HAUT = "le règlement {numero} figure deux fois (déjà plus haut dans le fichier)"
ERREUR_MODE = "mode de règlement inconnu « {valeur} » (chèque, espèces, CESU, prélèvement, virement)"
ERREUR_FACTURE_INCONNUE = "facture {numero} inconnue pour cette famille et cette régie"
ERREUR_ENCODAGE = "caractères illisibles : le fichier n'est ni en UTF-8 ni en Windows-1252"
ERREUR_ENCODAGE_MELANGE = (
    "caractères qui ne sont pas de l'UTF-8, alors que le reste du fichier est en UTF-8 "
    "(fichier enregistré avec deux encodages ?) : corrigez ces lignes ou réenregistrez le "
    "fichier en UTF-8"
)
ERREUR_GUILLEMET_OUVERT = (
    "guillemet ouvert jamais refermé : le champ qui commence sur cette ligne court jusqu'à la "
    "fin du fichier (ou dépasse {limite} caractères) ; refermez le guillemet"
)
ERREUR_GUILLEMET_MAL_PLACE = (
    "guillemet mal placé : un champ entre guillemets doit finir par un guillemet suivi du "
    "séparateur « {separateur} » ; doublez les guillemets à l'intérieur d'un champ (\"\")"
)
ERREUR_FICHIER_VIDE = "le fichier est vide"
ERREUR_DATES_PERIODE = "la période finit avant de commencer"
ERREUR_IMPORT_EN_COURS = (
    "un import est déjà en cours (lancé par un autre processus) : rien n'a été importé ; "
    "attendez qu'il se termine, puis relancez (ce qu'il aura importé sera reconnu et ignoré)"
)

TAILLE_LOT = 2000
# Au-delà, les erreurs sont comptées mais plus gardées (mémoire constante) ; la commande dit
# combien il y en a en tout.
ERREURS_MAX = 1000
# Verrou consultatif PostgreSQL commun aux deux imports (pg_try_advisory_xact_lock) : une clé
# fixe sur 64 bits, tirée de son nom.
VERROU_IMPORT = int.from_bytes(hashlib.sha256(b"portail-famille:import").digest()[:8], "big", signed=True)


@dataclass(frozen=True)
class Erreur:
    ligne: int
    colonne: str
    message: str

    def __str__(self) -> str:
        if self.colonne:
            return f"Ligne {self.ligne}, colonne « {self.colonne} » : {self.message}"
        return f"Ligne {self.ligne} : {self.message}"


class ImportInvalide(Exception):
    """Le fichier est refusé : `erreurs` (les ERREURS_MAX premières, par ligne), `nombre`."""

    def __init__(self, erreurs: list[Erreur], rapport: "Rapport"):
        self.nombre = max(rapport.erreurs_nombre, len(erreurs))
        super().__init__(f"{self.nombre} erreur(s)")
        self.erreurs = sorted(erreurs, key=lambda e: e.ligne)
        self.rapport = rapport


class ImportEnCours(Exception):
    """Un autre import tient le verrou : celui-ci n'a rien lu ni écrit."""


@dataclass
class Rapport:
    lignes_lues: int = 0
    factures_creees: int = 0
    lignes_creees: int = 0
    factures_ignorees: int = 0
    reglements_crees: int = 0
    reglements_ignores: int = 0
    montant_total: Decimal = ZERO
    familles: set = field(default_factory=set)  # borné par le nombre de familles, pas de lignes
    erreurs: list = field(default_factory=list)
    erreurs_nombre: int = 0

    @property
    def familles_nombre(self) -> int:
        return len(self.familles)

    def erreur(self, ligne: int, colonne: str, message: str) -> None:
        self.erreurs_nombre += 1
        if len(self.erreurs) < ERREURS_MAX:
            self.erreurs.append(Erreur(ligne, colonne, message))


# --- Lecture du fichier ----------------------------------------------------------------------


class EncodageInvalide(Exception):
    def __init__(self, erreurs: list[Erreur], nombre: int):
        super().__init__(f"{nombre} ligne(s) illisibles")
        self.erreurs = erreurs
        self.nombre = nombre


# Octets que Windows-1252 ne définit pas : un fichier qui en contient n'est pas de ce jeu.
_HORS_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def encodage_detecter(chemin: Path) -> str:
    """L'encodage du fichier, jamais deviné ligne à ligne :

    - UTF-8 (avec ou sans BOM) si tout le fichier en est (lu en flux, par blocs) ;
    - Windows-1252 seulement si aucune ligne n'est de l'UTF-8 (aucune ligne dont les caractères
      non ASCII se lisent en UTF-8) ;
    - sinon, le fichier mêle les deux : EncodageInvalide, avec les lignes qui ne sont pas de
      l'UTF-8 (de même pour des octets que Windows-1252 ne connaît pas).
    """
    with open(chemin, "rb") as fichier:
        bom = fichier.read(3) == codecs.BOM_UTF8
        fichier.seek(0)
        decodeur = codecs.getincrementaldecoder("utf-8")()
        try:
            while bloc := fichier.read(1 << 20):
                decodeur.decode(bloc)
            decodeur.decode(b"", final=True)
            return "utf-8-sig" if bom else "utf-8"
        except UnicodeDecodeError:
            pass
        # Second passage, ligne à ligne, seulement pour un fichier qui n'est pas tout en UTF-8.
        fichier.seek(0)
        lignes_utf8 = 1 if bom else 0
        pas_utf8: list[int] = []
        hors_cp1252: list[int] = []
        nombres = [0, 0]
        for numero, ligne in enumerate(fichier, start=1):
            if ligne.isascii():
                continue
            try:
                ligne.decode("utf-8")
                lignes_utf8 += 1
            except UnicodeDecodeError:
                nombres[0] += 1
                if len(pas_utf8) < ERREURS_MAX:
                    pas_utf8.append(numero)
                if _HORS_CP1252.search(ligne):
                    nombres[1] += 1
                    if len(hors_cp1252) < ERREURS_MAX:
                        hors_cp1252.append(numero)
    if lignes_utf8:
        raise EncodageInvalide([Erreur(n, "", ERREUR_ENCODAGE_MELANGE) for n in pas_utf8], nombres[0])
    if hors_cp1252:
        raise EncodageInvalide([Erreur(n, "", ERREUR_ENCODAGE) for n in hors_cp1252], nombres[1])
    return "cp1252"


def normaliser(texte: str) -> str:
    texte = texte.strip().lower().replace("n°", "numero ").replace("nº", "numero ")
    texte = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", texte).strip("_")


def _nom_normalise(texte: str) -> str:
    texte = unicodedata.normalize("NFKD", texte.upper()).encode("ascii", "ignore").decode()
    return " ".join(texte.replace("-", " ").split())


class Lecteur:
    """Lit un CSV en flux : séparateur deviné sur l'en-tête, encodage détecté, avancement.

    Le CSV est lu strictement : un guillemet ouvert jamais refermé ou mal placé arrête la
    lecture avec un message qui donne la ligne où le champ commence (`lignes(rapport)`)."""

    def __init__(self, chemin: Path):
        self.chemin = Path(chemin)
        self.taille = self.chemin.stat().st_size
        self.encodage = encodage_detecter(self.chemin)
        self._binaire = open(self.chemin, "rb")  # noqa: SIM115 (fermé par fermer())
        self._texte = io.TextIOWrapper(self._binaire, encoding=self.encodage, newline="")
        premiere = self._texte.readline()
        self.separateur = ";" if premiere.count(";") >= premiere.count(",") else ","
        self._lecteur = csv.reader(
            itertools.chain([premiere], self._texte), delimiter=self.separateur, strict=True
        )
        self.entete = []
        if premiere.strip():
            try:
                self.entete = [normaliser(c) for c in next(self._lecteur, [])]
            except csv.Error:
                self.entete = [normaliser(c) for c in premiere.split(self.separateur)]
        self.entete = [ALIAS.get(c, c) for c in self.entete]

    @property
    def octets_lus(self) -> int:
        return self._binaire.tell()

    def lignes(self, rapport: "Rapport") -> Iterator[tuple[int, list[str]]]:
        """(numéro de la première ligne de l'enregistrement, champs), lignes vides sautées."""
        fin_precedente = self._lecteur.line_num
        while True:
            try:
                champs = next(self._lecteur)
            except StopIteration:
                return
            except csv.Error as erreur:
                if "expected after" in str(erreur):
                    rapport.erreur(
                        self._lecteur.line_num,
                        "",
                        ERREUR_GUILLEMET_MAL_PLACE.format(separateur=self.separateur),
                    )
                else:  # fin de fichier dans un champ, ou champ démesuré : guillemet jamais refermé
                    rapport.erreur(
                        fin_precedente + 1,
                        "",
                        ERREUR_GUILLEMET_OUVERT.format(
                            limite=f"{csv.field_size_limit():,}".replace(",", "\u202f")
                        ),
                    )
                return
            debut, fin_precedente = fin_precedente + 1, self._lecteur.line_num
            if any(c.strip() for c in champs):
                yield debut, champs

    def fermer(self) -> None:
        self._texte.close()


# --- Transaction de l'import : verrou, préparation des requêtes -----------------------------


_CENTIMES = Decimal("0.01")


@contextlib.contextmanager
def _sans_preparation():
    """Sur PostgreSQL, psycopg retient le texte des 100 dernières requêtes pour décider de les
    préparer (portail/settings.py, DB_REQUETES_PREPAREES) ; chaque lot d'un import a ses propres
    valeurs, donc son propre texte (jusqu'à 200 ko) : autant de mémoire retenue pour rien (20 Mo).
    Le temps de l'import, rien n'est préparé ni retenu."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    brute = connection.connection
    seuil, brute.prepare_threshold = brute.prepare_threshold, None
    try:
        yield
    finally:
        brute.prepare_threshold = seuil


def _verrouiller() -> None:
    """Sur PostgreSQL, prend le verrou d'import jusqu'à la fin de la transaction de l'appelant ;
    ImportEnCours si un autre import le tient (on ne l'attend pas)."""
    if connection.vendor != "postgresql":
        return  # SQLite sérialise déjà les écritures (développement)
    if not connection.in_atomic_block:
        raise RuntimeError("Un import s'exécute dans une transaction (transaction.atomic).")
    with connection.cursor() as curseur:
        curseur.execute("SELECT pg_try_advisory_xact_lock(%s)", [VERROU_IMPORT])
        if not curseur.fetchone()[0]:
            raise ImportEnCours(ERREUR_IMPORT_EN_COURS)


class _Regies:
    def __init__(self):
        self.par_cle = {}
        for regie in Regie.objects.all():
            self.par_cle[normaliser(regie.code)] = regie
            self.par_cle[normaliser(regie.nom)] = regie

    def trouver(self, texte: str) -> Regie:
        regie = self.par_cle.get(normaliser(texte))
        if regie is None:
            raise ValeurInvalide(ERREUR_REGIE_INCONNUE.format(valeur=texte.strip()))
        return regie


class _Familles:
    """N° Famille → id, chargés par lots (une requête par lot)."""

    def __init__(self):
        self.ids: dict[str, int | None] = {}

    def charger(self, numeros) -> None:
        manquants = {n for n in numeros if n not in self.ids}
        if not manquants:
            return
        trouves = dict(Famille.objects.filter(numero__in=manquants).values_list("numero", "id"))
        for numero in manquants:
            self.ids[numero] = trouves.get(numero)


def _verifier_entete(lecteur: Lecteur, obligatoires, facultatives=()) -> list[Erreur]:
    if not lecteur.entete:
        return [Erreur(1, "", ERREUR_FICHIER_VIDE)]
    return [Erreur(1, c, ERREUR_COLONNE_MANQUANTE) for c in obligatoires if c not in lecteur.entete]


Progression = Callable[[int, int, int], None] | None


# --- Factures --------------------------------------------------------------------------------


@dataclass
class _FactureLue:
    numero: str
    ligne: int
    brut: dict  # en-tête tel que lu (pour comparer les lignes suivantes)
    regie: Regie | None = None
    numero_famille: str = ""
    valeurs: dict = field(default_factory=dict)
    lignes: list = field(default_factory=list)  # (ligne, enfant, libelle, quantite, prix, montant)
    signatures: dict = field(default_factory=dict)
    valide: bool = True


class _ImportFactures:
    def __init__(self, lecteur: Lecteur, progression: Progression):
        self.lecteur = lecteur
        self.progression = progression
        self.rapport = Rapport()
        self.regies = _Regies()
        self.familles = _Familles()
        self.index = {nom: i for i, nom in enumerate(lecteur.entete)}
        # Les factures commencées depuis le dernier lot écrit (les précédentes sont en base).
        self.vues: set[tuple[int, str]] = set()
        self.lot: list[_FactureLue] = []
        # Une facture d'identifiant plus grand a été écrite par cet import (plus haut dans le
        # fichier) : c'est ainsi qu'on reconnaît des lignes non consécutives sans tout garder.
        self.plafond = Facture.objects.aggregate(m=Max("pk"))["m"] or 0

    def erreur(self, ligne, colonne, message):
        self.rapport.erreur(ligne, colonne, message)

    def executer(self) -> Rapport:
        erreurs = _verifier_entete(self.lecteur, COLONNES_FACTURES)
        if erreurs:
            self.rapport.erreurs.extend(erreurs)
            self.rapport.erreurs_nombre = len(erreurs)
            return self.rapport
        courante = None
        nombre = len(self.lecteur.entete)
        try:
            for numero_ligne, champs in self.lecteur.lignes(self.rapport):
                self.rapport.lignes_lues += 1
                if self.progression and self.rapport.lignes_lues % 5000 == 0:
                    self.progression(self.lecteur.octets_lus, self.lecteur.taille, self.rapport.lignes_lues)
                if len(champs) != nombre:
                    self.erreur(
                        numero_ligne, "", ERREUR_NOMBRE_CHAMPS.format(trouves=len(champs), attendus=nombre)
                    )
                    if courante is not None:
                        courante.valide = False
                    continue
                valeurs = {nom: champs[i].strip() for nom, i in self.index.items()}
                numero = valeurs["numero_facture"]
                if not numero:
                    self.erreur(numero_ligne, "numero_facture", ERREUR_VIDE)
                    continue
                if courante is None or numero != courante.numero:
                    if courante is not None:
                        self.terminer(courante)
                    courante = self.commencer(numero_ligne, valeurs)
                else:
                    self.comparer_entete(courante, numero_ligne, valeurs)
                self.ajouter_ligne(courante, numero_ligne, valeurs)
        except UnicodeDecodeError:  # pragma: no cover - l'encodage est vérifié avant la lecture
            self.erreur(self.rapport.lignes_lues + 2, "", ERREUR_ENCODAGE)
        if courante is not None:
            self.terminer(courante)
        self.vider_lot()
        if self.progression:
            self.progression(self.lecteur.taille, self.lecteur.taille, self.rapport.lignes_lues)
        return self.rapport

    def commencer(self, numero_ligne, valeurs) -> _FactureLue:
        numero = valeurs["numero_facture"]
        facture = _FactureLue(
            numero=numero, ligne=numero_ligne, brut={c: valeurs[c] for c in COLONNES_ENTETE_FACTURE}
        )
        try:
            facture.regie = self.regies.trouver(valeurs["regie"])
        except ValeurInvalide as e:
            self.erreur(numero_ligne, "regie", str(e))
            facture.valide = False
        if facture.regie is not None:
            cle = (facture.regie.pk, numero)
            if cle in self.vues:
                self.erreur(numero_ligne, "numero_facture", ERREUR_NON_CONSECUTIVES.format(numero=numero))
                facture.valide = False
            self.vues.add(cle)
            if not numero.startswith(f"{facture.regie.code}-"):
                self.erreur(
                    numero_ligne,
                    "numero_facture",
                    ERREUR_NUMERO_REGIE.format(numero=numero, code=facture.regie.code),
                )
                facture.valide = False
        facture.numero_famille = valeurs["numero_famille"]
        if not facture.numero_famille:
            self.erreur(numero_ligne, "numero_famille", ERREUR_VIDE)
            facture.valide = False
        for colonne in ("date_facture", "date_echeance", "periode_debut", "periode_fin"):
            try:
                facture.valeurs[colonne] = lire_date(valeurs[colonne])
            except ValeurInvalide as e:
                self.erreur(numero_ligne, colonne, str(e))
                facture.valide = False
        debut, fin = facture.valeurs.get("periode_debut"), facture.valeurs.get("periode_fin")
        if debut and fin and fin < debut:
            self.erreur(numero_ligne, "periode_fin", ERREUR_DATES_PERIODE)
            facture.valide = False
        return facture

    def comparer_entete(self, facture: _FactureLue, numero_ligne, valeurs) -> None:
        for colonne in COLONNES_ENTETE_FACTURE:
            if valeurs[colonne] != facture.brut[colonne]:
                self.erreur(
                    numero_ligne,
                    colonne,
                    ERREUR_ENTETE_INCOHERENT.format(
                        numero=facture.numero,
                        valeur=valeurs[colonne],
                        premiere=facture.brut[colonne],
                        ligne=facture.ligne,
                    ),
                )
                facture.valide = False

    def ajouter_ligne(self, facture: _FactureLue, numero_ligne, valeurs) -> None:
        ok = True
        lu = {}
        for colonne, decimales in (("quantite", 2), ("prix_unitaire", 4), ("montant", 2)):
            try:
                lu[colonne] = lire_montant(valeurs[colonne], decimales=decimales)
            except ValeurInvalide as e:
                self.erreur(numero_ligne, colonne, str(e))
                ok = False
        if not valeurs["libelle"]:
            self.erreur(numero_ligne, "libelle", ERREUR_VIDE)
            ok = False
        if ok:
            calcule = (lu["quantite"] * lu["prix_unitaire"]).quantize(_CENTIMES, ROUND_HALF_UP)
            if calcule != lu["montant"]:
                self.erreur(
                    numero_ligne,
                    "montant",
                    ERREUR_CALCUL.format(montant=_fr(lu["montant"]), calcule=_fr(calcule)),
                )
                ok = False
        if ok:
            signature = (
                valeurs["enfant"],
                valeurs["libelle"],
                lu["quantite"],
                lu["prix_unitaire"],
                lu["montant"],
            )
            if signature in facture.signatures:
                self.erreur(numero_ligne, "", ERREUR_LIGNE_DOUBLE.format(ligne=facture.signatures[signature]))
                ok = False
            else:
                facture.signatures[signature] = numero_ligne
                facture.lignes.append((numero_ligne,) + signature)
        if not ok:
            facture.valide = False

    def terminer(self, facture: _FactureLue) -> None:
        facture.signatures = {}
        if facture.valide:
            self.lot.append(facture)
        if len(self.lot) >= TAILLE_LOT:
            self.vider_lot()

    def vider_lot(self) -> None:
        lot, self.lot = self.lot, []
        self.vues = set()
        if not lot:
            return
        self.familles.charger(f.numero_famille for f in lot)
        valides = []
        for facture in lot:
            famille_id = self.familles.ids.get(facture.numero_famille)
            if famille_id is None:
                self.erreur(
                    facture.ligne,
                    "numero_famille",
                    ERREUR_FAMILLE_INCONNUE.format(valeur=facture.numero_famille),
                )
                continue
            facture.valeurs["famille_id"] = famille_id
            valides.append(facture)
        existantes = self.existantes(valides)
        a_creer = []
        for facture in valides:
            existante = existantes.get((facture.regie.pk, facture.numero))
            if existante is None:
                a_creer.append(facture)
            elif existante[0] > self.plafond:
                self.erreur(
                    facture.ligne, "numero_facture", ERREUR_NON_CONSECUTIVES.format(numero=facture.numero)
                )
            elif self.identique(existante, facture):
                self.rapport.factures_ignorees += 1
            else:
                self.erreur(
                    facture.ligne,
                    "numero_facture",
                    ERREUR_DEJA_IMPORTEE_DIFFERENTE.format(numero=facture.numero),
                )
        # Même après une erreur, les factures valides sont écrites (l'appelant annulera tout) :
        # c'est ce qui permet de reconnaître plus bas une facture déjà vue, sans la garder.
        self.ecrire(a_creer)

    def existantes(self, lot) -> dict:
        """(régie, numéro) → (id, en-tête, lignes triées) des factures du lot déjà en base
        (2 requêtes)."""
        if not lot:
            return {}
        numeros = {f.numero for f in lot}
        regies = {f.regie.pk for f in lot}
        entetes = {
            pk: ((regie_id, numero), rest)
            for pk, regie_id, numero, *rest in Facture.objects.filter(
                regie_id__in=regies, numero__in=numeros
            ).values_list(
                "pk",
                "regie_id",
                "numero",
                "famille_id",
                "date_facture",
                "date_echeance",
                "periode_debut",
                "periode_fin",
            )
        }
        lignes: dict = {pk: [] for pk in entetes}
        for facture_id, *contenu in LigneFacture.objects.filter(facture_id__in=entetes).values_list(
            "facture_id", "enfant_nom", "libelle", "quantite", "prix_unitaire", "montant"
        ):
            lignes[facture_id].append(tuple(contenu))
        return {cle: (pk, tuple(rest), sorted(lignes[pk])) for pk, (cle, rest) in entetes.items()}

    def identique(self, existante, facture: _FactureLue) -> bool:
        v = facture.valeurs
        _, entete, lignes = existante
        if entete != (
            v["famille_id"],
            v["date_facture"],
            v["date_echeance"],
            v["periode_debut"],
            v["periode_fin"],
        ):
            return False
        return lignes == sorted(tuple(lg[1:]) for lg in facture.lignes)

    def compter(self, factures) -> None:
        for facture in factures:
            self.rapport.factures_creees += 1
            self.rapport.lignes_creees += len(facture.lignes)
            self.rapport.familles.add(facture.valeurs["famille_id"])
            self.rapport.montant_total += sum((lg[5] for lg in facture.lignes), ZERO)

    def ecrire(self, factures) -> None:
        if not factures:
            return
        enfants = _enfants_par_nom({f.valeurs["famille_id"] for f in factures})
        for facture in factures:
            facture.valeurs["montant"] = sum((lg[5] for lg in facture.lignes), ZERO)
        if connection.vendor == "postgresql":
            ids = _inserer_postgresql(factures)
        else:
            objets = [
                Facture(
                    regie=f.regie,
                    numero=f.numero,
                    famille_id=f.valeurs["famille_id"],
                    date_facture=f.valeurs["date_facture"],
                    date_echeance=f.valeurs["date_echeance"],
                    periode_debut=f.valeurs["periode_debut"],
                    periode_fin=f.valeurs["periode_fin"],
                    montant=f.valeurs["montant"],
                )
                for f in factures
            ]
            Facture.objects.bulk_create(objets)
            ids = [o.pk for o in objets]
        lignes = []
        for pk, facture in zip(ids, factures, strict=True):
            famille_id = facture.valeurs["famille_id"]
            for ordre, (_, enfant, libelle, quantite, prix, montant) in enumerate(facture.lignes, 1):
                lignes.append(
                    (
                        pk,
                        ordre,
                        enfant,
                        enfants.get((famille_id, _nom_normalise(enfant))),
                        libelle,
                        quantite,
                        prix,
                        montant,
                    )
                )
        if connection.vendor == "postgresql":
            _copier_lignes_postgresql(lignes)
        else:
            LigneFacture.objects.bulk_create(
                [
                    LigneFacture(
                        facture_id=pk,
                        ordre=ordre,
                        enfant_nom=enfant,
                        enfant_id=enfant_id,
                        libelle=libelle,
                        quantite=quantite,
                        prix_unitaire=prix,
                        montant=montant,
                    )
                    for pk, ordre, enfant, enfant_id, libelle, quantite, prix, montant in lignes
                ],
                batch_size=5000,
            )
        self.compter(factures)


# Sur PostgreSQL, l'ORM (bulk_create) passe l'essentiel de son temps à composer le SQL : les
# factures s'insèrent en une requête à tableaux (unnest) par lot, les lignes par COPY.
def _inserer_postgresql(factures) -> list[int]:
    colonnes = (
        "regie_id",
        "numero",
        "famille_id",
        "date_facture",
        "date_echeance",
        "periode_debut",
        "periode_fin",
        "montant",
        "date_import",
    )
    types = ("bigint", "text", "bigint", "date", "date", "date", "date", "numeric", "timestamptz")
    maintenant = timezone.now()
    valeurs = [
        [f.regie.pk for f in factures],
        [f.numero for f in factures],
        *[[f.valeurs[c] for f in factures] for c in colonnes[2:8]],
        [maintenant] * len(factures),
    ]
    table = connection.ops.quote_name(Facture._meta.db_table)
    requete = (
        f"INSERT INTO {table} ({', '.join(colonnes)}) "  # noqa: S608  # nosec B608 (noms fixes, valeurs en paramètres)
        f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in types)}) "
        "RETURNING id, regie_id, numero"
    )
    with connection.cursor() as curseur:
        curseur.execute(requete, valeurs)
        par_numero = {(regie_id, numero): pk for pk, regie_id, numero in curseur.fetchall()}
    return [par_numero[(f.regie.pk, f.numero)] for f in factures]


def _copier_lignes_postgresql(lignes) -> None:
    table = connection.ops.quote_name(LigneFacture._meta.db_table)
    with (
        connection.cursor() as curseur,
        curseur.cursor.copy(
            f"COPY {table} (facture_id, ordre, enfant_nom, enfant_id, libelle, quantite, "
            "prix_unitaire, montant) FROM STDIN"
        ) as copie,
    ):
        for ligne in lignes:
            copie.write_row(ligne)


def _enfants_par_nom(famille_ids) -> dict:
    """(famille, nom normalisé) → enfant, sous les formes « PRÉNOM », « PRÉNOM NOM », « NOM PRÉNOM »."""
    from enfants.models import Enfant

    correspondances: dict = {}
    doublons = set()
    for pk, famille_id, nom, prenom in Enfant.objects.filter(famille_id__in=famille_ids).values_list(
        "pk", "famille_id", "nom", "prenom"
    ):
        for forme in (prenom, f"{prenom} {nom}", f"{nom} {prenom}"):
            cle = (famille_id, _nom_normalise(forme))
            if cle in correspondances and correspondances[cle] != pk:
                doublons.add(cle)
            correspondances[cle] = pk
    for cle in doublons:
        del correspondances[cle]  # deux enfants du même prénom : on garde le texte seul
    return correspondances


def _ouvrir(chemin: Path) -> Lecteur:
    try:
        return Lecteur(chemin)
    except EncodageInvalide as erreur:
        raise ImportInvalide(erreur.erreurs, Rapport(erreurs_nombre=erreur.nombre)) from None


def _fr(valeur: Decimal) -> str:
    return f"{valeur:.2f}".replace(".", ",")


def factures_importer(*, chemin: Path, progression: Progression = None) -> Rapport:
    """Importe un export de factures dans la transaction courante ; lève ImportInvalide (ou
    ImportEnCours si un autre import tourne)."""
    _verrouiller()
    lecteur = _ouvrir(chemin)
    try:
        with _sans_preparation():
            rapport = _ImportFactures(lecteur, progression).executer()
    finally:
        lecteur.fermer()
    if rapport.erreurs:
        raise ImportInvalide(rapport.erreurs, rapport)
    return rapport


# --- Règlements ------------------------------------------------------------------------------


def reglements_importer(*, chemin: Path, progression: Progression = None) -> Rapport:
    """Importe un export de règlements (chèque, espèces, CESU…) et les impute aux factures.

    Avec un N° de facture, le règlement lui est imputé (dans la limite de son reste dû) ; sans,
    il l'est aux factures impayées de la famille dans la régie, la plus ancienne d'abord.
    L'excédent reste un avoir (crédit du compte).
    """
    _verrouiller()
    lecteur = _ouvrir(chemin)
    rapport = Rapport()
    try:
        erreurs = _verifier_entete(lecteur, COLONNES_REGLEMENTS)
        if erreurs:
            raise ImportInvalide(erreurs, rapport)
        index = {nom: i for i, nom in enumerate(lecteur.entete)}
        regies = _Regies()
        familles = _Familles()
        plafond = Reglement.objects.aggregate(m=Max("pk"))["m"] or 0
        with _sans_preparation():
            _reglements_lire(lecteur, index, regies, familles, rapport, plafond, progression)
    finally:
        lecteur.fermer()
    if rapport.erreurs:
        raise ImportInvalide(rapport.erreurs, rapport)
    return rapport


def _reglements_lire(lecteur, index, regies, familles, rapport, plafond, progression) -> None:
    """Lit, vérifie et enregistre les règlements, lot par lot."""
    lus = []
    vus: dict = {}  # (régie, numéro) → ligne, pour le lot en cours seulement
    for numero_ligne, champs in lecteur.lignes(rapport):
        rapport.lignes_lues += 1
        if progression and rapport.lignes_lues % 5000 == 0:
            progression(lecteur.octets_lus, lecteur.taille, rapport.lignes_lues)
        if len(champs) != len(index):
            rapport.erreur(
                numero_ligne, "", ERREUR_NOMBRE_CHAMPS.format(trouves=len(champs), attendus=len(index))
            )
            continue
        lu = _reglement_lire(numero_ligne, {n: champs[i].strip() for n, i in index.items()}, regies, rapport)
        if lu is None:
            continue
        cle = (lu["regie"].pk, lu["numero"])
        if cle in vus:
            rapport.erreur(
                numero_ligne,
                "numero_reglement",
                ERREUR_REGLEMENT_DOUBLE.format(numero=lu["numero"], ligne=vus[cle]),
            )
            continue
        vus[cle] = numero_ligne
        lus.append(lu)
        if len(lus) >= TAILLE_LOT:
            _reglements_lot(lus, familles, rapport, plafond)
            lus, vus = [], {}
    _reglements_lot(lus, familles, rapport, plafond)


def numero_reglement_verifier(numero: str, regie: Regie) -> str | None:
    """Pourquoi ce N° de règlement importé est refusé (ou None) : il commence par le code de la
    régie et n'est jamais de la série des règlements enregistrés par le portail."""
    if services.numero_du_portail(numero, regie=regie):
        return ERREUR_NUMERO_PORTAIL.format(numero=numero, prefixe=services.PREFIXE_PORTAIL, code=regie.code)
    if not numero.startswith(f"{regie.code}-"):
        return ERREUR_NUMERO_REGIE.format(numero=numero, code=regie.code)
    return None


def _reglement_lire(numero_ligne, valeurs, regies, rapport: Rapport) -> dict | None:
    avant = rapport.erreurs_nombre
    lu = {
        "ligne": numero_ligne,
        "numero": valeurs["numero_reglement"],
        "numero_famille": valeurs["numero_famille"],
        "numero_facture": valeurs.get("numero_facture", ""),
    }
    for colonne in ("numero_reglement", "numero_famille"):
        if not valeurs[colonne]:
            rapport.erreur(numero_ligne, colonne, ERREUR_VIDE)
    try:
        lu["regie"] = regies.trouver(valeurs["regie"])
        refus = lu["numero"] and numero_reglement_verifier(lu["numero"], lu["regie"])
        if refus:
            rapport.erreur(numero_ligne, "numero_reglement", refus)
    except ValeurInvalide as e:
        rapport.erreur(numero_ligne, "regie", str(e))
    try:
        lu["date"] = lire_date(valeurs["date"])
    except ValeurInvalide as e:
        rapport.erreur(numero_ligne, "date", str(e))
    lu["mode"] = MODES.get(normaliser(valeurs["mode"]))
    if lu["mode"] is None:
        rapport.erreur(numero_ligne, "mode", ERREUR_MODE.format(valeur=valeurs["mode"]))
    try:
        lu["montant"] = lire_montant(valeurs["montant"], decimales=2)
        if lu["montant"] == 0:
            raise ValeurInvalide(ERREUR_NUL.format(valeur=valeurs["montant"]))
    except ValeurInvalide as e:
        rapport.erreur(numero_ligne, "montant", str(e))
    return lu if rapport.erreurs_nombre == avant else None


def _reglements_lot(lus, familles, rapport, plafond: int) -> None:
    """Vérifie un lot de règlements et enregistre ceux qui sont valides (même après une erreur :
    l'appelant annulera tout, mais un règlement répété plus bas se reconnaît ainsi en base)."""
    if not lus:
        return
    familles.charger(lu["numero_famille"] for lu in lus)
    existants = {
        (r.regie_id, r.numero): r for r in Reglement.objects.filter(numero__in={lu["numero"] for lu in lus})
    }
    factures = {
        (f.regie_id, f.numero): f
        for f in Facture.objects.filter(
            numero__in={lu["numero_facture"] for lu in lus if lu["numero_facture"]}
        )
    }
    a_creer = []
    for lu in lus:
        famille_id = familles.ids.get(lu["numero_famille"])
        if famille_id is None:
            rapport.erreur(
                lu["ligne"], "numero_famille", ERREUR_FAMILLE_INCONNUE.format(valeur=lu["numero_famille"])
            )
            continue
        lu["famille_id"] = famille_id
        if lu["numero_facture"]:
            facture = factures.get((lu["regie"].pk, lu["numero_facture"]))
            if facture is None or facture.famille_id != famille_id:
                rapport.erreur(
                    lu["ligne"], "numero_facture", ERREUR_FACTURE_INCONNUE.format(numero=lu["numero_facture"])
                )
                continue
            lu["facture"] = facture
        existant = existants.get((lu["regie"].pk, lu["numero"]))
        if existant is None:
            a_creer.append(lu)
        elif existant.pk > plafond:
            rapport.erreur(
                lu["ligne"], "numero_reglement", ERREUR_REGLEMENT_PLUS_HAUT.format(numero=lu["numero"])
            )
        elif (existant.famille_id, existant.date, existant.mode, existant.montant) == (
            famille_id,
            lu["date"],
            lu["mode"],
            lu["montant"],
        ):
            rapport.reglements_ignores += 1
        else:
            rapport.erreur(
                lu["ligne"], "numero_reglement", ERREUR_REGLEMENT_DIFFERENT.format(numero=lu["numero"])
            )
    for lu in a_creer:
        rapport.reglements_crees += 1
        rapport.familles.add(lu["famille_id"])
        rapport.montant_total += lu["montant"]
        services.reglement_enregistrer(
            famille=Famille(pk=lu["famille_id"]),
            regie=lu["regie"],
            montant=lu["montant"],
            mode=lu["mode"],
            date=lu["date"],
            numero=lu["numero"],
            factures=[lu["facture"]] if "facture" in lu else None,
        )
