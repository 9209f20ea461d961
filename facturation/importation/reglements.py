"""Import des règlements (chèque, espèces, CESU…) et leur imputation aux factures : un
règlement par ligne. Lire (chaque ligne, validée seule) → valider (chaque lot, contre la base :
famille et facture connues, règlement déjà importé à l'identique ou non) → écrire (par le
service `reglement_enregistrer`, qui impute).

Avec un N° de facture, le règlement lui est imputé (dans la limite de son reste dû) ; sans, il
l'est aux factures impayées de la famille dans la régie, la plus ancienne d'abord. L'excédent
reste un avoir (crédit du compte).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from facturation import services
from facturation.importation import lecture
from facturation.importation.lecture import (
    ImportParLots,
    Progression,
    Rapport,
    ValeurInvalide,
    lire_date,
    lire_montant,
    normaliser,
)
from facturation.models import Facture, Regie, Reglement
from familles.models import Famille

COLONNES_REGLEMENTS = ("numero_reglement", "numero_famille", "regie", "date", "mode", "montant")
COLONNES_REGLEMENTS_FACULTATIVES = ("numero_facture",)

MODES = {
    "cheque": Reglement.Mode.CHEQUE,
    "especes": Reglement.Mode.ESPECES,
    "cesu": Reglement.Mode.CESU,
    "prelevement": Reglement.Mode.PRELEVEMENT,
    "virement": Reglement.Mode.VIREMENT,
    "carte_en_ligne": Reglement.Mode.CARTE_EN_LIGNE,
    "carte_bancaire_en_ligne": Reglement.Mode.CARTE_EN_LIGNE,
}


def numero_reglement_verifier(numero: str, regie: Regie) -> str | None:
    """Pourquoi ce N° de règlement importé est refusé (ou None) : il commence par le code de la
    régie et n'est jamais de la série des règlements enregistrés par le portail."""
    if services.numero_du_portail(numero, regie=regie):
        return lecture.ERREUR_NUMERO_PORTAIL.format(
            numero=numero, prefixe=services.PREFIXE_PORTAIL, code=regie.code
        )
    if not numero.startswith(f"{regie.code}-"):
        return lecture.ERREUR_NUMERO_REGIE.format(numero=numero, code=regie.code)
    return None


@dataclass
class _ReglementLu:
    ligne: int
    numero: str
    numero_famille: str
    numero_facture: str
    regie: Regie | None = None
    date: datetime.date | None = None
    mode: str | None = None
    montant: Decimal | None = None
    famille_id: int | None = None
    facture: Facture | None = None


class ImportReglements(ImportParLots):
    colonnes = COLONNES_REGLEMENTS
    modele = Reglement

    def __init__(self, lecteur, progression):
        super().__init__(lecteur, progression)
        self.vus: dict = {}  # (régie, numéro) → ligne, pour le lot en cours seulement

    def lot_commence(self) -> None:
        self.vus = {}

    def executer(self) -> Rapport:
        rapport = super().executer()
        if not rapport.erreurs:
            # Les reçus des règlements créés, en une fois à la fin (services.recus_numeroter).
            services.recus_numeroter(reglements=Reglement.objects.filter(pk__gt=self.plafond))
        return rapport

    # Lire : chaque ligne, validée seule.

    def lire(self, numero_ligne: int, valeurs: dict) -> None:
        lu = self.valeurs_lire(numero_ligne, valeurs)
        if lu is None:
            return
        cle = (lu.regie.pk, lu.numero)
        if cle in self.vus:
            self.erreur(
                numero_ligne,
                "numero_reglement",
                lecture.ERREUR_REGLEMENT_DOUBLE.format(numero=lu.numero, ligne=self.vus[cle]),
            )
            return
        self.vus[cle] = numero_ligne
        self.mettre_en_lot(lu)

    def valeurs_lire(self, numero_ligne: int, valeurs: dict) -> _ReglementLu | None:
        avant = self.rapport.erreurs_nombre
        lu = _ReglementLu(
            ligne=numero_ligne,
            numero=valeurs["numero_reglement"],
            numero_famille=valeurs["numero_famille"],
            numero_facture=valeurs.get("numero_facture", ""),
        )
        for colonne in ("numero_reglement", "numero_famille"):
            if not valeurs[colonne]:
                self.erreur(numero_ligne, colonne, lecture.ERREUR_VIDE)
        try:
            lu.regie = self.regies.trouver(valeurs["regie"])
            refus = lu.numero and numero_reglement_verifier(lu.numero, lu.regie)
            if refus:
                self.erreur(numero_ligne, "numero_reglement", refus)
        except ValeurInvalide as e:
            self.erreur(numero_ligne, "regie", str(e))
        try:
            lu.date = lire_date(valeurs["date"])
        except ValeurInvalide as e:
            self.erreur(numero_ligne, "date", str(e))
        lu.mode = MODES.get(normaliser(valeurs["mode"]))
        if lu.mode is None:
            self.erreur(numero_ligne, "mode", lecture.ERREUR_MODE.format(valeur=valeurs["mode"]))
        try:
            lu.montant = lire_montant(valeurs["montant"], decimales=2)
            if lu.montant == 0:
                raise ValeurInvalide(lecture.ERREUR_NUL.format(valeur=valeurs["montant"]))
        except ValeurInvalide as e:
            self.erreur(numero_ligne, "montant", str(e))
        return lu if self.rapport.erreurs_nombre == avant else None

    # Valider le lot contre la base.

    def valider_lot(self, lot: list[_ReglementLu]) -> list[_ReglementLu]:
        existants = {
            (r.regie_id, r.numero): r for r in Reglement.objects.filter(numero__in={lu.numero for lu in lot})
        }
        factures = {
            (f.regie_id, f.numero): f
            for f in Facture.objects.filter(numero__in={lu.numero_facture for lu in lot if lu.numero_facture})
        }
        a_creer = []
        for lu in lot:
            if self.rattacher(lu, factures) and self.nouveau(lu, existants.get((lu.regie.pk, lu.numero))):
                a_creer.append(lu)
        return a_creer

    def rattacher(self, lu: _ReglementLu, factures: dict) -> bool:
        """La famille (et la facture, si le fichier la nomme) existent : le règlement y est rattaché."""
        lu.famille_id = self.familles.ids.get(lu.numero_famille)
        if lu.famille_id is None:
            self.erreur(
                lu.ligne, "numero_famille", lecture.ERREUR_FAMILLE_INCONNUE.format(valeur=lu.numero_famille)
            )
            return False
        if lu.numero_facture:
            lu.facture = factures.get((lu.regie.pk, lu.numero_facture))
            if lu.facture is None or lu.facture.famille_id != lu.famille_id:
                self.erreur(
                    lu.ligne,
                    "numero_facture",
                    lecture.ERREUR_FACTURE_INCONNUE.format(numero=lu.numero_facture),
                )
                return False
        return True

    def nouveau(self, lu: _ReglementLu, existant: Reglement | None) -> bool:
        """Le règlement est à créer (sinon : ignoré s'il est déjà importé à l'identique, erreur
        s'il diffère ou s'il figure plus haut dans le fichier)."""
        if existant is None:
            return True
        if existant.pk > self.plafond:
            self.erreur(
                lu.ligne, "numero_reglement", lecture.ERREUR_REGLEMENT_PLUS_HAUT.format(numero=lu.numero)
            )
        elif (existant.famille_id, existant.date, existant.mode, existant.montant) == (
            lu.famille_id,
            lu.date,
            lu.mode,
            lu.montant,
        ):
            self.rapport.reglements_ignores += 1
        else:
            self.erreur(
                lu.ligne, "numero_reglement", lecture.ERREUR_REGLEMENT_DIFFERENT.format(numero=lu.numero)
            )
        return False

    # Écrire (un règlement à la fois : le service l'impute aux factures).

    def ecrire(self, a_creer: list[_ReglementLu]) -> None:
        for lu in a_creer:
            self.rapport.reglements_crees += 1
            self.rapport.familles.add(lu.famille_id)
            self.rapport.montant_total += lu.montant
            services.reglement_enregistrer(
                famille=Famille(pk=lu.famille_id),
                regie=lu.regie,
                montant=lu.montant,
                mode=lu.mode,
                date=lu.date,
                numero=lu.numero,
                factures=[lu.facture] if lu.facture is not None else None,
                numeroter_recu=False,
            )


def reglements_importer(*, chemin: Path, progression: Progression = None) -> Rapport:
    """Importe un export de règlements dans la transaction courante ; lève ImportInvalide (ou
    ImportEnCours si un autre import tourne)."""
    return ImportReglements.importer(chemin=chemin, progression=progression)
