"""Les lectures des pages les plus fréquentées sont écrites en SQL direct (`<app>/requetes.py`,
docs/performance.md) : elles doivent rendre exactement ce que rendent les requêtes de l'ORM, sur
SQLite comme sur PostgreSQL, et ne jamais lire les données d'une autre famille.

Des cas écrits à la main (centimes, paiements expirés, fermetures en bordure de mois, fils
supprimés), puis des propriétés : Hypothesis fabrique des comptes (factures, règlements,
affectations), des plannings (réservations, absences, pointages, fermetures) et des fils de
messages ; le SQL et l'ORM doivent dire la même chose."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enfants import selectors as enfants_selectors
from enfants.models import Absence, Presence, Reservation
from facturation import selectors, services
from facturation.models import Affectation, Facture, LignePaiement, PaiementEnLigne, Reglement
from tests.factories import (
    AbsenceFactory,
    ActiviteFactory,
    EnfantFactory,
    FactureFactory,
    FamilleFactory,
    FermetureFactory,
    InscriptionFactory,
    PresenceFactory,
    RegieFactory,
    ReglementFactory,
    ReservationFactory,
    ResponsableFactory,
)

pytestmark = pytest.mark.django_db


def _paiement(facture, *, statut, expire_dans):
    """Une tentative de paiement de la facture, avec sa ligne (comme `paiement_demarrer`)."""
    paiement = PaiementEnLigne.objects.create(
        facture=facture,
        famille=facture.famille,
        tentative=PaiementEnLigne.objects.count() + 1,
        montant=facture.montant,
        email="parent@example.org",
        prestataire="stripe",
        statut=statut,
        expire_le=timezone.now() + expire_dans,
    )
    LignePaiement.objects.create(paiement=paiement, facture=facture, montant=facture.montant)
    return paiement


@pytest.fixture
def comptes(parent, autre_parent):
    """Des factures de tous les cas : impayée, payée en partie, payée, payée en plusieurs
    règlements (centimes), avec paiement en ligne ouvert, expiré ou abouti ; un avoir non
    affecté ; les mêmes numéros chez une autre famille."""
    regie = RegieFactory(code="AL")
    famille, autre = parent.famille, autre_parent.famille
    jour = datetime.date(2026, 1, 5)

    def facture(numero, montant, echeance_dans):
        return FactureFactory(
            famille=famille,
            regie=regie,
            numero=numero,
            montant=Decimal(montant),
            date_facture=jour,
            date_echeance=jour + datetime.timedelta(days=echeance_dans),
        )

    impayee = facture("AL-1", "120.60", echeance_dans=30)
    partielle = facture("AL-2", "33.33", echeance_dans=10)
    payee = facture("AL-3", "0.30", echeance_dans=5)

    def regler(montant, facture_reglee):
        services.reglement_enregistrer(
            famille=famille,
            regie=regie,
            montant=Decimal(montant),
            mode="especes",
            date=jour,
            factures=[facture_reglee],
        )

    for montant in ("0.10", "0.10", "0.10"):  # 0,1 + 0,1 + 0,1 : un flottant n'y fait pas 0,3
        regler(montant, payee)
    regler("13.33", partielle)
    ReglementFactory(famille=famille, regie=regie, montant=Decimal("5.00"), date=jour)  # avoir
    _paiement(impayee, statut=PaiementEnLigne.Statut.OUVERTE, expire_dans=datetime.timedelta(hours=1))
    _paiement(partielle, statut=PaiementEnLigne.Statut.OUVERTE, expire_dans=datetime.timedelta(seconds=-1))
    ancienne = FactureFactory(
        famille=famille,
        regie=regie,
        numero="AL-4",
        montant=Decimal("9.99"),
        date_facture=datetime.date(2024, 3, 1),
        date_echeance=datetime.date(2024, 3, 31),
    )
    FactureFactory(
        famille=autre,
        regie=RegieFactory(code="CR"),
        numero="AL-1",
        montant=Decimal("999.00"),
        date_facture=jour,
        date_echeance=jour,
    )
    ReglementFactory(famille=autre, montant=Decimal("777.00"), date=jour)
    return {
        "famille": famille,
        "autre": autre,
        "impayee": impayee,
        "partielle": partielle,
        "payee": payee,
        "ancienne": ancienne,
    }


def _attendues_par_l_orm(famille):
    """La référence : la requête annotée de l'ORM (`factures`), filtrée et triée en Python."""
    factures = [f for f in selectors.factures(famille=famille) if f.reste_du > 0]
    return sorted(factures, key=lambda f: (f.date_echeance, f.pk))


def test_factures_impayees_identiques_a_l_orm(comptes):
    obtenues = selectors.factures_impayees(famille=comptes["famille"])
    attendues = _attendues_par_l_orm(comptes["famille"])
    assert [f.pk for f in obtenues] == [f.pk for f in attendues]
    assert [f.numero for f in obtenues] == ["AL-4", "AL-2", "AL-1"]
    for obtenue, attendue in zip(obtenues, attendues, strict=True):
        assert obtenue.reste_du == attendue.reste_du
        assert obtenue.deja_paye == attendue.deja_paye
        assert obtenue.paiement_en_cours is bool(attendue.paiement_en_cours)
        assert isinstance(obtenue.reste_du, Decimal) and isinstance(obtenue.date_echeance, datetime.date)
    par_numero = {f.numero: f for f in obtenues}
    assert par_numero["AL-2"].reste_du == Decimal("20.00")
    assert par_numero["AL-1"].paiement_en_cours is True  # ouvert, pas expiré
    assert par_numero["AL-2"].paiement_en_cours is False  # ouvert mais expiré
    assert "AL-3" not in par_numero  # 0,10 × 3 = 0,30 : payée, même sur SQLite


def test_factures_impayees_d_une_autre_famille_jamais_lues(comptes):
    assert [f.montant for f in selectors.factures_impayees(famille=comptes["autre"])] == [Decimal("999.00")]


def test_solde_identique_aux_sommes_de_l_orm(comptes):
    for famille in (comptes["famille"], comptes["autre"]):
        for avant in (None, datetime.date(2026, 1, 1), datetime.date(2026, 1, 6)):
            factures = Facture.objects.filter(famille=famille)
            reglements = Reglement.objects.filter(famille=famille)
            if avant:
                factures = factures.filter(date_facture__lt=avant)
                reglements = reglements.filter(date__lt=avant)
            attendu = (reglements.aggregate(t=Sum("montant"))["t"] or 0) - (
                factures.aggregate(t=Sum("montant"))["t"] or 0
            )
            assert selectors.solde(famille=famille, avant=avant) == attendu
    # 120,60 + 33,33 + 0,30 + 9,99 dus ; 0,30 + 13,33 + 5,00 réglés.
    assert selectors.solde(famille=comptes["famille"]) == Decimal("-145.59")
    assert selectors.solde(famille=comptes["famille"], avant=datetime.date(2025, 1, 1)) == Decimal("-9.99")


def test_solde_sans_operation_vaut_zero(parent):
    assert selectors.solde(famille=parent.famille) == Decimal("0.00")


def test_situation_de_l_accueil(comptes):
    situation = selectors.situation(famille=comptes["famille"])
    assert situation.total_impaye == Decimal("120.60") + Decimal("20.00") + Decimal("9.99")
    assert situation.solde == Decimal("-145.59") and situation.doit
    assert Affectation.objects.filter(facture=comptes["payee"]).count() == 3


# --- Planning ---------------------------------------------------------------------------------


@pytest.fixture
def planning(parent, autre_parent):
    enfant = EnfantFactory(famille=parent.famille)
    frere = EnfantFactory(famille=parent.famille)
    activite = ActiviteFactory(
        jours_ouverture="01234",
        delai_reservation=3,
        delai_absence=5,
        heure_limite=datetime.time(9, 30),
        horizon_reservation=45,
    )
    autre_activite = ActiviteFactory(jours_ouverture="2")
    mois = InscriptionFactory(
        enfant=enfant,
        activite=activite,
        date_debut=datetime.date(2026, 9, 1),
        date_fin=datetime.date(2027, 7, 3),
    )
    ancienne = InscriptionFactory(
        enfant=enfant,
        activite=autre_activite,
        date_debut=datetime.date(2025, 9, 1),
        date_fin=datetime.date(2026, 7, 3),
    )
    future = InscriptionFactory(
        enfant=enfant,
        activite=autre_activite,
        date_debut=datetime.date(2027, 9, 1),
        date_fin=datetime.date(2028, 7, 3),
    )
    du_frere = InscriptionFactory(enfant=frere, activite=activite)
    d = datetime.date
    ReservationFactory(inscription=mois, date=d(2026, 11, 2), etat="acceptee")
    ReservationFactory(inscription=mois, date=d(2026, 11, 3), etat="refusee", motif_refus="Complet")
    ReservationFactory(inscription=mois, date=d(2026, 12, 1), etat="acceptee")  # autre mois
    ReservationFactory(inscription=du_frere, date=d(2026, 11, 2), etat="acceptee")
    AbsenceFactory(inscription=mois, date=d(2026, 11, 4), etat="excusee")
    PresenceFactory(inscription=mois, date=d(2026, 11, 2), present=True)
    PresenceFactory(inscription=mois, date=d(2026, 11, 5), present=False)
    FermetureFactory(
        structure=activite.structure, date_debut=d(2026, 10, 30), date_fin=d(2026, 11, 1)
    )  # finit le premier jour du mois
    FermetureFactory(structure=activite.structure, date_debut=d(2026, 11, 3), date_fin=d(2026, 11, 3))
    FermetureFactory(structure=activite.structure, date_debut=d(2026, 11, 30), date_fin=d(2026, 12, 2))
    FermetureFactory(
        structure=ActiviteFactory().structure, date_debut=d(2026, 11, 10), date_fin=d(2026, 11, 10)
    )  # une autre structure
    autre_enfant = EnfantFactory(famille=autre_parent.famille)
    ReservationFactory(
        inscription=InscriptionFactory(enfant=autre_enfant, activite=activite), date=d(2026, 11, 2)
    )
    return {"enfant": enfant, "mois": mois, "ancienne": ancienne, "future": future, "activite": activite}


def _planning_du_28_novembre(parent, enfant_id, *, annee, mois):
    """Les données de la page planning du mois, lues par le parent le 28/11/2026."""
    return enfants_selectors.planning_page(
        famille=parent.famille,
        enfant_id=enfant_id,
        annee=annee,
        mois=mois,
        aujourdhui=datetime.date(2026, 11, 28),
    )


def test_planning_donnees_identiques_a_l_orm(parent, planning):
    donnees = _planning_du_28_novembre(parent, planning["enfant"].pk, annee=2026, mois=11)
    mois = planning["mois"]
    assert donnees.inscriptions == [mois]
    assert set(donnees.inscriptions_en_cours) == {mois, planning["future"]}
    dans_le_mois = {
        "inscription": mois,
        "date__gte": datetime.date(2026, 11, 1),
        "date__lte": datetime.date(2026, 11, 30),
    }
    assert sorted((r.inscription_id, r.date, r.etat, r.motif_refus) for r in donnees.reservations) == sorted(
        Reservation.objects.filter(**dans_le_mois).values_list(
            "inscription_id", "date", "etat", "motif_refus"
        )
    )
    assert sorted((a.pk, a.inscription_id, a.date, a.etat) for a in donnees.absences) == sorted(
        Absence.objects.filter(**dans_le_mois).values_list("pk", "inscription_id", "date", "etat")
    )
    # Les délais de l'activité (jours qu'il est encore temps de réserver, absences annulables).
    lue, attendue = donnees.inscriptions[0].activite, planning["activite"]
    for champ in ("delai_reservation", "delai_absence", "heure_limite", "horizon_reservation"):
        assert getattr(lue, champ) == getattr(attendue, champ), champ
    assert sorted((p.inscription_id, p.date, p.present) for p in donnees.presences) == sorted(
        Presence.objects.filter(**dans_le_mois).values_list("inscription_id", "date", "present")
    )
    assert all(isinstance(r.date, datetime.date) for r in donnees.reservations)
    assert donnees.fermetures == {
        planning["activite"].structure_id: {
            datetime.date(2026, 11, 1),
            datetime.date(2026, 11, 3),
            datetime.date(2026, 11, 30),
        }
    }


def test_planning_donnees_sans_inscription_du_mois(parent, planning):
    donnees = _planning_du_28_novembre(parent, planning["enfant"].pk, annee=2027, mois=8)
    assert donnees.inscriptions == []
    assert donnees.reservations == donnees.absences == donnees.presences == []
    assert donnees.fermetures == {}


def test_planning_donnees_d_une_autre_famille_jamais_lues(autre_parent, planning):
    assert (
        enfants_selectors.planning_page(
            famille=autre_parent.famille, enfant_id=planning["enfant"].pk, annee=2026, mois=11
        )
        is None
    )


# --- En-tête : messages non lus ---------------------------------------------------------------


def _non_lus_orm(famille, compte) -> int:
    """L'équivalent ORM de `requetes.MESSAGES_NON_LUS` : les messages reçus (fils non supprimés)
    que ce compte n'a pas lus, c'est-à-dire au-delà de sa lecture du fil, ou sans lecture."""
    from django.db.models import Exists, OuterRef

    from messagerie.models import LectureFil, Message

    lu = LectureFil.objects.filter(fil=OuterRef("fil"), compte=compte, dernier_lu__gte=OuterRef("pk"))
    return (
        Message.objects.filter(
            fil__famille=famille,
            fil__supprime_le__isnull=True,
            de_la_famille=False,
            pk__gt=compte.messages_anterieurs_jusqu_a,
        )
        .exclude(Exists(lu))
        .count()
    )


def test_messages_non_lus_identiques_a_l_orm(parent, autre_parent):
    from messagerie import selectors as messagerie_selectors
    from messagerie.models import LectureFil
    from tests.factories import MessageFactory, fil_avec_messages, second_parent

    famille, conjoint = parent.famille, second_parent(parent)
    fil_avec_messages(famille=famille, recus=3, envoyes=2)  # 3 non lus pour les deux
    lu = fil_avec_messages(famille=famille, recus=2, envoyes=0)
    # Lu par le parent seulement : ne compte plus pour lui, compte encore pour le conjoint.
    LectureFil.objects.create(fil=lu, compte=parent, dernier_lu=lu.messages.last())
    supprime = fil_avec_messages(famille=famille, recus=4, envoyes=0)
    supprime.supprime_le = timezone.now()
    supprime.save()  # un fil supprimé par la famille ne compte plus
    MessageFactory(fil=lu, de_la_famille=False)  # une nouvelle réponse dans un fil lu
    fil_avec_messages(famille=autre_parent.famille, recus=7, envoyes=0)
    # Un compte créé après les trois premiers messages reçus : ils ne comptent pas pour lui.
    from tests.factories import UtilisateurFactory

    tardif = UtilisateurFactory(famille=famille, username="compte.tardif")
    tardif.messages_anterieurs_jusqu_a = famille.fils.order_by("pk").first().messages.order_by("pk").last().pk
    tardif.save()
    for compte, attendu in ((parent, 4), (conjoint, 6), (tardif, 3)):
        nombre = messagerie_selectors.messages_non_lus_nombre(famille=famille, compte=compte)
        assert nombre == _non_lus_orm(famille, compte) == attendu
    assert (
        messagerie_selectors.messages_non_lus_nombre(famille=autre_parent.famille, compte=autre_parent) == 7
    )


def test_situation_sans_facture_impayee_garde_le_solde(parent, autre_parent):
    """Sans facture impayée, la requête rend une seule ligne sans facture : le solde y est."""
    regie = RegieFactory(code="AL")
    payee = FactureFactory(famille=parent.famille, regie=regie, montant=Decimal("12.00"))
    services.reglement_enregistrer(
        famille=parent.famille,
        regie=regie,
        montant=Decimal("27.00"),
        mode="especes",
        date=datetime.date(2026, 1, 5),
    )
    FactureFactory(famille=autre_parent.famille, regie=regie, montant=Decimal("50.00"))
    situation = selectors.situation(famille=parent.famille)
    assert situation.impayees == [] and situation.total_impaye == Decimal("0")
    assert situation.solde == Decimal("15.00") and situation.en_credit
    assert selectors.factures_impayees(famille=parent.famille) == []
    assert Affectation.objects.get(facture=payee).montant == Decimal("12.00")
    vide = selectors.situation(famille=FactureFactory().famille)  # une facture, rien de payé
    assert vide.solde == -vide.total_impaye


def test_planning_page_en_une_requete(parent, autre_parent, planning, django_assert_num_queries):
    from enfants.models import FluxCalendrier
    from enfants.planning import agenda_construire

    enfant = planning["enfant"]
    FluxCalendrier.objects.create(enfant=enfant, jeton="jeton-secret")
    with django_assert_num_queries(1):
        donnees = _planning_du_28_novembre(parent, enfant.pk, annee=2026, mois=11)
        agenda = agenda_construire(annee=2026, mois=11, donnees=donnees)
        # Tout ce que la page lit des objets rendus, sans requête de plus.
        lus = [
            (
                i.activite.structure.nom,
                i.activite.nom,
                i.jours_reguliers_libelle,
                i.date_debut,
                i.date_fin,
                i.enfant.prenom,
            )
            for i in donnees.inscriptions_en_cours
        ]
    assert donnees.enfant == enfant and donnees.enfant.prenom == enfant.prenom
    assert donnees.flux_jeton == "jeton-secret"
    assert [ligne.inscription for ligne in agenda.lignes] == [planning["mois"]]
    assert len(lus) == 2
    assert (
        enfants_selectors.planning_page(
            famille=autre_parent.famille, enfant_id=enfant.pk, annee=2026, mois=11
        )
        is None
    )


# --- Propriétés : le SQL et l'ORM disent la même chose -------------------------------------------
# Chaque exemple fabrique une nouvelle famille : les familles des exemples précédents restent en
# base et ne doivent jamais être lues (isolation).

PROPRIETES = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CENTIMES = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c).scaleb(-2))
JOURS = st.integers(min_value=0, max_value=400).map(
    lambda n: datetime.date(2025, 9, 1) + datetime.timedelta(n)
)
FACTURE = st.tuples(CENTIMES, JOURS, st.integers(0, 60))  # montant, date, délai d'échéance
# Un règlement : montant, date, et la facture visée (index, None : imputé aux plus anciennes,
# -1 : un avoir non affecté).
REGLEMENT = st.tuples(CENTIMES, JOURS, st.none() | st.integers(-1, 7))
PAIEMENT = st.tuples(st.integers(0, 7), st.sampled_from(["ouverte", "payee", "expiree"]), st.booleans())


def _compte_fabrique(factures, reglements, paiements):
    famille = FamilleFactory()
    regie = RegieFactory()
    creees = [
        FactureFactory(
            famille=famille,
            regie=regie,
            montant=montant,
            date_facture=jour,
            date_echeance=jour + datetime.timedelta(days=delai),
        )
        for montant, jour, delai in factures
    ]
    for montant, jour, cible in reglements:
        if cible == -1 or (cible is not None and not creees):
            ReglementFactory(famille=famille, regie=regie, montant=montant, date=jour)
            continue
        services.reglement_enregistrer(
            famille=famille,
            regie=regie,
            montant=montant,
            mode="especes",
            date=jour,
            factures=None if cible is None else [creees[cible % len(creees)]],
        )
    for index, statut, expiree in paiements:
        if creees:
            _paiement(
                creees[index % len(creees)],
                statut=statut,
                expire_dans=datetime.timedelta(hours=-1 if expiree else 1),
            )
    return famille


@PROPRIETES
@given(
    factures=st.lists(FACTURE, max_size=6),
    reglements=st.lists(REGLEMENT, max_size=6),
    paiements=st.lists(PAIEMENT, max_size=3),
    avant=st.none() | JOURS,
)
def test_propriete_situation_et_solde_comme_l_orm(db, factures, reglements, paiements, avant):
    famille = _compte_fabrique(factures, reglements, paiements)
    situation = selectors.situation(famille=famille)
    attendues = _attendues_par_l_orm(famille)
    assert [f.pk for f in situation.impayees] == [f.pk for f in attendues]
    for obtenue, attendue in zip(situation.impayees, attendues, strict=True):
        assert (obtenue.montant, obtenue.deja_paye, obtenue.reste_du) == (
            attendue.montant,
            attendue.deja_paye,
            attendue.reste_du,
        )
        assert obtenue.paiement_en_cours is bool(attendue.paiement_en_cours)
        assert obtenue.reste_du == services.facture_reste_du(facture=obtenue)
        assert obtenue.date_import == attendue.date_import  # horodatage (texte sur SQLite)
    credits = Reglement.objects.filter(famille=famille).aggregate(t=Sum("montant"))["t"] or 0
    debits = Facture.objects.filter(famille=famille).aggregate(t=Sum("montant"))["t"] or 0
    assert situation.solde == credits - debits == selectors.solde(famille=famille)
    assert situation.total_impaye == sum((f.reste_du for f in attendues), Decimal(0))
    if avant is not None:
        credits = Reglement.objects.filter(famille=famille, date__lt=avant).aggregate(t=Sum("montant"))["t"]
        debits = Facture.objects.filter(famille=famille, date_facture__lt=avant).aggregate(t=Sum("montant"))[
            "t"
        ]
        assert selectors.solde(famille=famille, avant=avant) == (credits or 0) - (debits or 0)


JOUR_DU_MOIS = st.integers(min_value=1, max_value=30).map(lambda j: datetime.date(2026, 11, j))
JOUR_PROCHE = st.integers(min_value=-40, max_value=40).map(
    lambda n: datetime.date(2026, 11, 15) + datetime.timedelta(n)
)
INSCRIPTION = st.tuples(
    st.integers(0, 2),  # activité
    st.integers(-500, 200),  # début, en jours autour du 1er novembre 2026
    st.integers(0, 400),  # durée
    st.sampled_from(["", "0", "24", "01234"]),  # jours réguliers
)
EVENEMENT = st.tuples(st.integers(0, 4), JOUR_PROCHE)  # inscription, jour


@PROPRIETES
@given(
    inscriptions=st.lists(INSCRIPTION, min_size=1, max_size=4),
    reservations=st.lists(st.tuples(EVENEMENT, st.sampled_from(list(Reservation.Etat))), max_size=10),
    absences=st.lists(st.tuples(EVENEMENT, st.sampled_from(list(Absence.Etat))), max_size=6),
    presences=st.lists(st.tuples(EVENEMENT, st.booleans()), max_size=8),
    fermetures=st.lists(st.tuples(st.integers(0, 2), JOUR_PROCHE, st.integers(0, 5)), max_size=4),
    aujourdhui=JOUR_PROCHE,
)
def test_propriete_planning_comme_l_orm(
    db, inscriptions, reservations, absences, presences, fermetures, aujourdhui
):
    enfant = EnfantFactory()
    activites = [ActiviteFactory(jours_ouverture=j) for j in ("01234", "2", "0134")]
    creees = []
    for activite, debut, duree, reguliers in inscriptions:
        date_debut = datetime.date(2026, 11, 1) + datetime.timedelta(debut)
        creees.append(
            InscriptionFactory(
                enfant=enfant,
                activite=activites[activite],
                date_debut=date_debut,
                date_fin=date_debut + datetime.timedelta(duree),
                jours_reguliers=reguliers,
            )
        )
    vues = set()
    for (index, jour), etat in reservations:
        inscription = creees[index % len(creees)]
        # Une seule réservation vivante par jour (contrainte) : les autres sont refusées.
        if etat in Reservation.ETATS_ACTIFS and (inscription.pk, jour) in vues:
            etat = Reservation.Etat.REFUSEE
        vues |= {(inscription.pk, jour)} if etat in Reservation.ETATS_ACTIFS else set()
        ReservationFactory(inscription=inscription, date=jour, etat=etat, motif_refus=f"motif {jour:%d}")
    vues = set()
    for (index, jour), etat in absences:
        inscription = creees[index % len(creees)]
        if etat != Absence.Etat.REFUSEE and (inscription.pk, jour) in vues:
            etat = Absence.Etat.REFUSEE
        vues |= {(inscription.pk, jour)} if etat != Absence.Etat.REFUSEE else set()
        AbsenceFactory(inscription=inscription, date=jour, etat=etat)
    vues = set()
    for (index, jour), present in presences:
        inscription = creees[index % len(creees)]
        if (inscription.pk, jour) not in vues:
            vues.add((inscription.pk, jour))
            PresenceFactory(inscription=inscription, date=jour, present=present)
    for activite, debut, duree in fermetures:
        FermetureFactory(
            structure=activites[activite].structure,
            date_debut=debut,
            date_fin=debut + datetime.timedelta(duree),
        )
    debut, fin = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
    donnees = enfants_selectors.planning_page(
        famille=enfant.famille, enfant_id=enfant.pk, annee=2026, mois=11, aujourdhui=aujourdhui
    )
    # La référence : l'ORM.
    toutes = enfants_selectors.inscriptions(famille=enfant.famille).filter(enfant=enfant)
    du_mois = toutes.filter(date_debut__lte=fin, date_fin__gte=debut)
    cle = lambda i: (i.activite.structure.nom, i.activite.nom, i.date_debut, i.pk)  # noqa: E731
    assert donnees.inscriptions == sorted(du_mois, key=cle)
    assert donnees.inscriptions_en_cours == sorted(toutes.filter(date_fin__gte=aujourdhui), key=cle)
    for lue in donnees.inscriptions_en_cours:
        attendue = next(i for i in toutes if i.pk == lue.pk)
        for modele_lu, modele_attendu in (
            (lue, attendue),
            (lue.activite, attendue.activite),
            (lue.activite.structure, attendue.activite.structure),
        ):
            for champ in type(modele_lu)._meta.concrete_fields:
                assert getattr(modele_lu, champ.attname) == getattr(modele_attendu, champ.attname), champ
    filtre = {"inscription__in": du_mois, "date__gte": debut, "date__lte": fin}
    assert [(r.pk, r.inscription_id, r.date, r.etat, r.motif_refus) for r in donnees.reservations] == list(
        Reservation.objects.filter(**filtre)
        .order_by("pk")
        .values_list("pk", "inscription_id", "date", "etat", "motif_refus")
    )
    assert [(a.pk, a.inscription_id, a.date, a.etat) for a in donnees.absences] == list(
        Absence.objects.filter(**filtre).order_by("pk").values_list("pk", "inscription_id", "date", "etat")
    )
    assert [(p.inscription_id, p.date, p.present) for p in donnees.presences] == list(
        Presence.objects.filter(**filtre).order_by("pk").values_list("inscription_id", "date", "present")
    )
    structures = {i.activite.structure_id for i in du_mois}
    attendues = (
        enfants_selectors.fermetures(structure_ids=structures, debut=debut, fin=fin) if structures else {}
    )
    assert donnees.fermetures == attendues


# Jusqu'où un compte a lu un fil : jamais, ou jusqu'au n-ième message reçu (0 : le fil ouvert
# avant toute réponse, lu jusqu'au premier message de la famille).
LECTURE = st.none() | st.integers(0, 4)
FIL = st.tuples(
    st.integers(0, 4),  # reçus
    st.integers(0, 3),  # envoyés par la famille (jamais comptés)
    st.booleans(),  # supprimé par la famille
    LECTURE,  # lecture du premier compte
    LECTURE,  # lecture du second
    st.booleans(),  # `lu_le` déjà rempli (la famille, l'un ou l'autre compte, l'a ouvert)
)


def _fil_de_proprietes(cible, comptes, recus, envoyes, supprime, lectures, lu_le):
    from messagerie.models import LectureFil
    from tests.factories import MessageFactory, fil_avec_messages

    fil = fil_avec_messages(famille=cible, recus=0, envoyes=envoyes)
    for _ in range(recus):
        MessageFactory(fil=fil, de_la_famille=False, lu_le=timezone.now() if lu_le else None)
    MessageFactory(fil=fil, de_la_famille=True)  # une réponse de la famille après les reçus
    ordre = list(fil.messages.order_by("pk"))
    recus_ordre = [m for m in ordre if not m.de_la_famille]
    for compte, jusqu_a in zip(comptes, lectures, strict=True):
        if jusqu_a is None:
            continue
        dernier = recus_ordre[jusqu_a - 1] if 0 < jusqu_a <= len(recus_ordre) else ordre[0]
        LectureFil.objects.create(fil=fil, compte=compte, dernier_lu=dernier)
    if supprime:
        fil.supprime_le = timezone.now()
        fil.save()


@PROPRIETES
@given(fils=st.lists(FIL, max_size=5), autres=st.lists(FIL, max_size=2))
def test_propriete_messages_non_lus_comme_l_orm(db, fils, autres):
    """Deux comptes par famille, chacun sa lecture de chaque fil : le compteur de l'en-tête
    (SQL) et les non-lus de chaque fil de la boîte (ORM, `fils_recus`) suivent la même règle."""
    from messagerie import selectors as messagerie_selectors
    from tests.factories import UtilisateurFactory

    famille, autre = FamilleFactory(), FamilleFactory()
    comptes = {cible: [UtilisateurFactory(famille=cible) for _ in range(2)] for cible in (famille, autre)}
    for cible, liste in ((famille, fils), (autre, autres)):
        for recus, envoyes, supprime, premier, second, lu_le in liste:
            _fil_de_proprietes(cible, comptes[cible], recus, envoyes, supprime, (premier, second), lu_le)
    for cible in (famille, autre):
        for compte in comptes[cible]:
            attendu = _non_lus_orm(cible, compte)
            assert messagerie_selectors.messages_non_lus_nombre(famille=cible, compte=compte) == attendu
            recus = messagerie_selectors.fils_recus(famille=cible, compte=compte)
            assert sum(f.non_lus for f in recus) == attendu


# --- Dossier de la famille : le bloc « À faire » (familles/requetes.py) -----------------------

JOUR_DOSSIER = datetime.date(2026, 11, 28)
DECALAGE = st.integers(min_value=-400, max_value=400).map(lambda n: JOUR_DOSSIER + datetime.timedelta(n))
DECALAGE_PASSE = st.integers(min_value=-400, max_value=60).map(lambda n: JOUR_DOSSIER + datetime.timedelta(n))
PROPRIETES_DOSSIER = settings(PROPRIETES, max_examples=25)
TYPE_PIECE = st.tuples(
    st.sampled_from(["famille", "enfant"]),
    st.sampled_from(["toujours", "toujours", "parents_separes", "pai"]),
    st.booleans(),  # actif
    st.integers(0, 1),  # ordre (les égalités départagées par le nom, à rebours de la création)
)
DEPOT = st.tuples(
    st.integers(0, 5),  # quel type
    st.integers(-1, 2),  # quel enfant (-1 : la famille)
    st.sampled_from(["en_attente", "validee", "refusee"]),
    DECALAGE,  # valable jusqu'au (pour une pièce validée)
)


def _etats_comparables(etats):
    return [
        (e.type_piece.pk, e.enfant and e.enfant.pk, e.code, [d.pk for d in e.depots], e.ancre) for e in etats
    ]


@PROPRIETES_DOSSIER
@given(
    types=st.lists(TYPE_PIECE, min_size=1, max_size=5),
    enfants=st.lists(st.booleans(), max_size=3),  # PAI de chaque enfant
    separe=st.booleans(),
    depots=st.lists(DEPOT, max_size=8),
)
def test_propriete_pieces_de_l_accueil_comme_l_orm(db, types, enfants, separe, depots):
    """La lecture légère de l'accueil (une requête nommée) dit, pièce par pièce, la même chose que
    la lecture complète de l'ORM ; les dépôts d'une autre famille n'y sont jamais."""
    from familles import selectors as familles_selectors
    from tests.factories import DonneesSanitairesFactory, EnfantFactory, TypePieceFactory, piece_deposee

    famille, autre = FamilleFactory(), FamilleFactory()
    ResponsableFactory(famille=famille, situation="separe" if separe else "marie")
    crees = [
        TypePieceFactory(nom=f"Pièce {'é' * (5 - i)}", concerne=c, condition=cond, actif=actif, ordre=ordre)
        for i, (c, cond, actif, ordre) in enumerate(types)
    ]
    les_enfants = []
    for pai in enfants:
        enfant = EnfantFactory(famille=famille)
        if pai:
            DonneesSanitairesFactory(enfant=enfant, pai=True)
        les_enfants.append(enfant)
    for quel_type, quel_enfant, statut, jusqu_au in depots:
        if not crees:
            break
        type_piece = crees[quel_type % len(crees)]
        enfant = les_enfants[quel_enfant % len(les_enfants)] if quel_enfant >= 0 and les_enfants else None
        extra = {"valide_jusqu_au": jusqu_au} if statut == "validee" else {}
        piece_deposee(famille=famille, type_piece=type_piece, enfant=enfant, statut=statut, **extra)
        piece_deposee(famille=autre, type_piece=type_piece, statut=statut, **extra)
    legere = familles_selectors.pieces_etat(famille=famille, jour=JOUR_DOSSIER, leger=True)
    complete = familles_selectors.pieces_etat(famille=famille, jour=JOUR_DOSSIER)
    assert _etats_comparables(legere) == _etats_comparables(complete)
    assert [e.enfant.prenom for e in legere if e.enfant] == [e.enfant.prenom for e in complete if e.enfant]


TEXTE = st.tuples(
    st.booleans(),  # actif
    st.sampled_from([None, "inscrite", "finie", "autre"]),  # structure du texte
    st.lists(DECALAGE_PASSE, min_size=1, max_size=3),  # en vigueur le, par version
    st.lists(st.tuples(st.integers(0, 2), st.booleans()), max_size=3),  # réponses (version, acceptée)
)


@PROPRIETES_DOSSIER
@given(textes=st.lists(TEXTE, min_size=1, max_size=4))
def test_propriete_textes_a_lire_comme_l_orm(db, textes):
    """Les textes à lire de l'accueil (une requête nommée) sont ceux de `consentements_a_donner`
    (ORM), dans le même ordre, avec le même numéro de version et « déjà répondu »."""
    from familles import selectors as familles_selectors
    from familles.models import Consentement
    from tests.factories import (
        EnfantFactory,
        InscriptionFactory,
        StructureFactory,
        TexteConsentementFactory,
        VersionTexteFactory,
    )

    famille, autre = FamilleFactory(), FamilleFactory()
    enfant = EnfantFactory(famille=famille)
    inscrite, finie, ailleurs = (StructureFactory(nom=n) for n in ("Inscrite", "Finie", "Ailleurs"))
    InscriptionFactory(enfant=enfant, activite__structure=inscrite, date_fin=JOUR_DOSSIER)
    InscriptionFactory(
        enfant=enfant, activite__structure=finie, date_fin=JOUR_DOSSIER - datetime.timedelta(1)
    )
    InscriptionFactory(enfant=EnfantFactory(famille=autre), activite__structure=ailleurs)
    structures = {None: None, "inscrite": inscrite, "finie": finie, "autre": ailleurs}
    for i, (actif, structure, vigueurs, reponses) in enumerate(textes):
        texte = TexteConsentementFactory(
            titre=f"Texte {i % 2}",
            type=("reglement", "droit_image")[i % 2],
            actif=actif,
            structure=structures[structure],
        )
        versions = [
            VersionTexteFactory(texte=texte, numero=n + 1, en_vigueur_le=le) for n, le in enumerate(vigueurs)
        ]
        for quelle, accepte in reponses:
            if versions:
                version = versions[quelle % len(versions)]
                Consentement.objects.create(famille=famille, version=version, accepte=accepte, signataire="A")
                Consentement.objects.create(famille=autre, version=version, accepte=True, signataire="B")
    a_lire = familles_selectors.consentements_a_lire(famille=famille, jour=JOUR_DOSSIER)
    a_donner = familles_selectors.consentements_a_donner(famille=famille, jour=JOUR_DOSSIER)
    assert [(t.pk, t.titre, t.version_numero, t.deja_repondu, t.refus_possible) for t in a_lire] == [
        (
            e.texte.pk,
            e.texte.titre,
            e.version.numero,
            e.reponse_precedente is not None,
            e.texte.refus_possible,
        )
        for e in a_donner
    ]
