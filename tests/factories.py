import factory
from django.contrib.auth.models import Group

from familles.models import Famille, Responsable, Utilisateur
from portail.permissions import NOM_GROUPE_CCAS

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
        first_name=responsable.prenom,
        last_name=responsable.nom,
        email=responsable.email,
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
                facture=obj, ordre=1, enfant_nom="LÉA", libelle="Garderie matin",
                quantite=obj.montant / _decimal("3.20"), prix_unitaire=_decimal("3.20"),
                montant=obj.montant,
            )


class ReglementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "facturation.Reglement"

    regie = factory.SubFactory(RegieFactory)
    numero = factory.Sequence(lambda n: f"AL-{500000 + n}")
    famille = factory.SubFactory(FamilleFactory)
    date = factory.Faker("date_between", start_date="-30d", end_date="today")
    mode = "cheque"
    montant = factory.LazyFunction(lambda: _decimal("10.00"))
