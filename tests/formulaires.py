"""Lecture des formulaires d'une page HTML (pour les tests qui les remplissent au hasard)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Champ:
    nom: str
    type: str  # text, email, password, number, date, select, checkbox, radio, textarea, file, hidden
    options: list[str] = field(default_factory=list)


@dataclass
class Formulaire:
    action: str
    methode: str
    champs: dict[str, Champ] = field(default_factory=dict)
    multipart: bool = False


class _Lecteur(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.formulaires: list[Formulaire] = []
        self._courant: Formulaire | None = None
        self._select: Champ | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._courant = Formulaire(
                action=a.get("action") or "",
                methode=(a.get("method") or "get").lower(),
                multipart=a.get("enctype") == "multipart/form-data",
            )
            self.formulaires.append(self._courant)
            return
        if self._courant is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
            return
        nom = a["name"]
        if tag == "input":
            type_ = (a.get("type") or "text").lower()
            if type_ in {"submit", "button", "image", "reset"}:
                return
            champ = self._courant.champs.setdefault(nom, Champ(nom, type_))
            if type_ in {"checkbox", "radio", "hidden"}:
                champ.options.append(a.get("value", "on"))
        elif tag == "select":
            self._select = self._courant.champs.setdefault(nom, Champ(nom, "select"))
        elif tag == "textarea":
            self._courant.champs.setdefault(nom, Champ(nom, "textarea"))
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._courant = None
        elif tag == "select":
            self._select = None


def formulaires(html: str) -> list[Formulaire]:
    lecteur = _Lecteur()
    lecteur.feed(html)
    return lecteur.formulaires


def donnees_admin(reponse) -> dict:
    """Les données qu'un navigateur renverrait telles quelles depuis une page d'ajout ou de
    modification de l'administration (formulaire principal et lignes liées)."""
    from django.db.models.fields.files import FieldFile
    from django.forms import MultiWidget

    donnees = {}

    def ajouter(formulaire):
        for nom in formulaire.fields:
            valeur = formulaire[nom].value()
            cle = formulaire.add_prefix(nom)
            # Un fichier déjà déposé n'est pas renvoyé par le navigateur.
            if valeur is None or valeur is False or isinstance(valeur, FieldFile):
                continue
            widget = formulaire.fields[nom].widget
            if isinstance(widget, MultiWidget):  # date et heure en deux champs
                parties = valeur if isinstance(valeur, list) else widget.decompress(valeur)
                for i, partie in enumerate(parties):
                    donnees[f"{cle}_{i}"] = "" if partie is None else str(partie)
                continue
            donnees[cle] = "on" if valeur is True else valeur

    ajouter(reponse.context["adminform"].form)
    for inline in reponse.context["inline_admin_formsets"]:
        ajouter(inline.formset.management_form)
        for formulaire in inline.formset.forms:
            ajouter(formulaire)
    return donnees
