import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from commun.permissions import NOM_GROUPE_CCAS
from familles.models import Famille, Responsable, Utilisateur

MOT_DE_PASSE = "Portail2026Ok"


class FamilleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Famille

    numero = factory.Sequence(lambda n: f"{2000000000000 + n:013d}")


class ResponsableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responsable

    famille = factory.SubFactory(FamilleFactory)
    role = Responsable.Role.PRINCIPAL
    civilite = Responsable.Civilite.MADAME
    nom = factory.Faker("last_name", locale="fr_FR")
    prenom = factory.Faker("first_name", locale="fr_FR")
    adresse = "1 rue de la Mairie"
    code_postal = "28300"
    ville = "LÈVES"
    email = factory.Sequence(lambda n: f"responsable{n}@example.fr")


class UtilisateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Utilisateur
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"parent{n}")
    email = factory.Sequence(lambda n: f"parent{n}@example.fr")
    password = factory.PostGenerationMethodCall("set_password", MOT_DE_PASSE)

    @factory.post_generation
    def enregistrer(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def famille_avec_parent(**kwargs) -> Utilisateur:
    """Une famille, son responsable principal et le compte de connexion du parent."""
    responsable = ResponsableFactory(**kwargs)
    return UtilisateurFactory(
        famille=responsable.famille,
        responsable=responsable,
        first_name=responsable.prenom,
        last_name=responsable.nom,
        email=responsable.email,
    )


def second_parent(parent: Utilisateur, **kwargs) -> Utilisateur:
    """Le conjoint de la famille du parent, avec son propre compte (parents séparés)."""
    conjoint = ResponsableFactory(
        famille=parent.famille, role=Responsable.Role.CONJOINT, civilite=Responsable.Civilite.MONSIEUR
    )
    return UtilisateurFactory(
        famille=parent.famille,
        responsable=conjoint,
        first_name=conjoint.prenom,
        last_name=conjoint.nom,
        email=conjoint.email,
        **kwargs,
    )


def agent_ccas(**kwargs) -> Utilisateur:
    agent = UtilisateurFactory(is_staff=True, **kwargs)
    agent.groups.add(Group.objects.get(name=NOM_GROUPE_CCAS))
    return agent


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enfants.Structure"
        django_get_or_create = ("nom",)

    nom = factory.Sequence(lambda n: f"Structure {n}")
    type = "alsh"


class ActiviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enfants.Activite"

    structure = factory.SubFactory(StructureFactory)
    nom = factory.Sequence(lambda n: f"Activité {n}")


class EnfantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enfants.Enfant"

    famille = factory.SubFactory(FamilleFactory)
    nom = factory.Faker("last_name", locale="fr_FR")
    prenom = factory.Faker("first_name", locale="fr_FR")
    date_naissance = factory.Faker("date_of_birth", minimum_age=1, maximum_age=12)


# Messagerie
CONTENU_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
CONTENU_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
CONTENU_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 64


class AgentStructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messagerie.AgentStructure"

    structure = factory.SubFactory(StructureFactory)
    agent = factory.LazyFunction(agent_ccas)


class FilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messagerie.Fil"

    famille = factory.SubFactory(FamilleFactory)
    structure = factory.SubFactory(StructureFactory, nom="Accueil de Loisirs")
    objet = factory.Sequence(lambda n: f"Question n° {n}")
    initie_par_famille = True


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messagerie.Message"

    fil = factory.SubFactory(FilFactory)
    de_la_famille = True
    texte = "Bonjour, pouvez-vous me confirmer l'inscription de mon fils mercredi ?"


class PieceJointeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messagerie.PieceJointe"

    message = factory.SubFactory(MessageFactory)
    fichier = factory.django.FileField(filename="certificat.pdf", data=CONTENU_PDF)
    nom = "certificat.pdf"
    type_mime = "application/pdf"
    taille = len(CONTENU_PDF)


class InformationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messagerie.Information"

    titre = factory.Sequence(lambda n: f"Information n° {n}")
    texte = "L'accueil de loisirs sera fermé le vendredi de l'Ascension."


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messagerie.Document"

    titre = factory.Sequence(lambda n: f"Fiche sanitaire {n}")
    fichier = factory.django.FileField(filename="fiche.pdf", data=CONTENU_PDF)
    taille = len(CONTENU_PDF)


def fil_avec_messages(*, famille, recus: int = 1, envoyes: int = 1, **kwargs):
    """Un fil de la famille : `envoyes` messages du parent puis `recus` réponses non lues."""
    fil = FilFactory(famille=famille, **kwargs)
    for _ in range(envoyes):
        MessageFactory(fil=fil, de_la_famille=True)
    for _ in range(recus):
        MessageFactory(fil=fil, de_la_famille=False, texte="Bonjour, c'est bien noté.")
    return fil


def regler(famille, regie, montant, *, mode="cheque", date=None, **options):
    """Un règlement enregistré par le service, comme l'import le ferait : daté d'aujourd'hui par
    défaut, imputé par le service (aux `factures=[…]` données, sinon aux impayées)."""
    from decimal import Decimal

    from facturation import services

    return services.reglement_enregistrer(
        famille=famille,
        regie=regie,
        montant=Decimal(montant),
        mode=mode,
        date=date or datetime.date.today(),
        **options,
    )


# Demandes (issue « Mon compte, demandes de modification ») ----------------------------------


def demande_creer(parent, type_code: str, donnees: dict, enfant=None, remplacer=False):
    """Une demande comme le parent l'enverrait : le formulaire pré-rempli, modifié par `donnees`."""
    from demandes import registre, services

    type_ = registre.type_demande(type_code)
    famille = parent.famille
    formulaire_vide, initiales = registre.valeurs_actuelles(type_, famille=famille, enfant=enfant)
    data = {nom: registre.serialiser(v) for nom, v in initiales.items() if v is not None}
    data = {k: v for k, v in data.items() if v is not False}
    data.update(donnees)
    formulaire = type_.construire(famille=famille, enfant=enfant, data=data)
    return services.demande_creer(
        famille=famille,
        type_code=type_code,
        formulaire=formulaire,
        enfant=enfant,
        auteur=parent,
        remplacer=remplacer,
    )


# Fiche enfant (issue « Mes enfants ») --------------------------------------------------------


class PersonneAutoriseeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enfants.PersonneAutorisee"

    enfant = factory.SubFactory(EnfantFactory)
    nom = factory.Faker("last_name", locale="fr_FR")
    prenom = factory.Faker("first_name", locale="fr_FR")
    lien = "Grand-mère"
    telephone = "06 12 34 56 78"


class VaccinationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enfants.Vaccination"

    enfant = factory.SubFactory(EnfantFactory)
    vaccin = factory.Sequence(lambda n: f"Vaccin {n}")
    date = factory.Faker("date_between", start_date="-5y", end_date="-1d")


class DonneesSanitairesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enfants.DonneesSanitaires"

    enfant = factory.SubFactory(EnfantFactory)
    medecin_traitant = "Dr MARTIN"
    allergies = "Arachide"


def agent_sante(**kwargs) -> Utilisateur:
    """Un agent du CCAS qui a aussi la permission « voir les données sanitaires »."""
    from django.contrib.auth.models import Permission

    agent = agent_ccas(**kwargs)
    agent.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="enfants",
            codename__in=[
                "voir_donnees_sanitaires",
                "view_donneessanitaires",
                "change_donneessanitaires",
                "add_donneessanitaires",
                "view_vaccination",
                "add_vaccination",
                "change_vaccination",
            ],
        )
    )
    return Utilisateur.objects.get(pk=agent.pk)


# --- Facturation -----------------------------------------------------------------------------


def _decimal(texte):
    from decimal import Decimal

    return Decimal(texte)


def _jours(n):
    import datetime

    return datetime.timedelta(days=n)


class RegieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "facturation.Regie"
        django_get_or_create = ("code",)

    code = "AL"
    # Comme les régies d'avant le choix par régie (migration 0011) : Stripe, ou la banque
    # simulée en démonstration sans clés.
    prestataire_paiement = "stripe"
    nom = factory.LazyAttribute(lambda o: "Régie garderie ALSH" if o.code == "AL" else f"Régie {o.code}")


class FactureFactory(factory.django.DjangoModelFactory):
    """Une facture d'une ligne (« Garderie matin », quantité × 3,20 €) au montant cohérent."""

    class Meta:
        model = "facturation.Facture"
        skip_postgeneration_save = True

    class Params:
        quantite = 10

    regie = factory.SubFactory(RegieFactory)
    numero = factory.Sequence(lambda n: f"AL-{1000 + n}")
    famille = factory.SubFactory(FamilleFactory)
    date_facture = factory.Faker("date_between", start_date="-60d", end_date="-30d")
    date_echeance = factory.LazyAttribute(lambda o: o.date_facture + _jours(30))
    periode_debut = factory.LazyAttribute(lambda o: o.date_facture.replace(day=1))
    periode_fin = factory.LazyAttribute(lambda o: o.date_facture)
    montant = factory.LazyAttribute(lambda o: _decimal("3.20") * o.quantite)

    @factory.post_generation
    def lignes(obj, create, extracted, **kwargs):
        if create and extracted is None:
            from facturation.models import LigneFacture

            LigneFacture.objects.create(
                facture=obj,
                ordre=1,
                enfant_nom="LÉA",
                libelle="Garderie matin",
                quantite=obj.montant / _decimal("3.20"),
                prix_unitaire=_decimal("3.20"),
                montant=obj.montant,
            )


class ReglementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "facturation.Reglement"
        skip_postgeneration_save = True

    regie = factory.SubFactory(RegieFactory)
    numero = factory.Sequence(lambda n: f"AL-{500000 + n}")
    famille = factory.SubFactory(FamilleFactory)
    date = factory.Faker("date_between", start_date="-30d", end_date="today")
    mode = "cheque"
    montant = factory.LazyFunction(lambda: _decimal("10.00"))

    @factory.post_generation
    def recu(obj, create, extracted, **kwargs):
        """Numéroté comme par le service (`recu=False` : un règlement sans numéro de reçu)."""
        from facturation import services

        if create and extracted is not False:
            services.recu_numero_attribuer(reglement=obj)


class PaiementEnLigneFactory(factory.django.DjangoModelFactory):
    """Une première tentative de paiement par carte d'une facture, de son montant, expirée à
    l'instant (`statut`, `session_id`, `expire_le` à donner selon le cas)."""

    class Meta:
        model = "facturation.PaiementEnLigne"

    facture = factory.SubFactory(FactureFactory)
    famille = factory.LazyAttribute(lambda o: o.facture.famille)
    tentative = 1
    montant = factory.LazyAttribute(lambda o: o.facture.montant)
    email = "parent@example.org"
    prestataire = "stripe"
    expire_le = factory.LazyFunction(timezone.now)


# --- Planning (enfants) ---


class InscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enfants.Inscription"

    enfant = factory.SubFactory(EnfantFactory)
    activite = factory.SubFactory(ActiviteFactory)
    date_debut = factory.LazyFunction(lambda: datetime.date(2014, 9, 1))
    date_fin = factory.LazyFunction(lambda: datetime.date(2030, 8, 31))
    jours_reguliers = ""


class JourInscriptionFactory(factory.django.DjangoModelFactory):
    """Un jour d'une inscription (réservé, absent, pointé) : le 08/04/2015 par défaut."""

    class Meta:
        abstract = True

    inscription = factory.SubFactory(InscriptionFactory)
    date = factory.LazyFunction(lambda: datetime.date(2015, 4, 8))


class ReservationFactory(JourInscriptionFactory):
    class Meta:
        model = "enfants.Reservation"

    etat = "acceptee"


class AbsenceFactory(JourInscriptionFactory):
    class Meta:
        model = "enfants.Absence"

    motif = "Malade"
    etat = "excusee"


class PresenceFactory(JourInscriptionFactory):
    class Meta:
        model = "enfants.Presence"

    present = True


def inscription_de_lea(famille, *, jours_reguliers="", **activite):
    """LÉA DUPONT, de `famille`, inscrite (toute l'année) à une activité faite de `activite`."""
    enfant = EnfantFactory(famille=famille, prenom="LÉA", nom="DUPONT")
    return InscriptionFactory(
        enfant=enfant, activite=ActiviteFactory(**activite), jours_reguliers=jours_reguliers
    )


class FermetureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enfants.Fermeture"

    structure = factory.SubFactory(StructureFactory)
    date_debut = factory.LazyFunction(lambda: datetime.date(2015, 4, 10))
    date_fin = factory.LazyFunction(lambda: datetime.date(2015, 4, 10))
    motif = "Pont"


# Dossier annuel : pièces justificatives et consentements (familles)
class TypePieceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "familles.TypePiece"
        django_get_or_create = ("nom",)

    nom = factory.Sequence(lambda n: f"Attestation n° {n}")
    description = "Attestation de moins de trois mois."
    concerne = "famille"


class PieceJustificativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "familles.PieceJustificative"

    famille = factory.SubFactory(FamilleFactory)
    type_piece = factory.SubFactory(TypePieceFactory)


class FichierPieceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "familles.FichierPiece"

    piece = factory.SubFactory(PieceJustificativeFactory)
    fichier = factory.django.FileField(filename="attestation.pdf", data=CONTENU_PDF)
    nom = "attestation.pdf"
    type_mime = "application/pdf"
    taille = len(CONTENU_PDF)


def piece_deposee(*, famille, type_piece=None, enfant=None, statut="en_attente", **kwargs):
    """Un dépôt d'une page PDF ; `statut="validee"` : valable un an (sauf `valide_jusqu_au`)."""
    if statut == "validee":
        kwargs.setdefault("valide_jusqu_au", timezone.localdate() + datetime.timedelta(days=365))
    if statut == "refusee":
        kwargs.setdefault("motif", "Document illisible : photographiez-le à plat, en pleine lumière.")
    piece = PieceJustificativeFactory(
        famille=famille,
        enfant=enfant,
        type_piece=type_piece or TypePieceFactory(concerne="enfant" if enfant else "famille"),
        statut=statut,
        **kwargs,
    )
    FichierPieceFactory(piece=piece)
    return piece


class TexteConsentementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "familles.TexteConsentement"

    type = "reglement"
    titre = factory.Sequence(lambda n: f"Règlement intérieur n° {n}")


class VersionTexteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "familles.VersionTexte"

    texte = factory.SubFactory(TexteConsentementFactory)
    numero = factory.Sequence(lambda n: n + 1)
    contenu = "Article 1 — Les enfants sont accueillis du lundi au vendredi.\n\nArticle 2 — …"
    en_vigueur_le = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))


# Campagnes d'inscription (issue 18)
class CampagneFactory(factory.django.DjangoModelFactory):
    """Une campagne de rentrée ouverte depuis hier, close dans un mois (heures de Paris)."""

    class Meta:
        model = "enfants.Campagne"
        skip_postgeneration_save = True

    nom = factory.Sequence(lambda n: f"Campagne de test n° {n}")
    type = "rentree"
    periode_debut = datetime.date(2027, 9, 2)
    periode_fin = datetime.date(2028, 7, 6)
    ouverture = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    fermeture = factory.LazyAttribute(lambda o: o.ouverture + datetime.timedelta(days=30))

    @factory.post_generation
    def activites(self, create, extracted, **kwargs):
        if create:
            self.activites.set(extracted if extracted is not None else [ActiviteFactory()])
