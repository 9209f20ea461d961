"""« Marquer comme vérifié » un paiement en ligne « à vérifier » (issue 22) : le service, la fiche
et l'action de liste de l'administration, la file de l'accueil « À traiter »."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from commun.models import Audit
from facturation import paiement, services
from facturation.models import EvenementPaiement
from tests import factories as f

pytestmark = pytest.mark.django_db

URL_LISTE = reverse("admin:facturation_evenementpaiement_changelist")


def _evenement(n=1, **champs):
    champs.setdefault("signale", True)
    return EvenementPaiement.objects.create(
        evenement_id=f"evt_{n}", type=paiement.COMPLETED, payload="{}", motif="montant", **champs
    )


def _url_fiche(evenement):
    return reverse("admin:facturation_evenementpaiement_change", args=[evenement.pk])


def _url_verifier(evenement):
    return reverse("admin:facturation_evenementpaiement_verifier", args=[evenement.pk])


def _a_traiter(client) -> int:
    files = {file.cle: file for file in client.get(reverse("admin:index")).context["files_a_traiter"]}
    return files["paiements"].nombre


def _agent_sans_verification():
    """Un agent qui voit (et peut retraiter) les événements, sans le droit de les vérifier."""
    agent = f.UtilisateurFactory(is_staff=True)
    agent.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="facturation",
            codename__in=["view_evenementpaiement", "change_evenementpaiement"],
        )
    )
    return agent


# Le service


def test_verifier_retire_de_la_file_et_trace_dans_l_audit():
    agent = f.agent_ccas()
    facture = f.FactureFactory()
    f.PaiementEnLigneFactory(facture=facture, session_id="cs_test_1")
    evenement = _evenement(session_id="cs_test_1")
    services.evenement_paiement_verifier(evenement=evenement, agent=agent, commentaire="  Vu sur Stripe  ")
    evenement.refresh_from_db()
    assert evenement.verifie_par == agent and evenement.verifie_le is not None
    assert evenement.commentaire_verification == "Vu sur Stripe"
    assert evenement.signale  # le signalement reste lisible : il est seulement traité
    (trace,) = Audit.objects.all()
    assert trace.auteur == agent and trace.famille == facture.famille
    assert trace.action == "Paiement en ligne « à vérifier » marqué vérifié"
    assert trace.apres == {"vérifié": "Oui", "commentaire": "Vu sur Stripe"}


def test_verifier_deux_fois_refuse_sans_rien_changer():
    premier, second = f.agent_ccas(), f.agent_ccas()
    evenement = _evenement()
    services.evenement_paiement_verifier(evenement=evenement, agent=premier, commentaire="ok")
    evenement.refresh_from_db()
    le = evenement.verifie_le
    with pytest.raises(ValidationError) as erreur:
        services.evenement_paiement_verifier(evenement=evenement, agent=second, commentaire="autre")
    assert erreur.value.code == "deja_verifie"
    assert erreur.value.messages[0].startswith(services.PAIEMENT_DEJA_VERIFIE.split("{")[0])
    evenement.refresh_from_db()
    assert (evenement.verifie_par, evenement.verifie_le, evenement.commentaire_verification) == (
        premier,
        le,
        "ok",
    )
    assert Audit.objects.count() == 1


def test_verifier_un_evenement_non_signale_refuse():
    evenement = _evenement(signale=False)
    with pytest.raises(ValidationError) as erreur:
        services.evenement_paiement_verifier(evenement=evenement, agent=f.agent_ccas(), commentaire="")
    assert erreur.value.messages == [services.PAIEMENT_NON_SIGNALE]
    evenement.refresh_from_db()
    assert evenement.verifie_le is None and not Audit.objects.exists()


def test_commentaire_trop_long_refuse():
    evenement = _evenement()
    with pytest.raises(ValidationError) as erreur:
        services.evenement_paiement_verifier(
            evenement=evenement,
            agent=f.agent_ccas(),
            commentaire="x" * (services.COMMENTAIRE_VERIFICATION_MAX + 1),
        )
    assert erreur.value.code == "commentaire_trop_long"
    evenement.refresh_from_db()
    assert evenement.verifie_le is None


# L'administration


def test_le_bouton_de_la_fiche_marque_verifie_et_le_compte_baisse(client):
    agent = f.agent_ccas()
    evenement = _evenement(1)
    _evenement(2)
    _evenement(3, signale=False)
    client.force_login(agent)
    assert _a_traiter(client) == 2
    page = client.get(_url_fiche(evenement)).content.decode()
    assert "Marquer comme vérifié" in page and f'formaction="{_url_verifier(evenement)}"' in page
    reponse = client.post(_url_verifier(evenement), {"commentaire_verification": "Relevé PayFiP conforme"})
    assert reponse.status_code == 302 and reponse["Location"] == _url_fiche(evenement)
    evenement.refresh_from_db()
    assert evenement.verifie_par == agent and evenement.commentaire_verification == "Relevé PayFiP conforme"
    assert _a_traiter(client) == 1
    # La liste de la file montre le même nombre ; la fiche vérifiée n'a plus de bouton.
    assert client.get(URL_LISTE, {"a_verifier": "oui"}).context["cl"].result_count == 1
    page = client.get(_url_fiche(evenement)).content.decode()
    assert "Marquer comme vérifié" not in page and "Relevé PayFiP conforme" in page


def test_second_clic_refuse_avec_un_message(client):
    client.force_login(f.agent_ccas())
    evenement = _evenement()
    client.post(_url_verifier(evenement))
    reponse = client.post(_url_verifier(evenement), follow=True)
    assert "déjà été vérifié" in reponse.content.decode()
    assert Audit.objects.count() == 1


def test_sans_la_permission_ni_bouton_ni_post(client):
    client.force_login(_agent_sans_verification())
    evenement = _evenement()
    page = client.get(_url_fiche(evenement))
    assert page.status_code == 200
    assert "Marquer comme vérifié" not in page.content.decode()
    assert "marquer_verifies" not in client.get(URL_LISTE).content.decode()
    assert client.post(_url_verifier(evenement)).status_code == 403
    reponse = client.post(URL_LISTE, {"action": "marquer_verifies", "_selected_action": [evenement.pk]})
    evenement.refresh_from_db()
    assert evenement.verifie_le is None and not Audit.objects.exists()
    assert reponse.status_code in (200, 302)


def test_get_sur_l_url_de_verification_refuse(client):
    client.force_login(f.agent_ccas())
    evenement = _evenement()
    assert client.get(_url_verifier(evenement)).status_code == 405
    evenement.refresh_from_db()
    assert evenement.verifie_le is None


def test_action_de_liste_marque_les_signales_non_verifies_seulement(client):
    agent = f.agent_ccas()
    client.force_login(agent)
    a, b = _evenement(1), _evenement(2)
    non_signale = _evenement(3, signale=False)
    deja = _evenement(4, verifie_le=a.date_reception, verifie_par=f.agent_ccas())
    assert _a_traiter(client) == 2
    reponse = client.post(
        URL_LISTE,
        {"action": "marquer_verifies", "_selected_action": [a.pk, b.pk, non_signale.pk, deja.pk]},
        follow=True,
    )
    assert "2 paiement(s) marqué(s) vérifié(s). 2 ignoré(s)" in reponse.content.decode()
    assert _a_traiter(client) == 0
    assert set(EvenementPaiement.objects.filter(verifie_par=agent).values_list("pk", flat=True)) == {
        a.pk,
        b.pk,
    }
    assert Audit.objects.count() == 2


def test_le_groupe_ccas_a_la_permission_de_verifier():
    assert f.agent_ccas().has_perm("facturation.verifier_evenementpaiement")
