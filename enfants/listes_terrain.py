"""Les listes du jour (ou de la semaine) pour les animateurs : les enfants attendus à chaque
activité, avec ce qu'il faut savoir sur place (santé, lunettes, personnes autorisées, photos).

Qui est attendu vient de la règle du planning et de l'export des consommations
(enfants.consommations) : contrat régulier et réservations acceptées, moins les absences
déclarées, les jours fériés, les fermetures et les jours où l'activité n'a pas lieu.

Les données de santé (détail du PAI, allergies, régime médical) ne sont écrites que pour un agent
qui a la permission « voir les données sanitaires » ; les autres lisent « PAI : oui » sans détail.
Nombre de requêtes fixe, quel que soit le nombre d'enfants ou de jours (tests).
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone

from commun import pdf
from enfants import calendrier
from enfants.consommations import (
    ATTENDUS,
    PRESENT_SANS_RESERVATION,
    REGULIER,
    fermetures_des_structures,
    jours_des_inscriptions,
)
from enfants.models import Activite, DonneesSanitaires, Inscription
from familles.selectors import droit_image_des_familles

PERMISSION = "enfants.view_inscription"
PERMISSION_SANTE = "enfants.voir_donnees_sanitaires"
FEUILLE_DE_STYLE = Path(__file__).with_name("listes_terrain_pdf.css")

VENUE = {REGULIER: "Régulier", PRESENT_SANS_RESERVATION: "Présent sans réservation"}
VENUE_RESERVEE = "Réservé"
NBSP = "\u00a0"


@dataclass
class Personne:
    nom: str
    lien: str
    telephone: str


@dataclass
class EnfantAttendu:
    nom: str
    prenom: str
    numero_famille: str
    venue: str
    regulier: bool
    pai: bool
    allergies: bool
    regime_medical: bool
    sante: list[str]  # les détails : vide sans la permission
    lunettes: bool
    lunettes_precisions: str
    photo: bool | None  # None : la famille n'a pas répondu
    rentrer_seul: bool
    personnes: list[Personne] = field(default_factory=list)
    parents: list[Personne] = field(default_factory=list)

    @property
    def alerte_sante(self) -> bool:
        return self.pai or self.allergies or self.regime_medical

    @property
    def photo_texte(self) -> str:
        if self.photo is None:
            return "Non renseigné"
        return "Oui" if self.photo else "Non"

    @property
    def sante_texte(self) -> str:
        """Ce que la colonne « Santé » écrit : le détail (agent autorisé), sinon les indicateurs
        (« PAI : oui »), sinon rien."""
        if self.sante:
            return " ; ".join(self.sante)
        indicateurs = []
        if self.pai:
            indicateurs.append("PAI : oui")
        if self.allergies:
            indicateurs.append("Allergies : oui")
        if self.regime_medical and not self.pai:  # le PAI couvre le régime médical
            indicateurs.append("Régime médical : oui")
        return " ; ".join(indicateurs)

    @property
    def lunettes_texte(self) -> str:
        if not self.lunettes:
            return ""
        return f"Oui ({self.lunettes_precisions})" if self.lunettes_precisions else "Oui"

    @property
    def contacts_texte(self) -> str:
        """Les responsables puis les personnes autorisées, une ligne chacun, pour le PDF : un seul
        texte par cellule (WeasyPrint met en page chaque boîte : docs/performance.md, issue 22).
        Les espaces des numéros sont insécables : un numéro ne se coupe pas en fin de ligne."""
        lignes = [
            f"{p.nom} ({p.lien})" + (f" {p.telephone.replace(' ', NBSP)}" if p.telephone else "")
            for p in [*self.parents, *self.personnes]
        ]
        if self.rentrer_seul:
            lignes.append("Peut rentrer seul")
        return "\n".join(lignes)


@dataclass
class ListeActivite:
    activite: Activite
    jour: datetime.date
    enfants: list[EnfantAttendu]

    @property
    def jour_libelle(self) -> str:
        return calendrier.date_longue(self.jour)

    @property
    def titre(self) -> str:
        return f"{self.activite.structure.nom} — {self.activite.nom} — {self.jour_libelle}"


def periode(*, jour: datetime.date, semaine: bool) -> tuple[datetime.date, datetime.date]:
    """Le jour seul, ou sa semaine du lundi au dimanche."""
    if not semaine:
        return jour, jour
    lundi = jour - datetime.timedelta(days=jour.weekday())
    return lundi, lundi + datetime.timedelta(days=6)


def _telephone(responsable) -> str:
    return (
        responsable.telephone_mobile or responsable.telephone_domicile or responsable.telephone_professionnel
    )


def _sante(donnees: DonneesSanitaires | None) -> tuple[bool, bool, bool, list[str]]:
    if donnees is None:
        return False, False, False, []
    regime_medical = donnees.regime_alimentaire == DonneesSanitaires.Regime.MEDICAL
    details = []
    if donnees.pai:
        details.append(f"PAI : {donnees.pai_protocole}" if donnees.pai_protocole else "PAI : oui")
    if donnees.allergies.strip():
        details.append(f"Allergies : {donnees.allergies.strip()}")
    if donnees.regime_alimentaire != DonneesSanitaires.Regime.STANDARD:
        details.append(f"Régime : {donnees.get_regime_alimentaire_display()}")
    if donnees.remarques.strip():
        details.append(f"Remarques : {donnees.remarques.strip()}")
    return donnees.pai, bool(donnees.allergies.strip()), regime_medical, details


def listes_calculer(
    *, activites: list[Activite], du: datetime.date, au: datetime.date, sante: bool, vides: bool = True
) -> list[ListeActivite]:
    """Une liste par activité et par jour de la période, enfants triés par nom.

    `sante` : l'agent peut lire les données sanitaires (sinon seulement les indicateurs).
    `vides` : garder les listes sans enfant (un jour seul : l'animateur voit « aucun enfant »).
    """
    inscriptions = list(
        Inscription.objects.filter(activite__in=activites, date_debut__lte=au, date_fin__gte=du)
        .select_related(
            "activite__structure", "enfant__famille", "enfant__donnees_sanitaires", "enfant__autorisations"
        )
        .prefetch_related("enfant__personnes_autorisees", "enfant__famille__responsables")
        .order_by("enfant__nom", "enfant__prenom", "enfant_id", "pk")
    )
    fermetures = fermetures_des_structures({a.structure_id for a in activites}, du=du, au=au)
    photos = droit_image_des_familles(familles=sorted({i.enfant.famille_id for i in inscriptions}))
    par_groupe: dict[tuple[int, datetime.date], list[EnfantAttendu]] = {}
    for inscription, jour, statut in jours_des_inscriptions(
        inscriptions,
        du=du,
        au=au,
        feries=calendrier.feries(du, au),
        vacances=calendrier.vacances(du, au),
        fermetures=fermetures,
    ):
        if statut not in ATTENDUS:
            continue
        enfant = inscription.enfant
        donnees = getattr(enfant, "donnees_sanitaires", None)
        autorisations = getattr(enfant, "autorisations", None)
        pai, allergies, regime_medical, details = _sante(donnees)
        photo = photos.get(enfant.famille_id)
        if photo is None and autorisations is not None:
            photo = autorisations.photo
        par_groupe.setdefault((inscription.activite_id, jour), []).append(
            EnfantAttendu(
                nom=enfant.nom,
                prenom=enfant.prenom,
                numero_famille=enfant.famille.numero,
                venue=VENUE.get(statut, VENUE_RESERVEE),
                regulier=statut == REGULIER,
                pai=pai,
                allergies=allergies,
                regime_medical=regime_medical,
                sante=details if sante else [],
                lunettes=enfant.port_lunettes,
                lunettes_precisions=enfant.lunettes_precisions,
                photo=photo,
                rentrer_seul=bool(autorisations and autorisations.rentrer_seul),
                personnes=[
                    Personne(f"{p.prenom} {p.nom}", p.lien, p.telephone)
                    for p in enfant.personnes_autorisees.all()
                ],
                parents=[
                    Personne(
                        f"{r.prenom} {r.nom}", r.get_qualite_display() or r.get_role_display(), _telephone(r)
                    )
                    for r in enfant.famille.responsables.all()
                ],
            )
        )
    listes = []
    jours = [du + datetime.timedelta(days=n) for n in range((au - du).days + 1)]
    for activite in activites:
        for jour in jours:
            enfants = par_groupe.get((activite.pk, jour), [])
            if enfants or (vides and du == au):
                listes.append(ListeActivite(activite=activite, jour=jour, enfants=enfants))
    return listes


def listes_pdf(*, listes: list[ListeActivite], sante: bool) -> bytes:
    """Le PDF A4 des listes : une page par activité et par jour."""
    html = render_to_string(
        "enfants/listes_terrain_pdf.html",
        {"listes": listes, "sante": sante, "imprime_le": timezone.localtime()},
    )
    return pdf.html_en_pdf(html, feuille_de_style=FEUILLE_DE_STYLE)
