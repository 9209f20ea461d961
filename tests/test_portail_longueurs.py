"""Un texte plus long que son champ est refusé avec un message, jamais coupé.

Ni par le navigateur (aucun attribut `maxlength` : il couperait en silence un texte collé), ni
par le serveur (chaque champ texte a sa limite, au plus celle de sa colonne ; un envoi qui
contourne la page est refusé de même), ni par un service (motif du refus).
"""

import contextlib
import importlib

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from demandes import services as demandes_services
from demandes.admin import MotifRefusForm
from demandes.models import Demande
from enfants import services as enfants_services
from enfants.models import Absence, Enfant, Fermeture, Inscription, Reservation, Vaccination
from familles.models import PieceJustificative, Responsable, VersionTexte
from messagerie.models import Fil, Message
from tests.factories import agent_ccas, demande_creer
from tests.inventaire import pages
from tests.qualite.visites import demander, preparer_visite

pytestmark = pytest.mark.django_db

APPLICATIONS = ("portail", "familles", "enfants", "facturation", "messagerie", "demandes")

# Où va la valeur d'un champ de formulaire qui n'est pas un champ de modèle (None : nulle part
# ou dans un texte sans limite) : la limite du formulaire ne dépasse pas celle de la colonne.
STOCKAGE = {
    ("NouvelEnfantForm", "nom"): Enfant._meta.get_field("nom"),
    ("NouvelEnfantForm", "prenom"): Enfant._meta.get_field("prenom"),
    ("NouvelEnfantForm", "remarques"): None,  # dans les souhaits d'inscription (texte)
    ("VaccinationForm", "vaccin"): Vaccination._meta.get_field("vaccin"),
    ("AbsenceForm", "motif"): Absence._meta.get_field("motif"),
    ("FermetureExceptionnelleForm", "motif"): Fermeture._meta.get_field("motif"),
    ("MessageNouveauForm", "objet"): Fil._meta.get_field("objet"),
    ("MessageNouveauForm", "texte"): Message._meta.get_field("texte"),
    ("ReponseForm", "texte"): Message._meta.get_field("texte"),
    ("FilCreationForm", "texte"): Message._meta.get_field("texte"),
    ("FilReponseForm", "reponse"): Message._meta.get_field("texte"),
    ("MotifRefusForm", "motif"): Reservation._meta.get_field("motif_refus"),
    ("PaiementForm", "email"): None,  # copié dans le paiement (champ email, 254)
    ("PanierForm", "email"): None,  # comme PaiementForm : copié dans le paiement (champ email, 254)
    ("MotDePasseOublieForm", "email"): None,  # sert à chercher le compte
    ("ConnexionForm", "username"): None,  # sert à chercher le compte
    ("TexteConsentementForm", "nouvelle_version"): VersionTexte._meta.get_field("contenu"),
    ("RefusForm", "motif"): PieceJustificative._meta.get_field("motif"),
    ("InscriptionDemandeForm", "offre"): None,  # désigne une activité proposée (« 12-3 »)
    ("InscriptionDecisionForm", "jours_reguliers"): Inscription._meta.get_field("jours_reguliers"),
    ("PlanningGuichetForm", "motif"): Absence._meta.get_field("motif"),
}


def _formulaires() -> list[type[forms.BaseForm]]:
    for config in apps.get_app_configs():
        if config.name in APPLICATIONS:
            for module in ("forms", "admin"):
                with contextlib.suppress(ModuleNotFoundError):
                    importlib.import_module(f"{config.name}.{module}")
    trouves, a_voir = [], [forms.BaseForm]
    while a_voir:
        classe = a_voir.pop()
        a_voir.extend(classe.__subclasses__())
        if classe.__module__.split(".")[0] in APPLICATIONS:
            trouves.append(classe)
    return sorted(set(trouves), key=lambda c: c.__qualname__)


def _champs(classe):
    try:
        instance = classe()
    except TypeError:
        instance = classe(None)
    return instance.fields


def _champs_texte():
    for classe in _formulaires():
        for nom, champ in _champs(classe).items():
            if isinstance(champ, forms.CharField) and not isinstance(champ.widget, forms.PasswordInput):
                yield classe, nom, champ


CHAMPS_TEXTE = [pytest.param(c, n, ch, id=f"{c.__name__}.{n}") for c, n, ch in _champs_texte()]


def test_les_formulaires_du_portail_sont_trouves():
    noms = {c.__name__ for c in _formulaires()}
    assert {
        "ResponsableForm",
        "MessageNouveauForm",
        "AbsenceForm",
        "MotifRefusForm",
        "NouveauMotDePasseForm",
        "PaiementForm",
        "FilReponseForm",
    } <= noms
    assert len(CHAMPS_TEXTE) > 40


@pytest.mark.parametrize(("classe", "nom", "champ"), CHAMPS_TEXTE)
def test_chaque_champ_texte_a_une_limite_verifiee_par_le_serveur(classe, nom, champ):
    assert champ.max_length is not None, f"{classe.__name__}.{nom} : aucune limite de longueur"
    modele = getattr(getattr(classe, "_meta", None), "model", None)
    if (classe.__name__, nom) in STOCKAGE:
        colonne = STOCKAGE[(classe.__name__, nom)]
    elif modele is not None and nom in {f.name for f in modele._meta.get_fields()}:
        colonne = modele._meta.get_field(nom)
    else:
        pytest.fail(f"{classe.__name__}.{nom} : dites dans STOCKAGE où va la valeur")
    if colonne is not None and colonne.max_length is not None:
        assert champ.max_length <= colonne.max_length, (
            f"{classe.__name__}.{nom} accepte {champ.max_length} caractères, la colonne "
            f"{colonne.model.__name__}.{colonne.name} {colonne.max_length}"
        )
    # Un envoi qui contourne la page (sans navigateur) est refusé avec un message.
    with pytest.raises(ValidationError) as refus:
        champ.clean("a" * (champ.max_length + 1))
    assert f"au plus {champ.max_length} caractères" in " ".join(refus.value.messages)


@pytest.mark.parametrize("nom", sorted(n for n, p in pages().items() if p.html and p.methode == "GET"))
def test_aucune_page_ne_coupe_un_texte_colle(nom, client):
    html = demander(client, preparer_visite(nom)).content.decode()
    assert "maxlength" not in html


def test_l_administration_ne_coupe_pas_non_plus(client, parent):
    client.force_login(agent_ccas(is_superuser=True))
    html = client.get(reverse("admin:familles_famille_change", args=[parent.famille_id])).content.decode()
    assert 'name="responsables-0-adresse"' in html
    assert "maxlength" not in html


def test_un_texte_trop_long_est_refuse_et_rendu_en_entier(client_parent, parent):
    from demandes import registre

    adresse = "12 allée" + " des très longs tilleuls" * 12
    assert len(adresse) > 255
    type_ = registre.type_demande("responsable")
    _, initiales = registre.valeurs_actuelles(type_, famille=parent.famille)
    data = {k: registre.serialiser(v) for k, v in initiales.items() if v not in (None, False)}
    data["adresse"] = adresse
    reponse = client_parent.post(reverse("demandes:compte_responsable"), data)
    html = reponse.content.decode().replace("&#x27;", "'")
    assert reponse.status_code == 200
    assert (
        f"Assurez-vous que cette valeur comporte au plus 255 caractères (actuellement {len(adresse)})"
    ) in html
    assert f'value="{adresse}"' in html  # réaffichée entière, pour être raccourcie
    assert not Demande.objects.exists()
    assert Responsable.objects.get(famille=parent.famille, role="principal").adresse == "1 rue de la Mairie"


# --- Services : le motif d'un refus ---------------------------------------------------------


def _reservation_en_attente(parent):
    from tests.factories import ActiviteFactory, EnfantFactory, InscriptionFactory, ReservationFactory

    inscription = InscriptionFactory(enfant=EnfantFactory(famille=parent.famille), activite=ActiviteFactory())
    return ReservationFactory(inscription=inscription, etat=Reservation.Etat.EN_COURS)


def test_le_motif_du_refus_tient_dans_les_colonnes_qui_le_gardent():
    for modele in (Reservation, Absence):
        assert modele._meta.get_field("motif_refus").max_length >= demandes_services.MOTIF_LONGUEUR_MAX
    assert MotifRefusForm().fields["motif"].max_length == demandes_services.MOTIF_LONGUEUR_MAX


def test_motif_trop_long_refuse_par_le_service_du_planning(parent, agent):
    reservation = _reservation_en_attente(parent)
    with pytest.raises(ValidationError) as refus:
        enfants_services.reservation_refuser(reservation=reservation, agent=agent, motif="m" * 301)
    assert refus.value.messages == ["Le motif du refus compte 301 caractères : 300 au plus."]
    reservation.refresh_from_db()
    assert (reservation.etat, reservation.motif_refus) == (Reservation.Etat.EN_COURS, "")
    enfants_services.reservation_refuser(reservation=reservation, agent=agent, motif="m" * 300)
    reservation.refresh_from_db()
    assert reservation.motif_refus == "m" * 300


def test_motif_trop_long_refuse_par_la_file_de_moderation(parent, agent):
    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})
    with pytest.raises(demandes_services.DemandeErreur) as refus:
        demandes_services.demande_refuser(demande=demande, agent=agent, motif="m" * 301)
    assert refus.value.message == "Le motif du refus compte 301 caractères : 300 au plus."
    demande.refresh_from_db()
    assert (demande.statut, demande.motif) == ("en_attente", "")


def test_motif_trop_long_refuse_dans_l_administration(client, parent):
    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})
    client.force_login(agent_ccas(is_superuser=True))
    url = reverse("admin:demandes_demande_refuser", args=[demande.pk])
    html = client.post(url, {"motif": "m" * 301}).content.decode()
    assert "au plus 300 caractères (actuellement 301)" in html
    demande.refresh_from_db()
    assert demande.statut == "en_attente"
