"""Le rendu d'une ligne de l'agenda (`enfants/templatetags/agenda.py`) est figé par un HTML de
référence (tests/donnees/agenda_ligne.html) : cases de la grille, en-tête des jours et vue
téléphone d'une activité au nom piégé (balises, guillemets, esperluette) avec un motif de refus
piégé lui aussi. Tout texte variable doit y arriver échappé.

Régénérer la référence (après un changement voulu du rendu, relu à la main) :
    PLANNING_REFERENCE=ecrire .venv/bin/pytest tests/test_enfants_planning_rendu.py
"""

import datetime
import os
from pathlib import Path

from django.utils import timezone

from enfants.models import Activite, Enfant, Inscription, Structure
from enfants.planning import agenda_construire
from enfants.selectors import Evenement, PlanningDuMois
from enfants.templatetags.agenda import activite_mobile, cases_agenda, jours_agenda

REFERENCE = Path(__file__).parent / "donnees" / "agenda_ligne.html"


def _planning() -> PlanningDuMois:
    d = datetime.date
    structure = Structure(pk=7, nom="ALSH <Les Pins> & « Cie »")
    activite = Activite(
        pk=11,
        structure=structure,
        nom='Garderie "matin" <b>',
        jours_ouverture="0134",
        periode=Activite.Periode.TOUTES,
        delai_reservation=2,
        delai_absence=2,
        heure_limite=datetime.time(12, 0),
        horizon_reservation=90,
    )
    enfant = Enfant(pk=5, famille_id=3, nom="DUPONT", prenom="Léa", date_naissance=d(2018, 1, 1))
    inscription = Inscription(
        pk=13,
        enfant=enfant,
        activite=activite,
        date_debut=d(2015, 4, 2),
        date_fin=d(2015, 7, 3),
        jours_reguliers="0",
    )
    return PlanningDuMois(
        enfant=enfant,
        flux_jeton=None,
        inscriptions=[inscription],
        inscriptions_en_cours=[inscription],
        reservations=[
            Evenement(13, d(2015, 4, 2), "acceptee", pk=1),
            Evenement(13, d(2015, 4, 9), "refusee", 'Complet <script>alert("x")</script>', pk=2),
            Evenement(13, d(2015, 4, 16), "en_cours", pk=3),
        ],
        absences=[
            Evenement(13, d(2015, 4, 20), "excusee", pk=4),
            Evenement(13, d(2015, 4, 27), "en_cours", pk=5),
        ],
        presences=[Evenement(13, d(2015, 4, 2), present=True)],
        fermetures={7: {d(2015, 4, 10)}},
        feries={d(2015, 4, 6): "Lundi de Pâques"},
        vacances={d(2015, 4, 25) + datetime.timedelta(n): ("P", "Vacances de printemps") for n in range(6)},
    )


def _rendu() -> str:
    maintenant = timezone.make_aware(datetime.datetime(2015, 4, 7, 10))
    agenda = agenda_construire(annee=2015, mois=4, donnees=_planning(), maintenant=maintenant)
    (ligne,) = agenda.lignes
    return "\n".join(
        [
            str(jours_agenda(agenda)),
            str(cases_agenda(ligne)),
            str(activite_mobile({"csrf_token": "jeton<&>"}, ligne, agenda, 13)),
        ]
    ).replace("><", ">\n<")


def test_une_ligne_de_l_agenda_rendue_comme_la_reference():
    rendu = _rendu()
    if os.environ.get("PLANNING_REFERENCE") == "ecrire":
        REFERENCE.write_text(rendu + "\n", encoding="utf-8")
    assert rendu + "\n" == REFERENCE.read_text(encoding="utf-8")


def test_les_textes_pieges_arrivent_echappes():
    rendu = _rendu()
    assert "<script>" not in rendu and "<b>" not in rendu and "<Les Pins>" not in rendu
    assert "&lt;script&gt;" in rendu and "Garderie &quot;matin&quot; &lt;b&gt;" in rendu
    assert 'value="jeton&lt;&amp;&gt;"' in rendu
