"""Les pages principales de l'administration (agents du CCAS), pour la mise en page et les captures."""


def pages_admin(*, famille, agent) -> list[tuple[str, str]]:
    """(nom, URL) : l'accueil, chaque liste que l'agent peut voir, quelques fiches de `famille`,
    le pointage du jour de l'ALSH du mercredi, les listes du jour de sa structure, les pages du
    guichet et les statistiques si l'agent peut les voir (données de démonstration)."""
    from django.contrib import admin
    from django.urls import reverse
    from django.utils import timezone

    from demandes.models import Demande
    from enfants.models import Activite, Structure
    from facturation.models import Facture
    from familles.models import PieceJustificative, TexteConsentement
    from messagerie.models import Fil

    pages = [("index", reverse("admin:index"))]
    for modele in sorted(admin.site._registry, key=lambda m: (m._meta.app_label, m._meta.model_name)):
        meta = modele._meta
        if agent.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            pages.append(
                (
                    f"{meta.app_label}.{meta.model_name}",
                    reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
                )
            )
    fiches = [
        ("familles.famille", famille),
        ("enfants.enfant", famille.enfants.order_by("pk").first()),
        ("demandes.demande", Demande.objects.filter(famille=famille, statut="en_attente").first()),
        ("facturation.facture", Facture.objects.filter(famille=famille).order_by("pk").last()),
        ("messagerie.fil", Fil.objects.filter(famille=famille).order_by("pk").first()),
        # File de vérification : une pièce en attente (fichiers dans la page, décision).
        (
            "familles.piecejustificative",
            PieceJustificative.objects.filter(famille=famille, statut="en_attente").first()
            or PieceJustificative.objects.filter(famille=famille).first(),
        ),
        ("familles.texteconsentement", TexteConsentement.objects.order_by("pk").first()),
        # Une fiche à formulaires en ligne : la structure de l'ALSH et ses activités.
        ("enfants.structure", Structure.objects.filter(activites__nom="ALSH Mercredi après-midi").first()),
    ]
    for nom, objet in fiches:
        if objet is not None:
            app, modele = nom.split(".")
            pages.append((f"{nom}-fiche", reverse(f"admin:{app}_{modele}_change", args=[objet.pk])))
    activite = Activite.objects.filter(nom="ALSH Mercredi après-midi").first()
    if activite is not None:
        pages.append(
            (
                "pointage",
                reverse("admin:enfants_activite_pointage", args=[activite.pk])
                + f"?date={timezone.localdate():%Y-%m-%d}",
            )
        )
    # Issue 22 : les listes du jour (la semaine de la structure de l'ALSH) et les statistiques.
    if activite is not None and agent.has_perm("enfants.view_inscription"):
        pages.append(
            (
                "listes-du-jour",
                reverse("admin:enfants_listes_terrain")
                + f"?structure={activite.structure_id}&date={timezone.localdate():%Y-%m-%d}&semaine=1",
            )
        )
    # « Agir pour cette famille » (le guichet) : l'accueil, une demande Mon compte, le planning
    # et le dépôt d'une pièce.
    if agent.has_perm("familles.agir_pour_famille"):
        from demandes import registre
        from familles.models import TypePiece

        pages.append(("guichet", reverse("admin:demandes_demande_guichet", args=[famille.pk])))
        code = registre.types(registre.COTE_COMPTE)[0].code
        pages.append(
            (
                "guichet-demande",
                reverse("admin:demandes_demande_guichet_demande", args=[famille.pk]) + f"?type={code}",
            )
        )
        pages.append(
            ("guichet-planning", reverse("admin:demandes_demande_guichet_planning", args=[famille.pk]))
        )
        type_piece = TypePiece.objects.filter(concerne="famille").order_by("pk").first()
        if type_piece is not None:
            pages.append(
                (
                    "guichet-piece",
                    reverse("admin:demandes_demande_guichet_piece", args=[famille.pk])
                    + f"?type={type_piece.pk}",
                )
            )
    if agent.has_perm("portail.voir_statistiques"):
        pages.append(("statistiques", reverse("admin:portail_statistiques")))
    return pages
