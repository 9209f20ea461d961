"""HTML valide : le Nu Html Checker (npm `vnu-jar`), lancé une fois pour toute la session.

Le démarrage de la JVM coûte plusieurs secondes : le validateur tourne comme service HTTP local
(`nu.validator.servlet.Main`) démarré au premier besoin ; chaque page lui est envoyée en POST.
"""

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]
VNU_JAR = RACINE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


class Validateur:
    def __init__(self):
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("Java est introuvable : installez default-jre-headless (.ci/run le fait).")
        if not VNU_JAR.exists():
            raise RuntimeError(f"{VNU_JAR} est absent : lancez `npm ci` (make install).")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.processus = subprocess.Popen(
            [
                java,
                "-Xss1024k",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}/?out=json"
        limite = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.processus.poll() is not None or time.monotonic() > limite:
                    self.arreter()
                    raise RuntimeError("le Nu Html Checker n'a pas démarré") from None
                time.sleep(0.2)

    def messages(self, html: str | bytes) -> list[dict]:
        """Tous les messages du validateur pour ce document."""
        corps = html.encode() if isinstance(html, str) else html
        requete = urllib.request.Request(
            self.url, data=corps, headers={"Content-Type": "text/html; charset=utf-8"}
        )
        with urllib.request.urlopen(requete, timeout=60) as reponse:
            return json.load(reponse)["messages"]

    def erreurs(self, html: str | bytes) -> list[dict]:
        """Les erreurs (et erreurs fatales) : ce qui doit être vide pour un HTML valide."""
        return [m for m in self.messages(html) if m.get("type") in {"error", "non-document-error"}]

    def arreter(self):
        if self.processus.poll() is None:
            self.processus.terminate()
            try:
                self.processus.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.processus.kill()


def formater_erreurs(erreurs: list[dict], html: str) -> str:
    lignes = html.splitlines()
    sortie = []
    for e in erreurs:
        numero = e.get("lastLine")
        ligne = lignes[numero - 1].strip()[:160] if numero and numero <= len(lignes) else ""
        sortie.append(f"  ligne {numero} : {e.get('message')}\n      {ligne}")
    return "\n".join(sortie)
