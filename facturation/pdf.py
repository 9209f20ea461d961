"""Factures et reçus de paiement en PDF (WeasyPrint) : A4, texte extractible, aucune ressource
externe chargée ; une feuille de style et un en-tête communs."""

from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from weasyprint.urls import URLFetcher

from commun import pdf as commun_pdf
from commun.pdf import RefusURLFetcher  # noqa: F401  (réexporté : tests)
from facturation.models import ZERO, Facture, Reglement

FEUILLE_DE_STYLE = Path(__file__).with_name("facture_pdf.css")


def lien_paiement(facture: Facture) -> str:
    """L'adresse publique de la page de paiement de la facture (PORTAIL_URL : jamais l'adresse
    de la machine qui a produit le PDF)."""
    return settings.PORTAIL_URL.rstrip("/") + reverse("facturation:paiement", args=[facture.pk])


def _emetteur() -> dict:
    """L'en-tête commun des PDF (`facturation/_pdf_entete.html`)."""
    return {
        "NOM_VILLE": settings.NOM_VILLE,
        "NOM_CCAS": settings.NOM_CCAS,
        "CCAS_ADRESSE": settings.CCAS_ADRESSE,
        "CCAS_TELEPHONE": settings.CCAS_TELEPHONE,
        "CCAS_EMAIL": settings.CCAS_EMAIL,
    }


def facture_html(facture: Facture) -> str:
    """Le HTML de la facture (`facture` vient de `selectors.facture_detail`)."""
    return render_to_string(
        "facturation/facture_pdf.html",
        {
            "facture": facture,
            "regie": facture.regie,
            "en_retard": facture.reste_du > 0 and facture.date_echeance < timezone.localdate(),
            "lien_paiement": lien_paiement(facture),
            "famille": facture.famille,
            "responsable": facture.famille.responsable_principal,
            "lignes": facture.lignes.all(),
            **_emetteur(),
        },
    )


def recu_html(reglement: Reglement) -> str:
    """Le HTML du reçu de paiement (`reglement` vient de `selectors.recu_detail`) : rien qui
    dépende du jour du téléchargement, le reçu est le même à chaque fois."""
    affectations = list(reglement.affectations.all())
    affecte = sum((a.montant for a in affectations), ZERO)
    return render_to_string(
        "facturation/recu_pdf.html",
        {
            "reglement": reglement,
            "regie": reglement.regie,
            "affectations": affectations,
            "total_affecte": affecte,
            "credit_restant": reglement.montant - affecte,
            "famille": reglement.famille,
            "responsable": reglement.famille.responsable_principal,
            **_emetteur(),
        },
    )


def attestation_html(attestation) -> str:
    """Le HTML de l'attestation de frais de garde (`facturation.attestations.attestation`)."""
    from facturation import attestations

    return render_to_string(
        "facturation/attestation_pdf.html",
        {
            "attestation": attestation,
            "famille": attestation.famille,
            "responsable": attestation.famille.responsable_principal,
            "reference_legale": attestations.REFERENCE_LEGALE,
            "date_emission": timezone.localdate(),
            "NOM_VILLE": settings.NOM_VILLE,
            "NOM_CCAS": settings.NOM_CCAS,
            "CCAS_ADRESSE": settings.CCAS_ADRESSE,
            "CCAS_TELEPHONE": settings.CCAS_TELEPHONE,
            "CCAS_EMAIL": settings.CCAS_EMAIL,
            "CCAS_SIRET": settings.CCAS_SIRET,
        },
    )


def attestation_pdf(attestation) -> bytes:
    return html_en_pdf(attestation_html(attestation))


def reponse_attestation(attestation) -> HttpResponse:
    reponse = HttpResponse(attestation_pdf(attestation), content_type="application/pdf")
    reponse["Content-Disposition"] = f'inline; filename="{attestation.nom_fichier_pdf}"'
    return reponse


def html_en_pdf(html: str, *, fetcher: URLFetcher | None = None) -> bytes:
    return commun_pdf.html_en_pdf(html, feuille_de_style=FEUILLE_DE_STYLE, fetcher=fetcher)


def facture_pdf(facture: Facture) -> bytes:
    return html_en_pdf(facture_html(facture))


def reponse_facture(facture: Facture) -> HttpResponse:
    reponse = HttpResponse(facture_pdf(facture), content_type="application/pdf")
    reponse["Content-Disposition"] = f'inline; filename="{facture.nom_fichier_pdf}"'
    return reponse


def recu_pdf(reglement: Reglement) -> bytes:
    return html_en_pdf(recu_html(reglement))


def reponse_recu(reglement: Reglement) -> HttpResponse:
    reponse = HttpResponse(recu_pdf(reglement), content_type="application/pdf")
    reponse["Content-Disposition"] = f'inline; filename="{reglement.nom_fichier_recu}"'
    return reponse


def _iban_groupe(iban: str) -> str:
    """« FR7630006000011234567890189 » → « FR76 3000 6000 0112 3456 7890 189 » (format papier)."""
    compact = (iban or "").replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def mandat_html(mandat) -> str:
    """Le HTML du mandat de prélèvement SEPA (`mandat` vient de `selectors.mandat_detail`)."""
    return render_to_string(
        "facturation/mandat_pdf.html",
        {
            "mandat": mandat,
            "amendements": [e for e in mandat.evenements.all() if e.nature == "amendement"],
            "iban_imprime": _iban_groupe(mandat.iban),
            **_emetteur(),
        },
    )


def reponse_mandat(mandat) -> HttpResponse:
    reponse = HttpResponse(html_en_pdf(mandat_html(mandat)), content_type="application/pdf")
    reponse["Content-Disposition"] = f'inline; filename="mandat-{mandat.rum}.pdf"'
    return reponse
