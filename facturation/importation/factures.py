"""Import des factures : une facture = ses lignes consécutives dans le fichier (en-tête répété
à l'identique sur chacune). Lire (chaque ligne, validée seule) → valider (chaque lot, contre la
base : famille connue, facture déjà importée à l'identique ou non) → écrire (par lots).

Idempotent : une facture déjà importée à l'identique est ignorée ; si son contenu diffère, c'est
une erreur (une facture émise ne se modifie pas : on émet un avoir).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from facturation.importation import postgresql
from facturation.importation.lecture import (
    ERREUR_CALCUL,
    ERREUR_DATES_PERIODE,
    ERREUR_DEJA_IMPORTEE_DIFFERENTE,
    ERREUR_ENTETE_INCOHERENT,
    ERREUR_FAMILLE_INCONNUE,
    ERREUR_LIGNE_DOUBLE,
    ERREUR_NATURE,
    ERREUR_NON_CONSECUTIVES,
    ERREUR_NUMERO_REGIE,
    ERREUR_SIGNES_MELES,
    ERREUR_VIDE,
    ImportParLots,
    Progression,
    Rapport,
    ValeurInvalide,
    lire_date,
    lire_montant,
    montant_texte,
    nom_normalise,
    normaliser,
)
from facturation.models import ZERO, Facture, LigneFacture, Nature, Regie

COLONNES_ENTETE_FACTURE = (
    "numero_famille",
    "regie",
    "date_facture",
    "date_echeance",
    "periode_debut",
    "periode_fin",
)
COLONNES_FACTURES = (
    "numero_facture",
    *COLONNES_ENTETE_FACTURE,
    "enfant",
    "libelle",
    "quantite",
    "prix_unitaire",
    "montant",
)
# Colonne facultative `nature` : garde, repas ou autre (sans accents ni majuscules requis) ;
# absente ou vide, la nature par défaut de la régie.
_NATURES = {normaliser(n.value): n.value for n in Nature}

_CENTIMES = Decimal("0.01")


@dataclass
class _FactureLue:
    numero: str
    ligne: int
    brut: dict  # en-tête tel que lu (pour comparer les lignes suivantes)
    regie: Regie | None = None
    numero_famille: str = ""
    valeurs: dict = field(default_factory=dict)
    # (ligne, enfant, libelle, quantite, prix, montant, nature)
    lignes: list = field(default_factory=list)
    signatures: dict = field(default_factory=dict)
    valide: bool = True


class ImportFactures(ImportParLots):
    colonnes = COLONNES_FACTURES
    modele = Facture

    def __init__(self, lecteur, progression):
        super().__init__(lecteur, progression)
        self.courante: _FactureLue | None = None
        # Les factures commencées depuis le dernier lot écrit (les précédentes sont en base).
        self.vues: set[tuple[int, str]] = set()

    # Lire : chaque ligne, validée seule ; une facture finie va dans le lot.

    def lire(self, numero_ligne: int, valeurs: dict) -> None:
        numero = valeurs["numero_facture"]
        if not numero:
            self.erreur(numero_ligne, "numero_facture", ERREUR_VIDE)
            return
        courante = self.courante
        if courante is None or numero != courante.numero:
            if courante is not None:
                self.terminer(courante)
            courante = self.courante = self.commencer(numero_ligne, valeurs)
        else:
            self.comparer_entete(courante, numero_ligne, valeurs)
        self.ajouter_ligne(courante, numero_ligne, valeurs)

    def ligne_illisible(self) -> None:
        if self.courante is not None:
            self.courante.valide = False

    def finir(self) -> None:
        if self.courante is not None:
            self.terminer(self.courante)
            self.courante = None

    def lot_commence(self) -> None:
        self.vues = set()

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
        # Un avoir : prix unitaire et montant négatifs, la quantité reste positive.
        for colonne, decimales, negatif in (
            ("quantite", 2, False),
            ("prix_unitaire", 4, True),
            ("montant", 2, True),
        ):
            try:
                lu[colonne] = lire_montant(valeurs[colonne], decimales=decimales, negatif_permis=negatif)
            except ValeurInvalide as e:
                self.erreur(numero_ligne, colonne, str(e))
                ok = False
        if not valeurs["libelle"]:
            self.erreur(numero_ligne, "libelle", ERREUR_VIDE)
            ok = False
        nature = self.nature(facture, valeurs.get("nature", ""))
        if nature is None:
            self.erreur(numero_ligne, "nature", ERREUR_NATURE.format(valeur=valeurs["nature"][:40]))
            ok = False
        if ok:
            calcule = (lu["quantite"] * lu["prix_unitaire"]).quantize(_CENTIMES, ROUND_HALF_UP)
            if calcule != lu["montant"]:
                self.erreur(
                    numero_ligne,
                    "montant",
                    ERREUR_CALCUL.format(
                        montant=montant_texte(lu["montant"]), calcule=montant_texte(calcule)
                    ),
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
                facture.lignes.append((numero_ligne, *signature, nature))
        if not ok:
            facture.valide = False

    @staticmethod
    def nature(facture: _FactureLue, texte: str) -> str | None:
        """La nature lue (sans accents ni majuscules), sinon celle de la régie ; None : inconnue."""
        if not texte:
            return facture.regie.nature_par_defaut if facture.regie is not None else Nature.GARDE.value
        return _NATURES.get(normaliser(texte))

    def terminer(self, facture: _FactureLue) -> None:
        facture.signatures = {}
        montants = [lg[5] for lg in facture.lignes]
        if any(m < 0 for m in montants) and any(m > 0 for m in montants):
            self.erreur(facture.ligne, "montant", ERREUR_SIGNES_MELES.format(numero=facture.numero))
            facture.valide = False
        if facture.valide:
            self.mettre_en_lot(facture)

    # Valider le lot contre la base.

    def valider_lot(self, lot: list[_FactureLue]) -> list[_FactureLue]:
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
        return a_creer

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
            "facture_id", "enfant_nom", "libelle", "quantite", "prix_unitaire", "montant", "nature"
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

    # Écrire.

    def ecrire(self, factures: list[_FactureLue]) -> None:
        if not factures:
            return
        for facture in factures:
            facture.valeurs["montant"] = sum((lg[5] for lg in facture.lignes), ZERO)
        ids = postgresql.factures_inserer(factures) if postgresql.actif() else _factures_creer(factures)
        lignes = _lignes_a_creer(ids, factures)
        if postgresql.actif():
            postgresql.lignes_copier(lignes)
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
                        nature=nature,
                    )
                    for pk, ordre, enfant, enfant_id, libelle, quantite, prix, montant, nature in lignes
                ],
                batch_size=5000,
            )
        self.compter(factures)


def _factures_creer(factures: list[_FactureLue]) -> list[int]:
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
    return [o.pk for o in objets]


def _lignes_a_creer(ids: list[int], factures: list[_FactureLue]) -> list[tuple]:
    """(facture, ordre, enfant lu, enfant reconnu, libellé, quantité, prix, montant, nature)."""
    enfants = _enfants_par_nom({f.valeurs["famille_id"] for f in factures})
    lignes = []
    for pk, facture in zip(ids, factures, strict=True):
        famille_id = facture.valeurs["famille_id"]
        for ordre, (_, enfant, libelle, quantite, prix, montant, nature) in enumerate(facture.lignes, 1):
            enfant_id = enfants.get((famille_id, nom_normalise(enfant)))
            lignes.append((pk, ordre, enfant, enfant_id, libelle, quantite, prix, montant, nature))
    return lignes


def _enfants_par_nom(famille_ids) -> dict:
    """(famille, nom normalisé) → enfant, sous les formes « PRÉNOM », « PRÉNOM NOM », « NOM PRÉNOM »."""
    from enfants.models import Enfant

    correspondances: dict = {}
    doublons = set()
    for pk, famille_id, nom, prenom in Enfant.objects.filter(famille_id__in=famille_ids).values_list(
        "pk", "famille_id", "nom", "prenom"
    ):
        for forme in (prenom, f"{prenom} {nom}", f"{nom} {prenom}"):
            cle = (famille_id, nom_normalise(forme))
            if cle in correspondances and correspondances[cle] != pk:
                doublons.add(cle)
            correspondances[cle] = pk
    for cle in doublons:
        del correspondances[cle]  # deux enfants du même prénom : on garde le texte seul
    return correspondances


def factures_importer(*, chemin: Path, progression: Progression = None) -> Rapport:
    """Importe un export de factures dans la transaction courante ; lève ImportInvalide (ou
    ImportEnCours si un autre import tourne)."""
    return ImportFactures.importer(chemin=chemin, progression=progression)
