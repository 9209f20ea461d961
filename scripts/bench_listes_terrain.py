#!/usr/bin/env python
"""Le PDF des listes du jour (issue 22) : 60 enfants attendus à une activité, chacun avec ses
données de santé, ses personnes autorisées et ses responsables ; objectif < 1 s.

    .venv/bin/python scripts/bench_listes_terrain.py [--enfants 60] [--repetitions 5] [--activites 1]
    .venv/bin/python scripts/bench_listes_terrain.py --comparer 2824305

`--comparer COMMIT` : avant/après dans la même exécution, rendus entrelacés (la charge de la
machine partagée touche les deux pareil) : le gabarit et la feuille de style du PDF lus dans
COMMIT (git show) contre ceux de l'arbre de travail, chacun avec le ramasse-miettes actif ou
suspendu pendant le rendu ; temps CPU du calcul et du PDF, meilleur et médiane.

Base SQLite temporaire (migrations, puis les enfants créés ici). Mesure séparément le calcul des
listes (requêtes, `listes_terrain.listes_calculer`) et le rendu (gabarit + WeasyPrint,
`listes_terrain.listes_pdf`) ; le premier rendu, qui charge les polices et la feuille de style,
est mesuré à part (il n'a lieu qu'une fois par processus).
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")
os.environ.setdefault("DEBUG", "1")

MERCREDI = datetime.date(2015, 4, 8)


def _peupler(enfants: int, activites: int):
    from enfants.models import Activite, DonneesSanitaires, Enfant, Inscription, PersonneAutorisee, Structure
    from familles.models import Famille, Responsable

    structure = Structure.objects.create(nom="Accueil de Loisirs", type="alsh")
    liste = [
        Activite.objects.create(structure=structure, nom=f"ALSH Mercredi {n + 1}") for n in range(activites)
    ]
    for rang in range(enfants):
        famille = Famille.objects.create(numero=f"{3000000000000 + rang:013d}")
        Responsable.objects.create(
            famille=famille, nom="DURAND", prenom="Claire", telephone_mobile="06 12 34 56 78"
        )
        enfant = Enfant.objects.create(
            famille=famille,
            nom=f"ENFANT{rang:03d}",
            prenom="Camille",
            date_naissance=datetime.date(2010, 1, 1),
            port_lunettes=rang % 5 == 0,
        )
        DonneesSanitaires.objects.create(
            enfant=enfant,
            pai=rang % 7 == 0,
            pai_protocole="Trousse d'urgence",
            allergies="Arachide" * (rang % 3),
        )
        for n in range(2):
            PersonneAutorisee.objects.create(
                enfant=enfant,
                nom=f"PERSONNE{n}",
                prenom="Alex",
                lien="Grand-parent",
                telephone="02 37 00 00 00",
            )
        Inscription.objects.create(
            enfant=enfant,
            activite=liste[rang % activites],
            date_debut=datetime.date(2014, 9, 1),
            date_fin=datetime.date(2015, 8, 31),
            jours_reguliers="2",
        )
    return liste


def _comparer(commit: str, activites, repetitions: int):
    from django.template.backends.django import DjangoTemplates
    from django.template.loader import render_to_string
    from django.utils import timezone
    from weasyprint import HTML

    from commun import pdf
    from enfants import listes_terrain

    dossier = Path(tempfile.mkdtemp())
    (dossier / "enfants").mkdir()
    for chemin in (
        "templates/enfants/listes_terrain_pdf.html",
        "templates/enfants/_liste_terrain_sante.html",
        "enfants/listes_terrain_pdf.css",
    ):
        contenu = subprocess.run(  # noqa: S603 (git, arguments fixes et le commit demandé)
            ["git", "-C", str(RACINE), "show", f"{commit}:{chemin}"],  # noqa: S607
            check=True,
            capture_output=True,
        ).stdout
        (dossier / "enfants" / Path(chemin).name).write_bytes(contenu)
    ancien = DjangoTemplates({"NAME": "avant", "DIRS": [str(dossier)], "APP_DIRS": False, "OPTIONS": {}})
    feuilles = {
        "avant": dossier / "enfants" / "listes_terrain_pdf.css",
        "après": listes_terrain.FEUILLE_DE_STYLE,
    }

    def rendre(version: str, sante: bool, suspendu: bool) -> bytes:
        listes = listes_terrain.listes_calculer(activites=activites, du=MERCREDI, au=MERCREDI, sante=sante)
        contexte = {"listes": listes, "sante": sante, "imprime_le": timezone.localtime()}
        if version == "avant":
            html = ancien.get_template("enfants/listes_terrain_pdf.html").render(contexte)
        else:
            html = render_to_string("enfants/listes_terrain_pdf.html", contexte)
        if suspendu:
            return pdf.html_en_pdf(html, feuille_de_style=feuilles[version])
        css, polices = pdf.feuille(feuilles[version])
        document = HTML(string=html, base_url=None, url_fetcher=pdf.RefusURLFetcher())
        return document.write_pdf(stylesheets=[css], font_config=polices)

    variantes = [(v, s, g) for v in ("avant", "après") for s in (True, False) for g in (False, True)]
    for version in ("avant", "après"):
        rendre(version, True, True)  # polices et feuilles chargées
    mesures: dict[tuple, list[float]] = {variante: [] for variante in variantes}
    for _ in range(repetitions):
        for variante in variantes:
            debut = time.process_time()
            rendre(*variante)
            mesures[variante].append(time.process_time() - debut)
    print(f"Avant ({commit}) / après (arbre de travail), {repetitions} tours entrelacés, temps CPU :")
    for (version, sante, suspendu), durees in mesures.items():
        print(
            f"  {version:<5} {'avec santé' if sante else 'sans santé'}, ramasse-miettes "
            f"{'suspendu' if suspendu else 'actif   '} : meilleur {min(durees) * 1000:.0f} ms, "
            f"médiane {statistics.median(durees) * 1000:.0f} ms"
        )
    print(f"  charge de la machine (load average 1 min) : {os.getloadavg()[0]:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enfants", type=int, default=60)
    parser.add_argument("--activites", type=int, default=1)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--comparer", metavar="COMMIT", help="avant/après contre le PDF de ce commit")
    options = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

    import django

    django.setup()
    from django.core.management import call_command

    from enfants import listes_terrain

    call_command("migrate", verbosity=0)
    activites = _peupler(options.enfants, options.activites)
    if options.comparer:
        _comparer(options.comparer, activites, options.repetitions)
        return

    def une_fois(sante: bool):
        debut, cpu = time.perf_counter(), time.process_time()
        listes = listes_terrain.listes_calculer(activites=activites, du=MERCREDI, au=MERCREDI, sante=sante)
        calcul = time.perf_counter() - debut
        contenu = listes_terrain.listes_pdf(listes=listes, sante=sante)
        total = time.perf_counter() - debut
        assert sum(len(liste.enfants) for liste in listes) == options.enfants
        return calcul, total, len(contenu), time.process_time() - cpu

    _calcul, premier, _octets, _cpu = une_fois(True)
    mesures = {True: [], False: []}
    for _ in range(options.repetitions):
        for sante in (True, False):
            mesures[sante].append(une_fois(sante))
    print(
        f"{options.enfants} enfants, {options.activites} activité(s) (chacune commence une page), "
        f"{options.repetitions} répétitions, base SQLite :"
    )
    print(f"  premier rendu du processus (polices, feuille de style) : {premier * 1000:.0f} ms")
    for sante, libelle in ((True, "avec les données de santé"), (False, "sans (« PAI : oui »)")):
        calculs = [m[0] for m in mesures[sante]]
        totaux = [m[1] for m in mesures[sante]]
        print(
            f"  {libelle:<27} : calcul {statistics.median(calculs) * 1000:.0f} ms, "
            f"total (calcul + PDF) médiane {statistics.median(totaux) * 1000:.0f} ms, "
            f"max {max(totaux) * 1000:.0f} ms, temps CPU médian "
            f"{statistics.median(m[3] for m in mesures[sante]) * 1000:.0f} ms, "
            f"{mesures[sante][0][2] // 1024} Kio"
        )
    print(f"  charge de la machine (load average 1 min) : {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
