"""Notifications par courriel et SMS (issue 21) : canaux, choix de chaque compte, heures calmes,
prestataire SMS (faux serveur HTTP local), nouveaux essais, résumé, aucun contenu personnel."""

import datetime
import html
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.tasks import default_task_backend
from django.template.loader import render_to_string
from django.urls import reverse

from familles import selectors
from familles.models import PreferenceNotification, Responsable
from messagerie import notifications
from messagerie.models import Notification
from messagerie.sms import BrevoSMS, ConsoleSMS, EchecSMS, mobile_e164
from tests.factories import EnfantFactory, UtilisateurFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
Type = PreferenceNotification.Type


def _titulaire(famille, **valeurs) -> Responsable:
    Responsable.objects.filter(famille=famille, role="principal").update(**valeurs)
    return Responsable.objects.get(famille=famille, role="principal")


@pytest.fixture
def sms_ok(parent):
    return _titulaire(parent.famille, autorisation_sms=True, telephone_mobile="06 12 34 56 78")


def _notifier(famille, type_=Type.MESSAGE, **kwargs):
    return notifications.notifier(familles=[famille.pk], type_=type_, lien="/messagerie/", **kwargs)


# --- Numéros -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numero", "attendu"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.81.23.45.67", "+33781234567"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("02 37 12 34 56", None),  # fixe
        ("09 70 12 34 56", None),  # box internet
        ("06 12", None),
        ("", None),
        ("+44 7700 900123", None),  # mobile étranger
        ("n'importe quoi", None),
    ],
)
def test_seuls_les_mobiles_francais_sont_retenus(numero, attendu):
    assert mobile_e164(numero) == attendu


# --- Canaux et choix ------------------------------------------------------------------------


def test_sms_et_courriel_quand_la_famille_les_autorise(parent, sms_ok, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notifier(parent.famille)
    assert len(mail.outbox) == 1
    assert ConsoleSMS.envoyes == [
        (
            "+33612345678",
            "Un nouveau message vous attend sur le Portail Famille. "
            + django_settings.PORTAIL_URL.rstrip("/")
            + "/messagerie/",
        )
    ]
    canaux = dict(Notification.objects.values_list("canal", "statut"))
    assert canaux == {"courriel": "envoyee", "sms": "envoyee"}


def test_pas_de_sms_sans_autorisation(parent, django_capture_on_commit_callbacks):
    _titulaire(parent.famille, autorisation_sms=False, telephone_mobile="0612345678")
    with django_capture_on_commit_callbacks(execute=True):
        _notifier(parent.famille, Type.FERMETURE)
    assert ConsoleSMS.envoyes == [] and len(mail.outbox) == 1


def test_pas_de_sms_vers_un_fixe(parent, django_capture_on_commit_callbacks):
    _titulaire(parent.famille, autorisation_sms=True, telephone_mobile="02 37 12 34 56")
    with django_capture_on_commit_callbacks(execute=True):
        _notifier(parent.famille, Type.FERMETURE)
    assert ConsoleSMS.envoyes == [] and not Notification.objects.filter(canal="sms").exists()


def test_autorisation_retiree_entre_la_creation_et_l_envoi(parent, sms_ok, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    [courriel, texto] = sorted(_notifier(parent.famille))
    Responsable.objects.filter(famille=parent.famille).update(autorisation_sms=False)
    assert notifications.notification_envoyer(notification_id=texto) is True
    assert Notification.objects.get(pk=texto).statut == "sans_objet" and ConsoleSMS.envoyes == []


def test_les_choix_sont_respectes_par_sorte_et_par_canal(parent, sms_ok, django_capture_on_commit_callbacks):
    PreferenceNotification.objects.create(utilisateur=parent, type=Type.MESSAGE, canal="sms", active=False)
    PreferenceNotification.objects.create(
        utilisateur=parent, type=Type.FACTURE, canal="courriel", active=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        _notifier(parent.famille, Type.MESSAGE)
        _notifier(parent.famille, Type.FACTURE)
    envoyes = set(Notification.objects.values_list("type", "canal"))
    assert envoyes == {("message", "courriel"), ("facture", "sms")}


def test_confirmations_desactivees_par_defaut_fermeture_toujours(
    parent, sms_ok, django_capture_on_commit_callbacks
):
    for canal in ("courriel", "sms"):
        PreferenceNotification.objects.create(
            utilisateur=parent, type=Type.FERMETURE, canal=canal, active=False
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert _notifier(parent.famille, Type.CONFIRMATION) == []
        assert len(_notifier(parent.famille, Type.FERMETURE)) == 2


def test_chaque_compte_a_ses_choix_et_une_adresse_ne_recoit_qu_un_exemplaire(parent, sms_ok):
    second = UtilisateurFactory(famille=parent.famille, email="second@example.org")
    _titulaire(parent.famille, email="")
    PreferenceNotification.objects.create(
        utilisateur=parent, type=Type.FACTURE, canal="courriel", active=False
    )
    cibles = notifications.destinataires(familles=[parent.famille.pk], type_=Type.FACTURE)
    courriels = {(d.utilisateur_id, d.adresse) for d in cibles if d.canal == "courriel"}
    assert courriels == {(second.pk, "second@example.org")}
    # Le même mobile (celui du titulaire) pour les deux comptes : un seul SMS.
    assert [d.adresse for d in cibles if d.canal == "sms"] == ["+33612345678"]


# --- Heures calmes --------------------------------------------------------------------------


@pytest.fixture
def heures_calmes(settings):
    settings.RAPPELS_SMS_HEURE_DEBUT, settings.RAPPELS_SMS_HEURE_FIN = 8, 20


def test_fin_des_heures_calmes(heures_calmes):
    soir = datetime.datetime(2026, 12, 2, 21, 30, tzinfo=PARIS)
    nuit = datetime.datetime(2026, 12, 3, 6, 0, tzinfo=PARIS)
    jour = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=PARIS)
    huit_heures = datetime.datetime(2026, 12, 3, 8, 0, tzinfo=PARIS)
    assert notifications.fin_heures_calmes(soir) == huit_heures
    assert notifications.fin_heures_calmes(nuit) == huit_heures
    assert notifications.fin_heures_calmes(jour) is None
    assert notifications.fin_heures_calmes(datetime.datetime(2026, 12, 3, 20, 0, tzinfo=PARIS)) is not None


def test_un_sms_du_soir_attend_le_matin_sans_etre_perdu(
    parent, sms_ok, heures_calmes, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    horloge = {"maintenant": datetime.datetime(2026, 12, 2, 22, 15, tzinfo=PARIS)}
    monkeypatch.setattr(timezone, "now", lambda: horloge["maintenant"])
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _notifier(parent.famille)
    texto = Notification.objects.get(canal="sms")
    assert texto.envoyer_apres == datetime.datetime(2026, 12, 3, 8, 0, tzinfo=PARIS)
    # La tâche du SMS part après la fin des heures calmes ; exécutée trop tôt, elle se remet à plus tard.
    taches = {tuple(r.kwargs["notification_ids"]): r for r in default_task_backend.results}
    assert taches[(texto.pk,)].task.run_after == texto.envoyer_apres
    assert notifications.notification_envoyer(notification_id=texto.pk) is True
    assert ConsoleSMS.envoyes == [] and Notification.objects.get(pk=texto.pk).statut == "attente"
    horloge["maintenant"] = datetime.datetime(2026, 12, 3, 8, 1, tzinfo=PARIS)
    assert notifications.notification_envoyer(notification_id=texto.pk) is True
    assert len(ConsoleSMS.envoyes) == 1


# --- Le prestataire réel (Brevo), parlé par un faux serveur local ------------------------------


class _FauxBrevo(BaseHTTPRequestHandler):
    reponses: list[int] = []
    recues: list[dict] = []

    def do_POST(self):  # noqa: N802 — nom imposé par http.server
        corps = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FauxBrevo.recues.append({"chemin": self.path, "cle": self.headers["api-key"], **corps})
        code = _FauxBrevo.reponses.pop(0) if _FauxBrevo.reponses else 201
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"messageId": 1511882900176220}' if code == 201 else b'{"code": "error"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def faux_brevo(settings):
    serveur = HTTPServer(("127.0.0.1", 0), _FauxBrevo)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    _FauxBrevo.reponses, _FauxBrevo.recues = [], []
    settings.SMS_BACKEND = "messagerie.sms.BrevoSMS"
    settings.BREVO_API_URL = f"http://127.0.0.1:{serveur.server_port}/v3"
    settings.BREVO_API_CLE = "cle-de-test"
    settings.SMS_EXPEDITEUR = "CCASLeves"
    yield _FauxBrevo
    serveur.shutdown()
    serveur.server_close()


def test_brevo_recoit_le_sms_au_format_documente(faux_brevo):
    assert BrevoSMS().envoyer(numero="+33612345678", texte="Bonjour") == "1511882900176220"
    assert faux_brevo.recues == [
        {
            "chemin": "/v3/transactionalSMS/send",
            "cle": "cle-de-test",
            "sender": "CCASLeves",
            "recipient": "33612345678",
            "content": "Bonjour",
            "type": "transactional",
        }
    ]


def test_brevo_en_erreur_leve_echec(faux_brevo, settings):
    faux_brevo.reponses = [500]
    with pytest.raises(EchecSMS):
        BrevoSMS().envoyer(numero="+33612345678", texte="Bonjour")
    settings.BREVO_API_URL = "http://127.0.0.1:9/v3"  # personne n'écoute
    with pytest.raises(EchecSMS):
        BrevoSMS().envoyer(numero="+33612345678", texte="Bonjour")


def test_un_echec_du_prestataire_est_retente_avec_un_delai_croissant_sans_bloquer(
    parent, sms_ok, faux_brevo, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    faux_brevo.reponses = [503, 503]
    PreferenceNotification.objects.create(
        utilisateur=parent, type=Type.MESSAGE, canal="courriel", active=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        _notifier(parent.famille)
    # Rien n'est parti pendant la « requête » : la tâche attend le worker.
    assert faux_brevo.recues == []
    [lot] = default_task_backend.results
    default_task_backend.clear()
    assert lot.task.call(**lot.kwargs) is False
    texto = Notification.objects.get()
    assert texto.statut == "echec" and texto.tentatives == 1 and "503" in texto.derniere_erreur
    delais = []
    while default_task_backend.results:
        relance = default_task_backend.results.pop(0)
        delais.append(relance.task.run_after)
        relance.task.call(**relance.kwargs)
    texto.refresh_from_db()
    assert texto.statut == "envoyee" and texto.tentatives == 3 and len(faux_brevo.recues) == 3
    assert delais[0] < delais[1]  # 60 s puis 120 s


# --- Résumé ---------------------------------------------------------------------------------


def test_au_dela_du_seuil_dans_l_heure_un_seul_resume(parent, settings, django_capture_on_commit_callbacks):
    settings.RAPPELS_RESUME_SEUIL = 3
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(6):
            _notifier(parent.famille)
    assert len(mail.outbox) == 3
    statuts = list(Notification.objects.filter(resume=False).values_list("statut", flat=True))
    assert sorted(statuts) == ["envoyee"] * 3 + ["regroupee"] * 3
    [resume] = Notification.objects.filter(resume=True)
    assert resume.statut == "attente" and resume.envoyer_apres is not None
    # À la fin de l'heure, le résumé part une fois.
    resume.envoyer_apres = resume.date_creation
    resume.save()
    notifications.notification_envoyer(notification_id=resume.pk)
    assert mail.outbox[-1].subject == notifications.SUJET_RESUME and len(mail.outbox) == 4


# --- Aucune donnée personnelle dans les textes ------------------------------------------------

GABARITS = Path(django_settings.BASE_DIR) / "templates" / "messagerie" / "notifications"


def test_aucun_gabarit_de_notification_ne_porte_de_donnee_personnelle(parent):
    """Chaque gabarit, rendu avec un contexte piégé (nom d'enfant, montant, adresse) : rien
    n'en sort ; et ses seules variables sont la phrase, le lien et le nom du CCAS."""
    import re

    enfant = EnfantFactory(famille=parent.famille, prenom="ZÉPHYRINE")
    pieges = {
        "enfant": enfant,
        "prenom": enfant.prenom,
        "montant": "120,60 €",
        "email": "parent@example.org",
        "famille": parent.famille,
    }
    fichiers = sorted(GABARITS.glob("*"))
    assert {f.name for f in fichiers} >= {"courriel.txt", "sms.txt"}
    for fichier in fichiers:
        source = fichier.read_text()
        variables = set(re.findall(r"{{\s*([\w.]+)", source))
        assert variables <= {"phrase", "lien", "nom_ccas"}, fichier.name
        texte = render_to_string(
            f"messagerie/notifications/{fichier.name}",
            {**pieges, "phrase": "P", "lien": "L", "nom_ccas": "C"},
        )
        for secret in ("ZÉPHYRINE", "120,60", "€", "@", parent.famille.numero):
            assert secret not in texte, (fichier.name, secret)


def test_aucune_phrase_ni_objet_ne_porte_de_donnee_personnelle(parent):
    """Les textes de chaque sorte (courriel et SMS, résumé compris) : ni nom, ni montant, ni adresse."""
    import re

    enfant = EnfantFactory(famille=parent.famille, prenom="ZÉPHYRINE")
    for type_ in Type.values:
        for resume in (False, True):
            notification = Notification(famille=parent.famille, type=type_, lien="/", resume=resume)
            for texte in notifications.textes(notification):
                assert enfant.prenom not in texte and enfant.nom not in texte
                assert not re.search(r"\d+,\d\d|€|@", texte), (type_, texte)
                assert parent.famille.numero not in texte


def test_les_textes_des_appelants_sont_dans_le_gabarit(parent):
    notification = Notification(
        famille=parent.famille, type=Type.DECISION, lien="/demandes/", sujet="Objet", phrase="Phrase."
    )
    sujet, corps, texto = notifications.textes(notification)
    assert sujet == "Objet" and "Phrase." in corps and "/demandes/" in corps
    # Le SMS ne reprend jamais la phrase de l'appelant : la sorte seulement.
    assert "Phrase." not in texto and notifications.PHRASES[Type.DECISION] in texto


# --- Mes notifications ------------------------------------------------------------------------


def test_la_page_montre_les_choix_et_les_autorisations(client_parent, parent):
    page = client_parent.get(reverse("familles:notifications")).content.decode()
    assert "Mes notifications" in page and "Fermeture exceptionnelle" in page
    assert 'name="confirmation__courriel"' in page and 'name="confirmation__courriel" id' in page
    assert 'name="message__courriel" id="id_message__courriel" checked' in page
    assert 'name="confirmation__courriel" id="id_confirmation__courriel">' in page  # décochée
    assert 'name="fermeture__courriel" id="id_fermeture__courriel" checked disabled' in page
    assert "SMS : non autorisés" in page


def test_enregistrer_ses_choix_est_immediat_et_garde_la_fermeture(client_parent, parent, sms_ok):
    reponse = client_parent.post(
        reverse("familles:notifications"), {"message__sms": "on", "confirmation__courriel": "on"}
    )
    assert reponse.status_code == 302
    choix = dict(
        ((t, c), a)
        for t, c, a in PreferenceNotification.objects.filter(utilisateur=parent).values_list(
            "type", "canal", "active"
        )
    )
    assert choix[("message", "sms")] and not choix[("message", "courriel")]
    assert choix[("confirmation", "courriel")]
    assert choix[("fermeture", "courriel")] and choix[("fermeture", "sms")]  # case désactivée
    # Aucune demande modérée : le choix vaut tout de suite.
    from demandes.models import Demande

    assert not Demande.objects.exists()
    cibles = notifications.destinataires(familles=[parent.famille.pk], type_=Type.MESSAGE)
    assert [(d.canal, d.adresse) for d in cibles] == [("sms", "+33612345678")]


# Les cases SMS ne sont disponibles que si le compte peut en recevoir : famille qui autorise les
# SMS et mobile français valide (la règle de l'envoi, familles.validators.mobile_e164).
CASES_SMS = [f"{t}__sms" for t in Type.values]


@pytest.mark.parametrize(
    ("autorisation", "mobile", "message"),
    [
        (False, "06 12 34 56 78", selectors.SMS_NON_AUTORISES),
        (True, "", selectors.SMS_SANS_MOBILE),
        (True, "02 37 12 34 56", selectors.SMS_SANS_MOBILE),  # un fixe ne reçoit pas de SMS
        (False, "", selectors.SMS_NI_AUTORISES_NI_MOBILE),
    ],
    ids=["non-autorises", "sans-mobile", "fixe", "ni-l-un-ni-l-autre"],
)
def test_sms_impossible_cases_desactivees_decochees_et_expliquees(
    client_parent, parent, autorisation, mobile, message
):
    _titulaire(parent.famille, autorisation_sms=autorisation, telephone_mobile=mobile)
    PreferenceNotification.objects.create(utilisateur=parent, type=Type.MESSAGE, canal="sms", active=True)
    reponse = client_parent.get(reverse("familles:notifications"))
    form = reponse.context["form"]
    assert form.sms_empechement == message
    assert all(form.fields[nom].disabled and form[nom].value() is False for nom in CASES_SMS)
    page = reponse.content.decode()
    assert f'<p class="alert alert-info" id="sms-indisponibles">{html.escape(message)} ' in page
    for nom in CASES_SMS:
        assert f'name="{nom}" id="id_{nom}" disabled aria-describedby="sms-indisponibles">' in page
    # Les cases courriel restent disponibles et sans renvoi vers l'explication.
    assert 'name="message__courriel" id="id_message__courriel" checked>' in page


def test_sms_possible_cases_disponibles_sans_explication(client_parent, parent, sms_ok):
    reponse = client_parent.get(reverse("familles:notifications"))
    page = reponse.content.decode()
    assert reponse.context["form"].sms_empechement == ""
    assert 'id="sms-indisponibles"' not in page and "aria-describedby" not in page
    assert 'name="message__sms" id="id_message__sms" checked>' in page
    assert 'name="fermeture__sms" id="id_fermeture__sms" checked disabled>' in page
    assert "SMS : autorisés (mobile uniquement" in page and "aucun numéro de portable" not in page


def test_sms_autorises_sans_mobile_le_dit_dans_les_autorisations(client_parent, parent):
    _titulaire(parent.famille, autorisation_sms=True, telephone_mobile="")
    page = client_parent.get(reverse("familles:notifications")).content.decode()
    assert (
        "SMS : autorisés (mobile uniquement, jamais entre 20 h et 8 h), mais aucun numéro de portable" in page
    )


@pytest.mark.parametrize("autorisation, mobile", [(False, "06 12 34 56 78"), (True, "")])
def test_sms_impossible_un_envoi_forge_coche_sms_est_ignore(client_parent, parent, autorisation, mobile):
    """Un POST qui coche les SMS alors que le compte ne peut pas en recevoir : rien d'écrit pour
    les SMS (ni actif ni inactif), les choix courriel enregistrés comme d'habitude."""
    _titulaire(parent.famille, autorisation_sms=autorisation, telephone_mobile=mobile)
    donnees = {nom: "on" for nom in CASES_SMS} | {"confirmation__courriel": "on"}
    reponse = client_parent.post(reverse("familles:notifications"), donnees)
    assert reponse.status_code == 302
    enregistres = set(
        PreferenceNotification.objects.filter(utilisateur=parent).values_list("type", "canal", "active")
    )
    assert {c for _t, c, _a in enregistres} == {"courriel"}
    assert ("confirmation", "courriel", True) in enregistres and ("message", "courriel", False) in enregistres


def test_service_n_ecrit_pas_de_choix_sms_impossible(parent):
    """La règle tient au service aussi (pas seulement au formulaire)."""
    from familles import services

    actives = {(t, c) for t in Type.values for c in ("courriel", "sms")}
    assert services.preferences_notification_enregistrer(utilisateur=parent, actives=actives) == len(
        Type.values
    )
    assert not PreferenceNotification.objects.filter(utilisateur=parent, canal="sms").exists()
    _titulaire(parent.famille, autorisation_sms=True, telephone_mobile="07 81 23 45 67")
    assert services.preferences_notification_enregistrer(utilisateur=parent, actives=actives) == 2 * len(
        Type.values
    )
    assert PreferenceNotification.objects.filter(utilisateur=parent, canal="sms", active=True).count() == len(
        Type.values
    )


def test_sms_empechement_suit_le_responsable_du_compte(client, parent):
    """Le conjoint qui a son propre compte : ses autorisations et son mobile, pas ceux du titulaire."""
    from tests.factories import ResponsableFactory

    _titulaire(parent.famille, autorisation_sms=True, telephone_mobile="06 12 34 56 78")
    conjoint = ResponsableFactory(
        famille=parent.famille, role="conjoint", autorisation_sms=True, telephone_mobile=""
    )
    compte = UtilisateurFactory(famille=parent.famille, responsable=conjoint)
    client.force_login(compte)
    assert client.get(reverse("familles:notifications")).context["form"].sms_empechement == (
        selectors.SMS_SANS_MOBILE
    )
    client.force_login(parent)
    assert client.get(reverse("familles:notifications")).context["form"].sms_empechement == ""


def test_les_choix_d_un_compte_ne_touchent_pas_un_autre_compte(client_parent, parent):
    second = UtilisateurFactory(famille=parent.famille)
    client_parent.post(reverse("familles:notifications"), {})
    assert not PreferenceNotification.objects.filter(utilisateur=second).exists()
    assert PreferenceNotification.choix({}, Type.MESSAGE, "courriel") is True


# --- Confirmation de chaque réservation ou absence --------------------------------------------


def _inscription_du_parent(parent):
    from tests.factories import ActiviteFactory, InscriptionFactory

    activite = ActiviteFactory(jours_ouverture="2", periode="scolaire", capacite=5)
    return InscriptionFactory(
        enfant=EnfantFactory(famille=parent.famille),
        activite=activite,
        date_debut=datetime.date(2014, 9, 1),
        date_fin=datetime.date(2015, 7, 3),
    )


AVANT = datetime.datetime(2015, 4, 1, 10, tzinfo=PARIS)
MERCREDIS = [datetime.date(2015, 4, 15), datetime.date(2015, 4, 22), datetime.date(2015, 5, 13)]


def test_pas_de_confirmation_par_defaut(parent, django_capture_on_commit_callbacks):
    from enfants import services as enfants_services

    inscription = _inscription_du_parent(parent)
    with django_capture_on_commit_callbacks(execute=True):
        enfants_services.reservations_jours_demander(
            inscription=inscription, jours=MERCREDIS, maintenant=AVANT
        )
    assert inscription.reservations.count() == 3
    assert not Notification.objects.filter(type="confirmation").exists() and mail.outbox == []


def test_une_reservation_de_plusieurs_jours_une_seule_confirmation_si_cochee(
    parent, django_capture_on_commit_callbacks
):
    from enfants import services as enfants_services

    inscription = _inscription_du_parent(parent)
    PreferenceNotification.objects.create(
        utilisateur=parent, type=Type.CONFIRMATION, canal="courriel", active=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        resultat = enfants_services.reservations_jours_demander(
            inscription=inscription, jours=MERCREDIS, maintenant=AVANT
        )
    assert len(resultat.reservations) == 3
    assert Notification.objects.filter(type="confirmation").count() == 1
    assert [c.subject for c in mail.outbox] == [notifications.SUJETS[Type.CONFIRMATION]]


def test_l_anonymisation_efface_les_choix_des_comptes(parent):
    from familles.services import familles_famille_anonymiser

    PreferenceNotification.objects.create(utilisateur=parent, type=Type.MESSAGE, canal="sms", active=False)
    familles_famille_anonymiser(famille=parent.famille)
    assert not PreferenceNotification.objects.exists()


def test_un_compte_par_parent_chacun_ses_coordonnees_ses_autorisations_et_ses_choix(parent):
    """Issue 22 (un compte par responsable) : chaque compte est joint à son propre responsable."""
    from tests.factories import ResponsableFactory

    titulaire = _titulaire(parent.famille, email="titulaire@example.org", autorisation_sms=False)
    parent.responsable = titulaire
    parent.save()
    conjoint = ResponsableFactory(
        famille=parent.famille,
        role="conjoint",
        email="conjoint@example.org",
        telephone_mobile="07 81 23 45 67",
        autorisation_sms=True,
        autorisation_courriel=False,
    )
    second = UtilisateurFactory(famille=parent.famille, email="", responsable=conjoint)
    PreferenceNotification.objects.create(
        utilisateur=parent, type=Type.FACTURE, canal="courriel", active=False
    )
    cibles = {
        (d.utilisateur_id, d.canal, d.adresse)
        for d in notifications.destinataires(familles=[parent.famille.pk], type_=Type.FACTURE)
    }
    assert cibles == {(second.pk, "sms", "+33781234567")}
    cibles = {
        (d.utilisateur_id, d.canal, d.adresse)
        for d in notifications.destinataires(familles=[parent.famille.pk], type_=Type.MESSAGE)
    }
    assert cibles == {(parent.pk, "courriel", "titulaire@example.org"), (second.pk, "sms", "+33781234567")}


def test_la_page_montre_les_autorisations_du_responsable_du_compte(client, parent):
    from tests.factories import ResponsableFactory

    conjoint = ResponsableFactory(famille=parent.famille, role="conjoint", autorisation_sms=True)
    compte = UtilisateurFactory(famille=parent.famille, responsable=conjoint)
    client.force_login(compte)
    page = client.get(reverse("familles:notifications")).content.decode()
    assert "SMS : autorisés" in page


def test_a_l_envoi_l_autorisation_relue_est_celle_du_responsable_du_compte(parent, settings):
    from tests.factories import ResponsableFactory

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    _titulaire(parent.famille, autorisation_sms=True, telephone_mobile="0612345678")
    conjoint = ResponsableFactory(
        famille=parent.famille, role="conjoint", telephone_mobile="0781234567", autorisation_sms=True
    )
    second = UtilisateurFactory(famille=parent.famille, responsable=conjoint)
    ids = _notifier(parent.famille, Type.FERMETURE)
    texto = Notification.objects.get(pk__in=ids, utilisateur=second, canal="sms")
    Responsable.objects.filter(pk=conjoint.pk).update(autorisation_sms=False)
    for pk in ids:
        notifications.notification_envoyer(notification_id=pk)
    texto.refresh_from_db()
    assert texto.statut == "sans_objet"
    # Le titulaire, lui, a toujours son SMS.
    assert [numero for numero, _ in ConsoleSMS.envoyes] == ["+33612345678"]
