"""Fichiers déposés (pièces jointes, formulaires) : type vérifié par le contenu, taille bornée,
nom assaini, et réponse de téléchargement sûre."""

import os
import unicodedata

import puremagic
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404
from django.utils.text import get_valid_filename

# Type reconnu d'après les premiers octets → extension enregistrée.
TYPES_PIECE_JOINTE = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
TYPES_DOCUMENT = {"application/pdf": ".pdf"}

ERREUR_TYPE = "« {nom} » n'est pas un fichier PDF, JPEG ou PNG (le contenu du fichier est vérifié)."
ERREUR_TYPE_PDF = "« {nom} » n'est pas un fichier PDF (le contenu du fichier est vérifié)."
ERREUR_TAILLE = "« {nom} » est trop volumineux : {taille_max} Mo au plus."
ERREUR_VIDE = "« {nom} » est vide."


def _mo(octets: int) -> str:
    return f"{octets / (1024 * 1024):.0f}".replace(".", ",")


def type_detecte(fichier) -> str:
    """Le type MIME d'après le contenu (jamais d'après le nom), ou « » s'il est inconnu."""
    fichier.seek(0)
    debut = fichier.read(2048)
    fichier.seek(0)
    if not debut:
        return ""
    try:
        return puremagic.from_string(debut, mime=True) or ""
    except puremagic.PureError:
        return ""


def nom_sur(nom: str, extension: str) -> str:
    """Un nom de fichier affichable et sans danger, avec l'extension du type reconnu."""
    base = os.path.splitext(os.path.basename(nom or ""))[0]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    try:
        base = get_valid_filename(base)[:80]
    except Exception:  # noqa: BLE001 — nom vide ou réduit à rien : nom générique
        base = ""
    return f"{base or 'fichier'}{extension}"


def _valider(fichier, *, types: dict, taille_max: int, erreur_type: str) -> tuple[str, str]:
    nom = os.path.basename(fichier.name or "fichier")
    if fichier.size == 0:
        raise ValidationError(ERREUR_VIDE.format(nom=nom), code="vide")
    if fichier.size > taille_max:
        raise ValidationError(ERREUR_TAILLE.format(nom=nom, taille_max=_mo(taille_max)), code="taille")
    mime = type_detecte(fichier)
    if mime not in types:
        raise ValidationError(erreur_type.format(nom=nom), code="type")
    return mime, nom_sur(nom, types[mime])


def piece_jointe_valider(fichier, *, taille_max: int | None = None) -> tuple[str, str]:
    """Vérifie une pièce jointe (PDF, JPEG, PNG) ; renvoie (type MIME, nom assaini) ou lève
    ValidationError. `taille_max` : MESSAGERIE_PIECE_JOINTE_TAILLE_MAX par défaut."""
    return _valider(
        fichier,
        types=TYPES_PIECE_JOINTE,
        taille_max=taille_max or settings.MESSAGERIE_PIECE_JOINTE_TAILLE_MAX,
        erreur_type=ERREUR_TYPE,
    )


def document_valider(fichier) -> tuple[str, str]:
    """Vérifie un formulaire déposé par un agent (PDF seulement)."""
    return _valider(
        fichier,
        types=TYPES_DOCUMENT,
        taille_max=settings.MESSAGERIE_DOCUMENT_TAILLE_MAX,
        erreur_type=ERREUR_TYPE_PDF,
    )


def reponse_telechargement(champ, *, nom: str, type_mime: str, en_ligne: bool = False) -> FileResponse:
    """Sert un fichier privé en pièce jointe, sans laisser le navigateur deviner son type.

    `en_ligne` (vérification par un agent, dans l'administration) : affiché dans la page (cadre
    de même origine) au lieu d'être téléchargé ; seulement pour un type vérifié au contenu."""
    try:
        contenu = champ.open("rb")
    except FileNotFoundError as erreur:
        raise Http404("Fichier introuvable.") from erreur
    reponse = FileResponse(contenu, as_attachment=not en_ligne, filename=nom, content_type=type_mime)
    reponse["X-Content-Type-Options"] = "nosniff"
    if en_ligne:
        # Le lecteur PDF de Chromium ne s'ouvre pas dans un document « sandbox » : aucun script,
        # aucune ressource, et seulement dans une page du portail.
        reponse["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
        reponse["X-Frame-Options"] = "SAMEORIGIN"
    else:
        reponse["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return reponse


class StockagePrive(FileSystemStorage):
    """Fichiers privés (pièces justificatives…) : sous FICHIERS_PRIVES_ROOT, sans URL publique ;
    servis seulement par des vues qui vérifient les droits (`reponse_telechargement`)."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(settings.FICHIERS_PRIVES_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Les fichiers privés n'ont pas d'URL publique.")

    def deconstruct(self):
        return ("commun.fichiers.StockagePrive", (), {})


class FichierPriveInput(forms.ClearableFileInput):
    """Le champ de fichier d'un formulaire pour un fichier du stockage privé : le
    `ClearableFileInput` de Django affiche le fichier actuel par son URL publique, que le stockage
    privé refuse (la fiche répondait 500). Ici : `nom_affiche` (le nom de téléchargement ; le nom
    stocké est aléatoire), en lien vers `url_telechargement`, une vue qui vérifie les droits."""

    template_name = "commun/widgets/fichier_prive.html"
    initial_text = "Fichier actuel"
    input_text = "Remplacer par"

    def __init__(self, *args, url_telechargement: str = "", nom_affiche: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.url_telechargement = url_telechargement
        self.nom_affiche = nom_affiche

    def is_initial(self, value):
        return bool(value and getattr(value, "name", ""))

    def get_context(self, name, value, attrs):
        contexte = super().get_context(name, value, attrs)
        contexte["widget"]["url_telechargement"] = self.url_telechargement
        contexte["widget"]["nom_actuel"] = self.nom_affiche or (
            os.path.basename(value.name) if self.is_initial(value) else ""
        )
        return contexte
