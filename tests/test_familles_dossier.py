"""Dossier annuel : pièces justificatives et consentements (sélecteurs et services de familles)."""

import datetime
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commun.models import Audit
from familles import selectors, services
from familles.a_faire import elements_a_faire
from familles.models import Consentement, PieceJustificative
from tests import factories

pytestmark = pytest.mark.django_db

AUJOURDHUI = timezone.localdate


def pdf(nom="attestation.pdf"):
    return SimpleUploadedFile(nom, factories.CONTENU_PDF, content_type="application/pdf")


def test_etat_de_chaque_piece_demandee(parent):
    famille = parent.famille
    caf = factories.TypePieceFactory(nom="Attestation CAF")
    assurance = factories.TypePieceFactory(nom="Assurance")
    vaccins = factories.TypePieceFactory(nom="Vaccinations", concerne="enfant", sanitaire=True)
    factories.TypePieceFactory(nom="Ancien", actif=False)
    factories.TypePieceFactory(nom="Jugement", concerne="enfant", condition="parents_separes")
    pai = factories.TypePieceFactory(nom="PAI", concerne="enfant", condition="pai")
    lea = factories.EnfantFactory(famille=famille, prenom="Léa")
    factories.DonneesSanitairesFactory(enfant=lea, pai=True, pai_protocole="Allergie")
    factories.piece_deposee(famille=famille, type_piece=caf, statut="refusee", motif="Illisible")
    factories.piece_deposee(
        famille=famille,
        type_piece=assurance,
        statut="validee",
        valide_jusqu_au=AUJOURDHUI() + datetime.timedelta(days=10),
    )
    factories.piece_deposee(famille=famille, type_piece=vaccins, enfant=lea)

    etats = {(e.type_piece.nom, e.enfant): e for e in selectors.pieces_etat(famille=famille)}
    assert set(etats) == {
        ("Attestation CAF", None),
        ("Assurance", None),
        ("Vaccinations", lea),
        ("PAI", lea),
    }  # ni le type inactif, ni le jugement (parents non séparés)
    assert etats["Attestation CAF", None].code == "refusee"
    assert etats["Assurance", None].code == "expire_bientot"
    assert etats["Vaccinations", lea].code == "en_verification"
    assert etats["PAI", lea].code == "a_fournir"
    manquantes = {
        (e.type_piece.nom, e.enfant and (e.enfant.pk, e.enfant.prenom))
        for e in selectors.pieces_manquantes(famille=famille)
    }
    assert manquantes == {("Attestation CAF", None), ("Assurance", None), ("PAI", (lea.pk, "Léa"))}
    assert pai.pk  # (type utilisé par la condition PAI)


def test_le_jugement_est_demande_quand_les_parents_sont_separes(parent):
    famille = parent.famille
    factories.TypePieceFactory(nom="Jugement", concerne="enfant", condition="parents_separes")
    enfant = factories.EnfantFactory(famille=famille)
    assert selectors.pieces_etat(famille=famille) == []
    famille.responsables.update(situation="divorce")
    [etat] = selectors.pieces_etat(famille=famille)
    assert etat.type_piece.nom == "Jugement" and etat.enfant == enfant


def test_piece_valide_le(parent):
    famille = parent.famille
    type_piece = factories.TypePieceFactory()
    fin = AUJOURDHUI() + datetime.timedelta(days=60)
    assert not selectors.piece_valide_le(famille=famille, type_piece=type_piece, jour=AUJOURDHUI())
    factories.piece_deposee(famille=famille, type_piece=type_piece, statut="validee", valide_jusqu_au=fin)
    assert selectors.piece_valide_le(famille=famille, type_piece=type_piece, jour=fin)
    assert not selectors.piece_valide_le(
        famille=famille, type_piece=type_piece, jour=fin + datetime.timedelta(days=1)
    )
    assert selectors.pieces_valides_le(famille=famille, jour=fin) == {(type_piece.pk, None)}
    autre = factories.famille_avec_parent().famille
    assert not selectors.piece_valide_le(famille=autre, type_piece=type_piece, jour=AUJOURDHUI())


def test_deposer_plusieurs_pages_remplace_un_refus_sans_perdre_l_historique(parent):
    famille = parent.famille
    type_piece = factories.TypePieceFactory()
    refusee = factories.piece_deposee(famille=famille, type_piece=type_piece, statut="refusee")
    piece = services.piece_deposer(
        famille=famille, type_piece=type_piece, fichiers=[pdf("p1.pdf"), pdf("p2.pdf")], auteur=parent
    )
    assert [f.nom for f in piece.fichiers.all()] == ["p1.pdf", "p2.pdf"]
    assert piece.statut == PieceJustificative.Statut.EN_ATTENTE
    refusee.refresh_from_db()
    assert refusee.statut == PieceJustificative.Statut.REFUSEE  # gardée
    # Un second dépôt avant vérification remplace le premier, qui reste dans l'historique.
    seconde = services.piece_deposer(famille=famille, type_piece=type_piece, fichiers=[pdf()], auteur=parent)
    piece.refresh_from_db()
    assert piece.statut == PieceJustificative.Statut.REMPLACEE
    assert PieceJustificative.objects.filter(famille=famille).count() == 3
    assert selectors.pieces_etat(famille=famille)[0].en_cours == seconde
    assert Audit.objects.filter(action="Pièce justificative déposée", famille=famille).count() == 2


def test_une_piece_validee_pour_longtemps_ne_se_remplace_pas(parent):
    famille = parent.famille
    type_piece = factories.TypePieceFactory()
    factories.piece_deposee(famille=famille, type_piece=type_piece, statut="validee")
    with pytest.raises(services.DossierErreur, match="validée jusqu'au"):
        services.piece_deposer(famille=famille, type_piece=type_piece, fichiers=[pdf()], auteur=parent)
    assert PieceJustificative.objects.filter(famille=famille).count() == 1


def test_un_executable_renomme_est_refuse(parent):
    type_piece = factories.TypePieceFactory()
    faux = SimpleUploadedFile("attestation.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)
    with pytest.raises(ValidationError, match="n'est pas un fichier PDF, JPEG ou PNG"):
        services.piece_deposer(famille=parent.famille, type_piece=type_piece, fichiers=[faux], auteur=parent)
    assert not PieceJustificative.objects.exists()


def test_trop_de_fichiers_ou_trop_gros(parent, settings):
    type_piece = factories.TypePieceFactory()
    settings.PIECES_FICHIERS_NOMBRE_MAX = 2
    with pytest.raises(ValidationError, match="2 fichiers au plus"):
        services.piece_deposer(
            famille=parent.famille, type_piece=type_piece, fichiers=[pdf(), pdf(), pdf()], auteur=parent
        )
    settings.PIECES_FICHIER_TAILLE_MAX = 10
    with pytest.raises(ValidationError, match="trop volumineux"):
        services.piece_deposer(famille=parent.famille, type_piece=type_piece, fichiers=[pdf()], auteur=parent)
    assert not PieceJustificative.objects.exists()


def test_on_ne_depose_pas_pour_l_enfant_d_une_autre_famille(parent, autre_parent):
    type_piece = factories.TypePieceFactory(concerne="enfant")
    enfant = factories.EnfantFactory(famille=autre_parent.famille)
    with pytest.raises(services.DossierErreur):
        services.piece_deposer(
            famille=parent.famille, type_piece=type_piece, fichiers=[pdf()], auteur=parent, enfant=enfant
        )
    # Ni une pièce d'enfant pour la famille, ni une pièce de famille pour un enfant.
    with pytest.raises(services.DossierErreur, match="pas demandée"):
        services.piece_deposer(famille=parent.famille, type_piece=type_piece, fichiers=[pdf()], auteur=parent)
    assert not PieceJustificative.objects.exists()


def test_valider_et_refuser_tracent_l_audit(parent, agent):
    piece = factories.piece_deposee(famille=parent.famille)
    fin = AUJOURDHUI() + datetime.timedelta(days=365)
    with pytest.raises(services.DossierErreur, match="aujourd'hui ou plus tard"):
        services.piece_valider(piece=piece, agent=agent, valide_jusqu_au=AUJOURDHUI() - datetime.timedelta(1))
    services.piece_valider(piece=piece, agent=agent, valide_jusqu_au=fin)
    piece.refresh_from_db()
    assert piece.statut == "validee" and piece.valide_jusqu_au == fin and piece.decidee_par == agent
    trace = Audit.objects.get(action="Pièce justificative validée")
    assert trace.auteur == agent and trace.famille == parent.famille
    with pytest.raises(services.DossierErreur, match="déjà été vérifiée"):
        services.piece_refuser(piece=piece, agent=agent, motif="Trop tard")

    autre = factories.piece_deposee(famille=parent.famille)
    with pytest.raises(services.DossierErreur, match="motif"):
        services.piece_refuser(piece=autre, agent=agent, motif="  ")
    with pytest.raises(services.DossierErreur, match="301 caractères"):
        services.piece_refuser(piece=autre, agent=agent, motif="x" * 301)
    autre.refresh_from_db()
    assert autre.statut == "en_attente"
    services.piece_refuser(piece=autre, agent=agent, motif="Document illisible")
    assert Audit.objects.get(action="Pièce justificative refusée : Document illisible").auteur == agent


def test_une_piece_de_sante_demande_la_permission_sanitaire(parent, agent):
    vaccins = factories.TypePieceFactory(nom="Vaccinations", concerne="enfant", sanitaire=True)
    enfant = factories.EnfantFactory(famille=parent.famille)
    piece = factories.piece_deposee(famille=parent.famille, type_piece=vaccins, enfant=enfant)
    with pytest.raises(PermissionDenied):
        services.piece_valider(piece=piece, agent=agent, valide_jusqu_au=AUJOURDHUI())
    services.piece_valider(piece=piece, agent=factories.agent_sante(), valide_jusqu_au=AUJOURDHUI())


def test_un_consentement_de_la_version_1_est_redemande_pour_la_version_2(parent, agent):
    famille = parent.famille
    texte = factories.TexteConsentementFactory(titre="Règlement intérieur")
    v1 = services.texte_version_publier(
        texte=texte, contenu="Version 1", en_vigueur_le=AUJOURDHUI(), agent=agent
    )
    assert [e.texte for e in selectors.consentements_a_donner(famille=famille)] == [texte]
    services.consentement_donner(famille=famille, version=v1, accepte=True, utilisateur=parent)
    assert selectors.consentements_a_donner(famille=famille) == []
    assert selectors.consentement_accepte(famille=famille, texte=texte)
    # Une version publiée pour plus tard n'est pas encore demandée.
    demain = AUJOURDHUI() + datetime.timedelta(days=1)
    v2 = services.texte_version_publier(texte=texte, contenu="Version 2", en_vigueur_le=demain, agent=agent)
    assert v2.numero == 2
    assert selectors.consentements_a_donner(famille=famille) == []
    [etat] = selectors.consentements_a_donner(famille=famille, jour=demain)
    assert etat.version == v2 and etat.reponse_precedente.version == v1
    assert not selectors.consentement_accepte(famille=famille, texte=texte, jour=demain)
    # Répondre à la version 1 une fois une version plus récente en vigueur : refusé.
    v3 = services.texte_version_publier(
        texte=texte, contenu="Version 3", en_vigueur_le=AUJOURDHUI(), agent=agent
    )
    assert [e.version for e in selectors.consentements_a_donner(famille=famille)] == [v3]
    with pytest.raises(services.DossierErreur, match="nouvelle version"):
        services.consentement_donner(famille=famille, version=v1, accepte=True, utilisateur=parent)
    consentement = Consentement.objects.get(famille=famille)
    assert consentement.version == v1 and consentement.utilisateur == parent
    assert parent.username in consentement.signataire
    assert Audit.objects.filter(action="Version 2 publiée", auteur=agent).exists()


def test_un_reglement_ne_se_refuse_pas_un_droit_a_l_image_si(parent):
    famille = parent.famille
    reglement = factories.VersionTexteFactory(texte__type="reglement")
    image = factories.VersionTexteFactory(texte__type="droit_image", texte__refus_possible=True)
    with pytest.raises(services.DossierErreur, match="s'accepte"):
        services.consentement_donner(famille=famille, version=reglement, accepte=False, utilisateur=parent)
    services.consentement_donner(famille=famille, version=image, accepte=False, utilisateur=parent)
    assert [e.texte for e in selectors.consentements_a_donner(famille=famille)] == [reglement.texte]
    assert not selectors.consentement_accepte(famille=famille, texte=image.texte)
    # Revenir sur sa réponse : une nouvelle réponse, l'ancienne est gardée.
    services.consentement_donner(famille=famille, version=image, accepte=True, utilisateur=parent)
    assert selectors.consentement_accepte(famille=famille, texte=image.texte)
    assert Consentement.objects.filter(famille=famille, version=image).count() == 2


def test_le_reglement_d_une_structure_est_demande_aux_familles_inscrites(parent):
    famille = parent.famille
    inscription = factories.InscriptionFactory(enfant=factories.EnfantFactory(famille=famille))
    version = factories.VersionTexteFactory(texte__structure=inscription.activite.structure)
    factories.VersionTexteFactory(texte__structure=factories.StructureFactory(nom="Crèche"))
    # Une inscription finie (du même enfant) ne demande plus le règlement ; deux enfants inscrits
    # à la même structure : une ligne.
    finie = factories.InscriptionFactory(
        enfant=inscription.enfant,
        date_debut=datetime.date(2020, 9, 1),
        date_fin=datetime.date(2021, 7, 5),
    )
    factories.VersionTexteFactory(texte__structure=finie.activite.structure)
    factories.InscriptionFactory(
        enfant=factories.EnfantFactory(famille=famille), activite=inscription.activite
    )
    assert [e.version for e in selectors.consentements_etat(famille=famille)] == [version]
    autre = factories.famille_avec_parent().famille
    assert selectors.consentements_etat(famille=autre) == []


def _remplir(famille, n):
    for i in range(n):
        enfant = factories.EnfantFactory(famille=famille)
        type_famille = factories.TypePieceFactory(nom=f"Famille {i}")
        type_enfant = factories.TypePieceFactory(nom=f"Enfant {i}", concerne="enfant")
        factories.piece_deposee(famille=famille, type_piece=type_famille, statut="refusee")
        factories.piece_deposee(famille=famille, type_piece=type_enfant, enfant=enfant, statut="validee")
        factories.VersionTexteFactory()


def test_le_bloc_a_faire_a_un_nombre_de_requetes_constant(parent):
    famille = parent.famille
    # Le titulaire est lu avec le compte à la connexion (familles.backends) : ici aussi, d'avance
    # (les campagnes ouvertes en dépendent : habitant de la commune ou non).
    assert famille.responsable_principal is not None
    _remplir(famille, 1)
    with CaptureQueriesContext(connection) as un:
        petits = elements_a_faire(famille=famille)
    _remplir(famille, 15)
    with CaptureQueriesContext(connection) as beaucoup:
        grands = elements_a_faire(famille=famille)
    assert len(grands) > len(petits) > 0
    assert len(un) == len(beaucoup), [q["sql"] for q in beaucoup.captured_queries]
    assert len(beaucoup) <= 7


def test_la_purge_rgpd_efface_les_pieces_et_garde_les_reponses_sans_nom(
    parent, settings, django_capture_on_commit_callbacks
):
    from portail import purge

    famille = parent.famille
    piece = factories.piece_deposee(famille=famille, statut="refusee")
    chemin = piece.fichiers.get().fichier.path
    version = factories.VersionTexteFactory()
    services.consentement_donner(famille=famille, version=version, accepte=True, utilisateur=parent)
    autre = factories.famille_avec_parent().famille
    gardee = factories.piece_deposee(famille=autre)
    with django_capture_on_commit_callbacks(execute=False) as apres_validation:
        purge.famille_anonymiser(famille=famille)
    assert not PieceJustificative.objects.filter(famille=famille).exists()
    # Le fichier n'est supprimé qu'une fois la transaction validée (une annulation le garde).
    assert os.path.exists(chemin)
    for rappel in apres_validation:
        rappel()
    assert not os.path.exists(chemin)
    consentement = Consentement.objects.get(famille=famille)
    assert consentement.signataire == "ANONYME" and consentement.utilisateur is None
    assert consentement.version == version and consentement.accepte
    assert PieceJustificative.objects.filter(pk=gardee.pk).exists()


def test_mes_donnees_exporte_les_pieces_et_les_consentements(parent):
    from portail import export

    famille = parent.famille
    factories.piece_deposee(famille=famille, statut="refusee", motif="Illisible")
    version = factories.VersionTexteFactory(texte__titre="Règlement intérieur")
    services.consentement_donner(famille=famille, version=version, accepte=True, utilisateur=parent)
    sections = {s["modele"]: s for s in export.donnees_famille(famille=famille)}
    assert sections["familles.PieceJustificative"]["objets"][0]["motif du refus"] == "Illisible"
    assert sections["familles.FichierPiece"]["objets"][0]["nom du fichier"] == "attestation.pdf"
    assert sections["familles.Consentement"]["objets"][0]["accepté"] is True
    lisibles = export.donnees_famille_lisibles(famille=famille)
    assert "Règlement intérieur" in str(lisibles)


def test_l_accueil_resume_le_bloc_a_faire_refusees_d_abord(client_parent, parent):
    """Au-delà de six lignes, l'accueil montre d'abord ce qui est refusé, puis renvoie aux deux
    pages de Mon compte avec le nombre de ce qui n'est pas affiché."""
    famille = parent.famille
    for i in range(8):
        factories.TypePieceFactory(nom=f"Pièce à fournir {i}")
    refusee = factories.piece_deposee(famille=famille, statut="refusee")
    html = client_parent.get("/").content.decode()
    bloc = html[html.index('id="titre-a-faire"') : html.index("</section>", html.index('id="titre-a-faire"'))]
    assert bloc.count("<li") == 6
    premiere = bloc[bloc.index("<li") : bloc.index("</li>")]
    assert refusee.type_piece.nom in premiere and "a-faire-urgent" in premiere
    assert "Et 3 autres éléments : voir" in bloc
    assert 'href="/compte/documents/"' in bloc and 'href="/compte/consentements/"' in bloc


def test_l_accueil_sans_suite_n_annonce_pas_d_autres_elements(client_parent, parent):
    factories.TypePieceFactory(nom="Attestation CAF")
    html = client_parent.get("/").content.decode()
    assert "Attestation CAF" in html
    assert "autre élément" not in html and "autres éléments" not in html


def _a_lire_comme_a_donner(famille, jour=None):
    """Le chemin de l'accueil (une requête) dit la même chose que `consentements_a_donner`."""
    a_lire = selectors.consentements_a_lire(famille=famille, jour=jour)
    a_donner = selectors.consentements_a_donner(famille=famille, jour=jour)
    attendu = [(e.texte.pk, e.version.numero, e.reponse_precedente is not None) for e in a_donner]
    assert [(t.pk, t.version_numero, t.deja_repondu) for t in a_lire] == attendu
    return attendu


def test_les_textes_a_lire_de_l_accueil_suivent_les_consentements_a_donner(parent, agent):
    famille = parent.famille
    autre = factories.famille_avec_parent()
    texte = factories.TexteConsentementFactory(titre="Règlement intérieur")
    v1 = services.texte_version_publier(
        texte=texte, contenu="Version 1", en_vigueur_le=AUJOURDHUI(), agent=agent
    )
    image = factories.VersionTexteFactory(texte__type="droit_image", texte__refus_possible=True)
    inscription = factories.InscriptionFactory(enfant=factories.EnfantFactory(famille=famille))
    factories.VersionTexteFactory(texte__structure=inscription.activite.structure)
    factories.VersionTexteFactory(texte__structure=factories.StructureFactory(nom="Crèche"))
    assert len(_a_lire_comme_a_donner(famille)) == 3
    services.consentement_donner(famille=famille, version=v1, accepte=True, utilisateur=parent)
    services.consentement_donner(famille=famille, version=image, accepte=False, utilisateur=parent)
    # La réponse d'une autre famille ne compte pas pour celle-ci.
    services.consentement_donner(famille=autre.famille, version=v1, accepte=True, utilisateur=autre)
    assert len(_a_lire_comme_a_donner(famille)) == 1
    demain = AUJOURDHUI() + datetime.timedelta(days=1)
    services.texte_version_publier(texte=texte, contenu="Version 2", en_vigueur_le=demain, agent=agent)
    assert len(_a_lire_comme_a_donner(famille)) == 1
    assert (texte.pk, 2, True) in _a_lire_comme_a_donner(famille, jour=demain)
    assert texte.pk not in [pk for pk, _, _ in _a_lire_comme_a_donner(autre.famille)]


def test_elements_a_faire_met_l_urgent_d_abord_quel_que_soit_l_ordre(parent):
    """Une pièce refusée (ordre 20) passe avant un texte à accepter (ordre 30) et avant les pièces
    à fournir ; à urgence égale, l'ordre des fournisseurs est gardé."""
    famille = parent.famille
    factories.VersionTexteFactory(texte__titre="Règlement intérieur")
    factories.TypePieceFactory(nom="Attestation d'assurance")
    refusee = factories.piece_deposee(famille=famille, statut="refusee")
    elements = elements_a_faire(famille=famille)
    assert elements[0].urgent and refusee.type_piece.nom in elements[0].libelle
    assert [e.urgent for e in elements] == sorted((e.urgent for e in elements), reverse=True)
    non_urgents = [e.ordre for e in elements if not e.urgent]
    assert non_urgents == sorted(non_urgents) and len(non_urgents) >= 2
