"""Lecture des exports CSV du logiciel de facturation : encodage, CSV strict, en-tête, dates et
montants, erreurs ; et la forme commune des deux imports (lire → valider → lot → écrire).

Une valeur est lue juste ou refusée, jamais devinée : les deux imports (factures, règlements)
passent par ces fonctions. Grammaire (décrite aussi dans le README, « Import des factures ») :

Montants, espaces autour et `€` final permis :
- format français : `1234,50`, `1 234,50` (milliers séparés par des espaces, normales ou
  insécables), `1234`, `1 234` ;
- milliers à points et virgule décimale : `12.345,00` (la partie décimale est alors obligatoire) ;
- point décimal sans séparateur de milliers : `1234.50`.
Refusés : notation scientifique (`1e3`), soulignés (`1_000`), chiffres non ASCII (`١٢`),
l'anglais `1,000.00`, tout autre mélange ; et, parce qu'on ne peut pas savoir s'il s'agit de
mille ou de un, un seul séparateur suivi d'exactement trois chiffres après 1 à 3 chiffres
(`1.000`, `1,000`, `12,500`) : écrire `1000`, `1 000` ou `1,00`.

Dates : `jj/mm/aaaa` (jour et mois sur un ou deux chiffres) ou `aaaa-mm-jj`, année entre
`IMPORT_ANNEE_MIN` et `IMPORT_ANNEE_MAX` (réglages, 2000 et 2100 par défaut).
"""

import codecs
import csv
import datetime
import functools
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import Max

from facturation.importation import postgresql
from facturation.models import ZERO, Regie
from familles.models import Famille

ERREUR_MONTANT = "montant invalide « {valeur} » (attendu : 1 234,50 ; 1234,50 ; 1.234,50 ou 1234.50)"
ERREUR_MONTANT_AMBIGU = "montant ambigu « {valeur} » : mille ou un ? (écrivez 1000, 1 000 ou 1,00)"
ERREUR_DECIMALES = "« {valeur} » a trop de décimales ({maximum} au plus)"
ERREUR_NEGATIF = "« {valeur} » doit être positif"
ERREUR_DATE = (
    "date invalide « {valeur} » (attendu : jj/mm/aaaa ou aaaa-mm-jj, année de {minimum} à {maximum})"
)

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
ERREUR_SIGNES_MELES = (
    "la facture {numero} mêle des lignes positives et négatives : un avoir (facture négative) "
    "a toutes ses lignes négatives"
)
ERREUR_NATURE = "nature inconnue « {valeur} » (attendu : garde, repas ou autre, ou vide)"


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

TAILLE_LOT = 2000
# Au-delà, les erreurs sont comptées mais plus gardées (mémoire constante) ; la commande dit
# combien il y en a en tout.
ERREURS_MAX = 1000


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


def nom_normalise(texte: str) -> str:
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


# --- Valeurs ---------------------------------------------------------------------------------

LONGUEUR_MAX = 40
_ESPACES = " \u00a0\u202f"
_MONTANT_FRANCAIS = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?:,[0-9]+)?|[0-9]+(?:,[0-9]+)?")
_MONTANT_POINTS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+")
_MONTANT_POINT_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")
_MONTANT_AMBIGU = re.compile(r"[1-9][0-9]{0,2}[.,][0-9]{3}")
_DATE_FRANCAISE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class ValeurInvalide(ValueError):
    """Une valeur refusée ; le message (en français) dit ce qui était attendu."""


def _chiffres(texte: str) -> str:
    """Le montant débarrassé de son `€` final et des espaces autour."""
    texte = texte.strip(_ESPACES + "\t")
    if texte.endswith("€"):
        texte = texte[:-1].rstrip(_ESPACES)
    return texte


@functools.lru_cache(maxsize=8192)  # prix et quantités se répètent beaucoup dans un export
def lire_montant(texte: str, *, decimales: int = 2, negatif_permis: bool = False) -> Decimal:
    """Un montant positif ou nul selon la grammaire du module, au plus `decimales` décimales
    (des zéros au-delà sont permis : `6,4000` vaut 6,40) ; ValeurInvalide sinon. Avec
    `negatif_permis` (prix et montant d'une ligne d'avoir), un `-` initial est permis."""
    brut = texte.strip()
    chiffres = _chiffres(texte)
    negatif = chiffres.startswith("-")
    if negatif:
        chiffres = chiffres[1:]
    if len(chiffres) > LONGUEUR_MAX:
        raise ValeurInvalide(ERREUR_MONTANT.format(valeur=brut[:LONGUEUR_MAX] + "…"))
    if _MONTANT_AMBIGU.fullmatch(chiffres):
        raise ValeurInvalide(ERREUR_MONTANT_AMBIGU.format(valeur=brut))
    if _MONTANT_FRANCAIS.fullmatch(chiffres) or _MONTANT_POINTS.fullmatch(chiffres):
        normalise = chiffres.translate({ord(c): None for c in _ESPACES + "."}).replace(",", ".")
    elif _MONTANT_POINT_DECIMAL.fullmatch(chiffres):
        normalise = chiffres
    else:
        raise ValeurInvalide(ERREUR_MONTANT.format(valeur=brut))
    if negatif and not negatif_permis:
        raise ValeurInvalide(ERREUR_NEGATIF.format(valeur=brut))
    valeur = -Decimal(normalise) if negatif else Decimal(normalise)
    if valeur.as_tuple().exponent < -decimales:
        arrondi = valeur.quantize(Decimal(1).scaleb(-decimales))
        if arrondi != valeur:
            raise ValeurInvalide(ERREUR_DECIMALES.format(valeur=brut, maximum=decimales))
        valeur = arrondi
    return valeur


def lire_date(texte: str) -> datetime.date:
    """Une date `jj/mm/aaaa` ou `aaaa-mm-jj` dans les années permises ; ValeurInvalide sinon."""
    return _date(texte.strip(), settings.IMPORT_ANNEE_MIN, settings.IMPORT_ANNEE_MAX)


@functools.lru_cache(maxsize=4096)
def _date(texte: str, annee_min: int, annee_max: int) -> datetime.date:
    francaise = _DATE_FRANCAISE.fullmatch(texte)
    iso = _DATE_ISO.fullmatch(texte)
    try:
        if francaise:
            jour, mois, annee = (int(v) for v in francaise.groups())
        elif iso:
            annee, mois, jour = (int(v) for v in iso.groups())
        else:
            raise ValueError
        if not annee_min <= annee <= annee_max:
            raise ValueError
        return datetime.date(annee, mois, jour)
    except ValueError:
        raise ValeurInvalide(
            ERREUR_DATE.format(valeur=texte[:LONGUEUR_MAX], minimum=annee_min, maximum=annee_max)
        ) from None


# --- Références : régies et familles ----------------------------------------------------------


class Regies:
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


class Familles:
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


def verifier_entete(lecteur: Lecteur, obligatoires, facultatives=()) -> list[Erreur]:
    if not lecteur.entete:
        return [Erreur(1, "", ERREUR_FICHIER_VIDE)]
    return [Erreur(1, c, ERREUR_COLONNE_MANQUANTE) for c in obligatoires if c not in lecteur.entete]


def ouvrir(chemin: Path) -> Lecteur:
    try:
        return Lecteur(chemin)
    except EncodageInvalide as erreur:
        raise ImportInvalide(erreur.erreurs, Rapport(erreurs_nombre=erreur.nombre)) from None


def montant_texte(valeur: Decimal) -> str:
    return f"{valeur:.2f}".replace(".", ",")


# --- La forme commune des deux imports ----------------------------------------------------------

Progression = Callable[[int, int, int], None] | None


class ImportParLots:
    """La forme des deux imports : chaque ligne est lue et validée seule (`lire`), mise en lot,
    chaque lot est validé contre la base (`valider_lot`, qui renvoie ce qui est à créer) puis
    écrit (`ecrire`). Mémoire constante : rien ne reste d'un lot à l'autre. Même après une
    erreur, les éléments valides sont écrits (l'appelant annulera tout) : c'est ce qui permet de
    reconnaître plus bas un élément déjà vu, sans le garder (identifiant au-delà du `plafond`,
    le plus grand existant au départ)."""

    colonnes: tuple[str, ...] = ()
    modele = None  # le modèle écrit (Facture, Reglement), pour le plafond

    def __init__(self, lecteur: Lecteur, progression: Progression):
        self.lecteur = lecteur
        self.progression = progression
        self.rapport = Rapport()
        self.regies = Regies()
        self.familles = Familles()
        self.index = {nom: i for i, nom in enumerate(lecteur.entete)}
        self.lot: list = []
        self.plafond = self.modele.objects.aggregate(m=Max("pk"))["m"] or 0

    @classmethod
    def importer(cls, *, chemin: Path, progression: Progression = None) -> Rapport:
        """Importe le fichier dans la transaction courante ; lève ImportInvalide (ou
        ImportEnCours si un autre import tourne)."""
        postgresql.verrouiller()
        lecteur = ouvrir(chemin)
        try:
            with postgresql.sans_preparation():
                rapport = cls(lecteur, progression).executer()
        finally:
            lecteur.fermer()
        if rapport.erreurs:
            raise ImportInvalide(rapport.erreurs, rapport)
        return rapport

    def erreur(self, ligne: int, colonne: str, message: str) -> None:
        self.rapport.erreur(ligne, colonne, message)

    def executer(self) -> Rapport:
        erreurs = verifier_entete(self.lecteur, self.colonnes)
        if erreurs:
            self.rapport.erreurs.extend(erreurs)
            self.rapport.erreurs_nombre = len(erreurs)
            return self.rapport
        for numero_ligne, valeurs in self.lignes():
            self.lire(numero_ligne, valeurs)
        self.finir()
        self.vider_lot()
        if self.progression:
            self.progression(self.lecteur.taille, self.lecteur.taille, self.rapport.lignes_lues)
        return self.rapport

    def lignes(self) -> Iterator[tuple[int, dict]]:
        """(numéro de ligne, valeurs par colonne) des lignes qui ont le bon nombre de champs."""
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
                    self.ligne_illisible()
                    continue
                yield numero_ligne, {nom: champs[i].strip() for nom, i in self.index.items()}
        except UnicodeDecodeError:  # pragma: no cover - l'encodage est vérifié avant la lecture
            self.erreur(self.rapport.lignes_lues + 2, "", ERREUR_ENCODAGE)

    def mettre_en_lot(self, element) -> None:
        self.lot.append(element)
        if len(self.lot) >= TAILLE_LOT:
            self.vider_lot()

    def vider_lot(self) -> None:
        lot, self.lot = self.lot, []
        self.lot_commence()
        if lot:
            self.familles.charger(element.numero_famille for element in lot)
            self.ecrire(self.valider_lot(lot))

    # À définir par chaque import.
    def lire(self, numero_ligne: int, valeurs: dict) -> None:
        raise NotImplementedError

    def valider_lot(self, lot: list) -> list:
        raise NotImplementedError

    def ecrire(self, a_creer: list) -> None:
        raise NotImplementedError

    def ligne_illisible(self) -> None:
        """Une ligne n'avait pas le bon nombre de champs."""

    def finir(self) -> None:
        """La fin du fichier est atteinte (avant l'écriture du dernier lot)."""

    def lot_commence(self) -> None:
        """Un nouveau lot commence (ce qui n'était gardé que pour le lot précédent s'oublie)."""
