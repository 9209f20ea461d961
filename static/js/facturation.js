/* Facturation : la page de retour de paiement vérifie la confirmation sans recharger en boucle
   (pas de <meta refresh>) ; elle se met à jour une seule fois, quand le statut change. */
(function () {
  "use strict";
  var zone = document.querySelector("[data-paiement-attente]");
  if (!zone) {
    return;
  }
  var url = zone.getAttribute("data-paiement-attente");
  var essais = 0;
  function plusTard(delai) {
    essais += 1;
    if (essais < 100) {
      window.setTimeout(verifier, delai);
    }
  }
  function verifier() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (reponse) { return reponse.ok ? reponse.json() : null; })
      .then(function (donnees) {
        if (donnees && donnees.statut !== "ouverte") {
          window.location.reload();
        } else {
          plusTard(3000);
        }
      })
      .catch(function () { plusTard(6000); });
  }
  plusTard(3000);
})();
