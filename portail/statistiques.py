"""Statistiques du portail pour le CCAS : une page de l'administration (graphiques SVG rendus
par le serveur, sans JavaScript) et son téléchargement CSV.

Cinq requêtes pour toute l'année scolaire, quel que soit le volume : connexions par semaine,
familles connectées, demandes (type, dates), règlements par origine, réservations par auteur.
"""

import csv
import datetime
import io
import math
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from commun.formats import euros
from demandes import registre
from demandes.models import Demande
from enfants.models import Reservation
from facturation.models import Reglement
from facturation.selectors import annee_scolaire_de, bornes_annee_scolaire
from familles.models import Famille
from portail.models import ConnexionsSemaine

PERMISSION = "portail.voir_statistiques"
STATUTS_DECIDES = (Demande.Statut.ACCEPTEE, Demande.Statut.REFUSEE, Demande.Statut.LISTE_ATTENTE)

# Dimensions des graphiques (unités du viewBox : le SVG s'adapte à la largeur de l'écran).
LARGEUR, HAUTEUR, MARGE_BAS = 640, 200, 24


@receiver(user_logged_in)
def _connexion_compter(sender, request, user, **kwargs):
    """Une connexion d'une famille au portail compte dans sa semaine (les agents ne comptent pas)."""
    if getattr(user, "famille_id", None):
        aujourdhui = timezone.localdate()
        ConnexionsSemaine.compter(semaine=aujourdhui - datetime.timedelta(days=aujourdhui.weekday()))


def duree_texte(duree: datetime.timedelta | None) -> str:
    """« 45 min », « 5 h », « 3,5 j » : l'ordre de grandeur d'un délai de décision."""
    if duree is None:
        return "—"
    secondes = duree.total_seconds()
    if secondes < 3600:
        return f"{max(round(secondes / 60), 1)} min"
    if secondes < 48 * 3600:
        return f"{round(secondes / 3600)} h"
    jours = round(secondes / 86400, 1)
    return f"{jours:.1f}".replace(".", ",").removesuffix(",0") + " j"


def pourcentage(partie, total) -> str:
    if not total:
        return "—"
    valeur = round(Decimal(partie) * 100 / Decimal(total), 1)
    return f"{valeur:.1f}".replace(".", ",").removesuffix(",0") + "\u00a0%"


def centile(valeurs: list[float], rang: float) -> float:
    """Centile au rang le plus proche (p90 de 10 délais : le 9e)."""
    ordonnees = sorted(valeurs)
    return ordonnees[max(math.ceil(rang * len(ordonnees)) - 1, 0)]


@dataclass
class LigneDemandes:
    type: str
    libelle: str
    nombre: int = 0
    decidees: int = 0
    delais: list[float] = field(default_factory=list)  # secondes

    @property
    def mediane(self) -> datetime.timedelta | None:
        return datetime.timedelta(seconds=statistics.median(self.delais)) if self.delais else None

    @property
    def p90(self) -> datetime.timedelta | None:
        return datetime.timedelta(seconds=centile(self.delais, 0.9)) if self.delais else None

    @property
    def mediane_texte(self) -> str:
        return duree_texte(self.mediane)

    @property
    def p90_texte(self) -> str:
        return duree_texte(self.p90)


@dataclass
class Barre:
    x: int
    y: int
    largeur: int
    hauteur: int
    valeur: int
    libelle: str
    etiquette: str = ""  # sous la barre (une semaine sur quatre)


@dataclass
class Statistiques:
    annee: int
    debut: datetime.date
    fin: datetime.date
    semaines: list[tuple[datetime.date, int]]
    familles: int
    familles_connectees: int
    demandes: list[LigneDemandes]
    encaisse: Decimal
    encaisse_en_ligne: Decimal
    reservations_en_ligne: int
    reservations_agents: int
    reservations_autres: int

    @property
    def libelle_annee(self) -> str:
        return f"{self.annee}-{self.annee + 1}"

    @property
    def part_connectees(self) -> str:
        return pourcentage(self.familles_connectees, self.familles)

    @property
    def part_en_ligne(self) -> str:
        return pourcentage(self.encaisse_en_ligne, self.encaisse)

    @property
    def encaisse_texte(self) -> str:
        return euros(self.encaisse)

    @property
    def encaisse_en_ligne_texte(self) -> str:
        return euros(self.encaisse_en_ligne)

    @property
    def reservations(self) -> int:
        return self.reservations_en_ligne + self.reservations_agents + self.reservations_autres

    @property
    def connexions(self) -> int:
        return sum(n for _s, n in self.semaines)

    def barres_connexions(self) -> list[Barre]:
        """Une barre par semaine, hauteur proportionnelle au maximum (entiers : le SVG n'a pas de
        virgule décimale à la française)."""
        if not self.semaines:
            return []
        maximum = max(n for _s, n in self.semaines) or 1
        pas = LARGEUR // len(self.semaines)
        barres = []
        for rang, (semaine, nombre) in enumerate(self.semaines):
            hauteur = round((HAUTEUR - MARGE_BAS - 8) * nombre / maximum)
            barres.append(
                Barre(
                    x=rang * pas + 1,
                    y=HAUTEUR - MARGE_BAS - hauteur,
                    largeur=max(pas - 2, 1),
                    hauteur=hauteur,
                    valeur=nombre,
                    libelle=f"Semaine du {semaine:%d/%m/%Y} : {nombre} connexion{'s' if nombre > 1 else ''}",
                    etiquette=f"{semaine:%d/%m}" if rang % 4 == 0 else "",
                )
            )
        return barres

    def barres_parts(self) -> list[dict]:
        """Les trois parts (familles connectées, encaissé en ligne, réservations en ligne), en
        barres horizontales sur 100 %."""
        parts: list[tuple[str, Decimal | int, Decimal | int]] = [
            ("Familles connectées dans l'année", self.familles_connectees, self.familles),
            ("Montants encaissés en ligne", self.encaisse_en_ligne, self.encaisse),
            ("Réservations faites en ligne", self.reservations_en_ligne, self.reservations),
        ]
        return [
            {
                "libelle": libelle,
                "texte": pourcentage(partie, total),
                "centieme": round(100 * partie / total) if total else 0,
            }
            for libelle, partie, total in parts
        ]


def annees_proposees(aujourdhui: datetime.date) -> list[int]:
    courante = annee_scolaire_de(aujourdhui)
    return [courante - rang for rang in range(4)]


def statistiques_calculer(*, annee: int) -> Statistiques:
    """Les chiffres d'une année scolaire (1er septembre – 31 août) ; cinq requêtes."""
    debut, fin = bornes_annee_scolaire(annee)
    aujourdhui = timezone.localdate()
    lundi = debut - datetime.timedelta(days=debut.weekday())
    dernier = min(fin, aujourdhui)
    comptes = dict(
        ConnexionsSemaine.objects.filter(semaine__gte=lundi, semaine__lte=fin).values_list(
            "semaine", "connexions"
        )
    )
    semaines = []
    semaine = lundi
    while semaine <= dernier:
        semaines.append((semaine, comptes.get(semaine, 0)))
        semaine += datetime.timedelta(days=7)

    debut_moment = timezone.make_aware(datetime.datetime.combine(debut, datetime.time.min))
    fin_moment = timezone.make_aware(
        datetime.datetime.combine(fin + datetime.timedelta(days=1), datetime.time.min)
    )
    familles = Famille.objects.aggregate(
        total=Count("pk"),
        connectees=Count(
            "pk",
            filter=Q(utilisateurs__last_login__gte=debut_moment, utilisateurs__last_login__lt=fin_moment),
            distinct=True,
        ),
    )

    lignes: dict[str, LigneDemandes] = {}
    for type_, statut, cree_le, decide_le in Demande.objects.filter(
        cree_le__gte=debut_moment, cree_le__lt=fin_moment
    ).values_list("type", "statut", "cree_le", "decide_le"):
        ligne = lignes.get(type_)
        if ligne is None:
            ligne = lignes[type_] = LigneDemandes(type=type_, libelle=registre.libelle(type_))
        ligne.nombre += 1
        if statut in STATUTS_DECIDES and decide_le is not None:
            ligne.decidees += 1
            ligne.delais.append(max((decide_le - cree_le).total_seconds(), 0))

    reglements = Reglement.objects.filter(date__range=(debut, fin)).aggregate(
        total=Sum("montant"), en_ligne=Sum("montant", filter=Q(origine=Reglement.Origine.EN_LIGNE))
    )
    reservations = Reservation.objects.filter(
        demandee_le__gte=debut_moment, demandee_le__lt=fin_moment
    ).aggregate(
        en_ligne=Count("pk", filter=Q(demandee_par__famille__isnull=False)),
        agents=Count("pk", filter=Q(demandee_par__famille__isnull=True, demandee_par__is_staff=True)),
        total=Count("pk"),
    )
    return Statistiques(
        annee=annee,
        debut=debut,
        fin=fin,
        semaines=semaines,
        familles=familles["total"],
        familles_connectees=familles["connectees"],
        demandes=sorted(lignes.values(), key=lambda ligne: (-ligne.nombre, ligne.libelle)),
        encaisse=reglements["total"] or Decimal("0.00"),
        encaisse_en_ligne=reglements["en_ligne"] or Decimal("0.00"),
        reservations_en_ligne=reservations["en_ligne"],
        reservations_agents=reservations["agents"],
        reservations_autres=reservations["total"] - reservations["en_ligne"] - reservations["agents"],
    )


def _annee_demandee(request) -> int:
    proposees = annees_proposees(timezone.localdate())
    valeur = request.GET.get("annee", "")
    return int(valeur) if valeur.isdigit() and int(valeur) in proposees else proposees[0]


def _verifier(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def page(request):
    """La page des statistiques (permission « voir les statistiques du portail »)."""
    from django.contrib import admin

    _verifier(request)
    stats = statistiques_calculer(annee=_annee_demandee(request))
    contexte = {
        **admin.site.each_context(request),
        "title": f"Statistiques du portail — année scolaire {stats.libelle_annee}",
        "stats": stats,
        "annees": [(a, f"{a}-{a + 1}") for a in annees_proposees(timezone.localdate())],
        "barres_connexions": stats.barres_connexions(),
        "barres_parts": stats.barres_parts(),
        "largeur": LARGEUR,
        "hauteur": HAUTEUR,
        "axe_y": HAUTEUR - MARGE_BAS,
        "maximum_connexions": max((n for _s, n in stats.semaines), default=0),
        # La part des familles connectées vient de `last_login` (la dernière connexion seulement) :
        # pour une année passée, une famille revenue depuis n'y compte plus.
        "annee_courante": stats.annee == annees_proposees(timezone.localdate())[0],
    }
    return TemplateResponse(request, "admin/portail/statistiques.html", contexte)


def csv_lignes(stats: Statistiques) -> list[list[str]]:
    lignes = [["rubrique", "libellé", "valeur"]]
    for semaine, nombre in stats.semaines:
        lignes.append(["connexions par semaine", f"{semaine:%d/%m/%Y}", str(nombre)])
    lignes += [
        ["familles", "familles", str(stats.familles)],
        ["familles", "connectées dans l'année scolaire", str(stats.familles_connectees)],
        ["familles", "part des familles connectées", stats.part_connectees],
    ]
    for ligne in stats.demandes:
        lignes += [
            ["demandes", f"{ligne.libelle} — nombre", str(ligne.nombre)],
            ["demandes", f"{ligne.libelle} — décidées", str(ligne.decidees)],
            ["demandes", f"{ligne.libelle} — délai médian", ligne.mediane_texte],
            ["demandes", f"{ligne.libelle} — délai p90", ligne.p90_texte],
        ]
    lignes += [
        ["règlements", "montant encaissé", stats.encaisse_texte],
        ["règlements", "dont paiements en ligne", stats.encaisse_en_ligne_texte],
        ["règlements", "part des paiements en ligne", stats.part_en_ligne],
        ["réservations", "faites en ligne par les familles", str(stats.reservations_en_ligne)],
        ["réservations", "faites par les agents", str(stats.reservations_agents)],
        ["réservations", "autres (import, démonstration)", str(stats.reservations_autres)],
    ]
    return lignes


def csv_telecharger(request):
    """Les mêmes chiffres en CSV (point-virgule, UTF-8 avec BOM : s'ouvre tel quel dans un tableur)."""
    _verifier(request)
    stats = statistiques_calculer(annee=_annee_demandee(request))
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerows(csv_lignes(stats))
    reponse = HttpResponse(("\ufeff" + tampon.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="statistiques-portail-{stats.libelle_annee}.csv"'
    return reponse
