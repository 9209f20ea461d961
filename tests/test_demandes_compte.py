from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from commun.models import Audit
from demandes import services
from demandes.models import Demande
from familles.models import Famille, Responsable
from tests.factories import ResponsableFactory, demande_creer

pytestmark = pytest.mark.django_db

IBAN_VALIDE = "FR76 3000 6000 0112 3456 7890 189"


def _texte(reponse):
    return reponse.content.decode().replace("&#x27;", "'")


def _principal(parent):
    return Responsable.objects.get(famille=parent.famille, role="principal")


def test_la_page_mon_compte_montre_responsable_et_conjoint(client_parent, parent):
    ResponsableFactory(famille=parent.famille, role="conjoint", prenom="Jeanne", nom="Dupont")
    famille = parent.famille
    famille.iban = "FR7630006000011234567890189"
    famille.save()
    reponse = client_parent.get(reverse("familles:compte"))
    contenu = _texte(reponse)
    assert "Mon conjoint" in contenu and "JEANNE" in contenu
    assert "FR76 •••• 0189" in contenu
    assert "FR7630006000011234567890189" not in contenu


def test_formulaire_pre_rempli(client_parent, parent):
    reponse = client_parent.get(reverse("demandes:compte_responsable"))
    assert reponse.status_code == 200
    assert 'value="1 rue de la Mairie"' in _texte(reponse)


def test_type_inconnu_404(client_parent):
    assert client_parent.get("/compte/modifier/inexistant/").status_code == 404


def test_chaque_formulaire_du_compte_s_affiche(client_parent, django_assert_max_num_queries):
    for code in ("responsable", "conjoint", "fiscales", "caf", "bancaires"):
        with django_assert_max_num_queries(10):
            reponse = client_parent.get(reverse(f"demandes:compte_{code}"))
        assert reponse.status_code == 200
        # L'onglet « Mon compte » reste actif sur les formulaires de demande.
        assert '<a class="nav-link active" href="/compte/" aria-current="page">' in _texte(reponse)


def _post_responsable(client, parent, **changes):
    from demandes import registre

    type_ = registre.type_demande("responsable")
    _, initiales = registre.valeurs_actuelles(type_, famille=parent.famille)
    data = {k: registre.serialiser(v) for k, v in initiales.items() if v not in (None, False)}
    data.update(changes)
    return client.post(reverse("demandes:compte_responsable"), data)


def test_changement_d_adresse_cree_une_demande_des_seuls_champs_changes(client_parent, parent):
    reponse = _post_responsable(client_parent, parent, adresse="5 AVENUE DES LILAS")
    assert reponse.status_code == 302
    demande = Demande.objects.get()
    assert demande.type == "responsable"
    assert demande.donnees == {"adresse": "5 AVENUE DES LILAS"}
    assert demande.avant == {"adresse": "1 rue de la Mairie"}
    assert demande.apres == {"adresse": "5 AVENUE DES LILAS"}
    assert _principal(parent).adresse == "1 rue de la Mairie"


def test_aucun_changement_aucune_demande(client_parent, parent):
    reponse = _post_responsable(client_parent, parent)
    assert reponse.status_code == 200
    assert services.MESSAGE_AUCUN_CHANGEMENT in _texte(reponse)
    assert not Demande.objects.exists()


def test_demande_en_double_proposee_au_remplacement(client_parent, parent):
    _post_responsable(client_parent, parent, adresse="5 AVENUE DES LILAS")
    reponse = _post_responsable(client_parent, parent, adresse="7 AVENUE DES LILAS")
    contenu = _texte(reponse)
    assert reponse.status_code == 200
    assert services.MESSAGE_DEJA_EN_ATTENTE in contenu
    assert "Remplacer ma demande en attente" in contenu
    assert Demande.objects.count() == 1
    reponse = _post_responsable(client_parent, parent, adresse="7 AVENUE DES LILAS", remplacer="1")
    assert reponse.status_code == 302
    assert Demande.objects.filter(statut="en_attente").get().donnees == {"adresse": "7 AVENUE DES LILAS"}
    assert Demande.objects.filter(statut="annulee").count() == 1


def test_annuler_une_demande_en_attente(client_parent, parent):
    demande = demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    reponse = client_parent.post(reverse("demandes:annuler", args=[demande.pk]))
    assert reponse.status_code == 302
    demande.refresh_from_db()
    assert demande.statut == "annulee"


def test_annuler_la_demande_d_une_autre_famille_404(client, parent, autre_parent):
    demande = demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    client.force_login(autre_parent)
    assert client.post(reverse("demandes:annuler", args=[demande.pk])).status_code == 404


@pytest.mark.parametrize(
    ("champ", "valeur", "message"),
    [
        ("telephone_mobile", "06 12 34", "numéro de téléphone français valide"),
        ("code_postal", "2830", "Le code postal compte 5 chiffres"),
        ("code_postal", "00123", "Le code postal compte 5 chiffres"),
        ("email", "pas-une-adresse", "Saisissez une adresse email valide."),
    ],
)
def test_coordonnees_invalides(client_parent, parent, champ, valeur, message):
    reponse = _post_responsable(client_parent, parent, **{champ: valeur})
    assert reponse.status_code == 200
    assert message in _texte(reponse)
    assert not Demande.objects.exists()


def test_telephone_normalise(parent):
    demande = demande_creer(parent, "responsable", {"telephone_mobile": "+33612345678"})
    assert demande.donnees == {"telephone_mobile": "06 12 34 56 78"}


def test_iban_invalide(client_parent, parent):
    reponse = client_parent.post(
        reverse("demandes:compte_bancaires"),
        {"iban": "FR76 3000 6000 0112 3456 7890 188", "titulaire_compte": "X"},
    )
    assert "Cet IBAN n'est pas valide" in _texte(reponse)
    assert not Demande.objects.exists()


def test_prelevement_exige_le_mandat(client_parent, parent):
    url = reverse("demandes:compte_bancaires")
    reponse = client_parent.post(url, {"iban": IBAN_VALIDE, "prelevement_automatique": "on"})
    assert "mandat SEPA" in _texte(reponse)
    assert not Demande.objects.exists()
    reponse = client_parent.post(
        url, {"iban": IBAN_VALIDE, "prelevement_automatique": "on", "consentement_sepa": "on"}
    )
    assert reponse.status_code == 302
    demande = Demande.objects.get()
    assert demande.donnees == {
        "iban": "FR7630006000011234567890189",
        "prelevement_automatique": True,
        "consentement_sepa": True,
    }


CAS = [
    (
        "responsable",
        {"adresse": "5 AVENUE DES LILAS", "code_postal": "28000"},
        lambda f: Responsable.objects.get(famille=f, role="principal").adresse,
        "5 AVENUE DES LILAS",
    ),
    (
        "conjoint",
        {"nom": "DUPONT", "prenom": "JEANNE", "telephone_mobile": "0612345678"},
        lambda f: Responsable.objects.get(famille=f, role="conjoint").telephone_mobile,
        "06 12 34 56 78",
    ),
    (
        "fiscales",
        {"revenu_fiscal_reference": "25000.50", "nombre_parts": "2.5", "annee_fiscale": "2025"},
        lambda f: Famille.objects.get(pk=f.pk).revenu_fiscal_reference,
        Decimal("25000.50"),
    ),
    (
        "caf",
        {"regime": "msa", "numero_allocataire": "7654321", "quotient_familial": "640"},
        lambda f: Famille.objects.get(pk=f.pk).regime,
        "msa",
    ),
    (
        "bancaires",
        {
            "iban": IBAN_VALIDE,
            "titulaire_compte": "DUPONT JEAN",
            "bic": "AGRIFRPP",
            "banque": "Crédit",
            "prelevement_automatique": True,
            "consentement_sepa": True,
        },
        lambda f: Famille.objects.get(pk=f.pk).iban,
        "FR7630006000011234567890189",
    ),
]


@pytest.mark.parametrize(("code", "donnees", "lire", "attendu"), CAS)
def test_bout_en_bout_acceptee(
    client_parent, parent, agent, code, donnees, lire, attendu, django_capture_on_commit_callbacks
):
    demande = demande_creer(parent, code, donnees)
    with django_capture_on_commit_callbacks(execute=True):
        services.demande_accepter(demande=demande, agent=agent)
    assert lire(parent.famille) == attendu
    demande.refresh_from_db()
    assert demande.statut == "acceptee" and demande.decide_par == agent and demande.decide_le
    contenu = _texte(client_parent.get(reverse("demandes:liste")))
    section = contenu.split('id="titre-acceptees"')[1]
    assert demande.type_demande.categorie in section
    assert Audit.objects.filter(action="Demande acceptée", famille=parent.famille).exists()
    if code == "bancaires":
        assert "FR76 •••• 0189" in contenu and "FR7630006000011234567890189" not in contenu


@pytest.mark.parametrize(("code", "donnees", "lire", "attendu"), CAS)
def test_bout_en_bout_refusee(client_parent, parent, agent, code, donnees, lire, attendu):
    avant = lire(parent.famille) if code != "conjoint" else None
    demande = demande_creer(parent, code, donnees)
    services.demande_refuser(demande=demande, agent=agent, motif="Justificatif manquant")
    if code == "conjoint":
        assert not Responsable.objects.filter(famille=parent.famille, role="conjoint").exists()
    else:
        assert lire(parent.famille) == avant
    contenu = _texte(client_parent.get(reverse("demandes:liste")))
    section = contenu.split('id="titre-refusees"')[1].split('id="titre-acceptees"')[0]
    assert "Justificatif manquant" in section
    assert demande.type_demande.categorie in section


def test_refus_sans_motif(parent, agent):
    demande = demande_creer(parent, "caf", {"numero_allocataire": "111"})
    with pytest.raises(services.DemandeErreur, match=services.MESSAGE_MOTIF_REQUIS):
        services.demande_refuser(demande=demande, agent=agent, motif="  ")
    demande.refresh_from_db()
    assert demande.statut == "en_attente"


def test_une_demande_acceptee_ne_s_applique_jamais_deux_fois(parent, agent):
    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})
    services.demande_accepter(demande=demande, agent=agent)
    famille = Famille.objects.get(pk=parent.famille.pk)
    famille.quotient_familial = 900
    famille.save()
    with pytest.raises(services.DemandeDejaTraitee):
        services.demande_accepter(demande=demande, agent=agent)
    with pytest.raises(services.DemandeDejaTraitee):
        services.demande_refuser(demande=demande, agent=agent, motif="x")
    assert Famille.objects.get(pk=famille.pk).quotient_familial == 900


def test_acceptation_revalide_sur_la_fiche_actuelle(parent, agent):
    # Le conjoint demandé sans nom : invalide une fois la fiche du conjoint effacée entre-temps.
    demande = demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    Responsable.objects.filter(famille=parent.famille, role="principal").update(nom="")
    with pytest.raises(services.DemandeInvalide):
        services.demande_accepter(demande=demande, agent=agent)
    demande.refresh_from_db()
    assert demande.statut == "en_attente"


def test_courriel_apres_validation_seulement(parent, agent, django_capture_on_commit_callbacks):
    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        services.demande_accepter(demande=demande, agent=agent)
    assert mail.outbox == []
    # Le rappel prévoit la notification ; sa tâche d'envoi part à son tour après validation.
    with django_capture_on_commit_callbacks(execute=True):
        for rappel in rappels:
            rappel()
    assert len(mail.outbox) == 1
    courriel = mail.outbox[0]
    assert "Informations CAF" in courriel.subject
    assert "640" not in courriel.body and "/demandes/" in courriel.body
    assert courriel.to == [_principal(parent).email]


def test_pas_de_courriel_sans_autorisation(parent, agent, django_capture_on_commit_callbacks):
    Responsable.objects.filter(famille=parent.famille).update(autorisation_courriel=False)
    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})
    with django_capture_on_commit_callbacks(execute=True):
        services.demande_refuser(demande=demande, agent=agent, motif="Non")
    assert mail.outbox == []


def test_audit_des_decisions_et_des_modifications(parent, agent):
    demande = demande_creer(parent, "responsable", {"ville": "CHARTRES"})
    services.demande_accepter(demande=demande, agent=agent)
    modification = Audit.objects.get(action__startswith=f"Demande n° {demande.pk}")
    assert modification.auteur == agent
    assert modification.avant == {"ville": "LÈVES"} and modification.apres == {"ville": "CHARTRES"}
    decision = Audit.objects.get(action="Demande acceptée")
    assert decision.avant == {"Ville": "LÈVES"} and decision.apres == {"Ville": "CHARTRES"}


def test_audit_masque_l_iban(parent, agent):
    demande = demande_creer(parent, "bancaires", {"iban": IBAN_VALIDE, "titulaire_compte": "X"})
    services.demande_accepter(demande=demande, agent=agent)
    for trace in Audit.objects.all():
        assert "FR7630006000011234567890189" not in str(trace.avant) + str(trace.apres)
    assert Audit.objects.get(action="Demande acceptée").apres["IBAN"] == "FR76 •••• 0189"


def test_liste_filtre_par_type_et_cote(client_parent, parent):
    demande_creer(parent, "caf", {"quotient_familial": "640"})
    demande_creer(parent, "fiscales", {"annee_fiscale": "2024"})
    contenu = _texte(client_parent.get(reverse("demandes:liste") + "?categorie=CAF"))
    assert "Quotient familial" in contenu and "Année des revenus" not in contenu
    contenu = _texte(client_parent.get(reverse("demandes:liste") + "?cote=enfants"))
    assert "Quotient familial" not in contenu


def test_liste_n_affiche_que_le_dernier_mois(client_parent, parent, agent):
    import datetime

    from django.utils import timezone

    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})
    services.demande_accepter(demande=demande, agent=agent)
    vieux = timezone.now() - datetime.timedelta(days=40)
    Demande.objects.filter(pk=demande.pk).update(cree_le=vieux, decide_le=vieux)
    contenu = _texte(client_parent.get(reverse("demandes:liste")))
    assert "Quotient familial" not in contenu


def test_liste_isolee_entre_familles(client, parent, autre_parent):
    demande_creer(parent, "caf", {"quotient_familial": "640"})
    client.force_login(autre_parent)
    assert "Quotient familial" not in _texte(client.get(reverse("demandes:liste")))


@pytest.mark.parametrize("n", [1, 30])
def test_budget_de_requetes_de_la_liste(
    client_parent, parent, agent, n, django_assert_max_num_queries, settings
):
    settings.DEMANDES_LIMITE_PAR_HEURE = n + 10  # n demandes d'un coup : des mois d'usage
    for i in range(n):
        demande = demande_creer(parent, "caf", {"quotient_familial": str(600 + i)})
        services.demande_accepter(demande=demande, agent=agent)
    demande_creer(parent, "fiscales", {"annee_fiscale": "2024"})
    with django_assert_max_num_queries(8):
        assert client_parent.get(reverse("demandes:liste")).status_code == 200


def test_la_decision_arrive_aussi_dans_la_boite_de_reception(
    parent, agent, django_capture_on_commit_callbacks
):
    from messagerie.models import Message
    from messagerie.selectors import messages_non_lus_nombre

    demande = demande_creer(parent, "caf", {"quotient_familial": "640"})
    with django_capture_on_commit_callbacks(execute=True):
        services.demande_refuser(demande=demande, agent=agent, motif="Justificatif manquant")
    message = Message.objects.get(fil__famille=parent.famille)
    assert "Informations CAF" in message.fil.objet
    assert "refusée" in message.texte and "Justificatif manquant" in message.texte
    assert "640" not in message.texte
    assert messages_non_lus_nombre(famille=parent.famille, compte=parent) == 1
    # Un seul courriel : celui de la décision (le message n'en déclenche pas un second).
    assert len(mail.outbox) == 1


# --- Demande en attente : le formulaire montre ce qui est demandé (issue 15) ------------------


def test_demande_en_attente_pre_remplit_le_formulaire(client_parent, parent):
    demande_creer(parent, "responsable", {"adresse": "5 AVENUE DES LILAS", "situation": "separe"})
    contenu = _texte(client_parent.get(reverse("demandes:compte_responsable")))
    assert 'value="5 AVENUE DES LILAS"' in contenu
    assert 'value="1 rue de la Mairie"' not in contenu
    assert '<option value="separe" selected>' in contenu
    # Les champs non demandés gardent la fiche actuelle.
    assert f'value="{_principal(parent).ville}"' in contenu


def test_demande_en_attente_le_texte_d_aide_nomme_le_bouton_affiche(client_parent, parent):
    contenu = _texte(client_parent.get(reverse("demandes:compte_caf")))
    assert "cliquez sur « Valider »" in contenu
    assert '<button type="submit" class="btn btn-primary">Valider</button>' in contenu
    demande_creer(parent, "caf", {"quotient_familial": "640"})
    contenu = _texte(client_parent.get(reverse("demandes:compte_caf")))
    assert 'value="640"' in contenu
    assert "« Valider »" not in contenu
    assert "cliquez sur « Remplacer ma demande en attente »" in contenu
    assert '<button type="submit" class="btn btn-primary">Remplacer ma demande en attente</button>' in contenu
    assert ">Valider</button>" not in contenu


def test_demande_en_attente_remplacee_depuis_le_formulaire_pre_rempli(client_parent, parent):
    from tests.formulaires import formulaires

    demande_creer(parent, "responsable", {"adresse": "5 AVENUE DES LILAS"})
    page = _texte(client_parent.get(reverse("demandes:compte_responsable")))
    (formulaire,) = [f for f in formulaires(page) if "adresse" in f.champs]
    assert "remplacer" in formulaire.champs
    # Le parent ne corrige que la ville : l'adresse déjà demandée n'est pas perdue.
    reponse = _post_responsable(
        client_parent, parent, adresse="5 AVENUE DES LILAS", ville="CHARTRES", remplacer="1"
    )
    assert reponse.status_code == 302
    assert Demande.objects.get(statut="en_attente").donnees == {
        "adresse": "5 AVENUE DES LILAS",
        "ville": "CHARTRES",
    }


# --- Situation accordée avec la civilité (issue 15) ------------------------------------------


def test_situation_au_feminin_pour_une_madame(client_parent, parent):
    principal = _principal(parent)
    principal.civilite, principal.situation = "MME", "separe"
    principal.save()
    assert principal.get_situation_display() == "Séparée"
    compte = _texte(client_parent.get(reverse("familles:compte")))
    assert "<dt>Situation</dt><dd>Séparée</dd>" in compte
    formulaire = _texte(client_parent.get(reverse("demandes:compte_responsable")))
    for valeur, libelle in (
        ("marie", "Mariée"),
        ("pacse", "Pacsée"),
        ("divorce", "Divorcée"),
        ("veuf", "Veuve"),
        ("celibataire", "Célibataire"),
    ):
        assert f'<option value="{valeur}"' in formulaire and f">{libelle}</option>" in formulaire
    assert ">Marié</option>" not in formulaire
    # La demande enregistre le libellé accordé (Liste des demandes, audit).
    demande = demande_creer(parent, "responsable", {"situation": "marie"})
    assert demande.avant == {"situation": "Séparée"} and demande.apres == {"situation": "Mariée"}


def test_situation_au_masculin_pour_un_monsieur(client_parent, parent):
    principal = _principal(parent)
    principal.civilite, principal.situation = "M", "separe"
    principal.save()
    assert "<dt>Situation</dt><dd>Séparé</dd>" in _texte(client_parent.get(reverse("familles:compte")))
    assert ">Mariée</option>" not in _texte(client_parent.get(reverse("demandes:compte_responsable")))


def test_situation_suit_la_civilite_saisie(parent):
    from familles.forms import ResponsableForm

    formulaire = ResponsableForm(
        data={"civilite": "MME", "nom": "X", "prenom": "Y", "situation": "veuf"}, instance=_principal(parent)
    )
    assert dict(formulaire.fields["situation"].choices)["veuf"] == "Veuve"


def test_situation_au_feminin_dans_l_administration(client, parent):
    from tests.factories import agent_ccas

    principal = _principal(parent)
    principal.civilite = "MME"
    principal.save()
    client.force_login(agent_ccas(is_superuser=True))
    html = _texte(client.get(reverse("admin:familles_famille_change", args=[parent.famille_id])))
    assert ">Mariée</option>" in html
