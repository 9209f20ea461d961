/* Résumé des erreurs d'un formulaire (RGAA) : le focus y va au chargement ; un lien du résumé
   amène au champ, son libellé visible au-dessus. Sans JavaScript, le résumé et ses liens
   fonctionnent aussi (ancres). */
(function () {
  "use strict";
  var resume = document.getElementById("resume-erreurs");
  if (!resume) {
    return;
  }
  resume.focus();
  resume.addEventListener("click", function (evenement) {
    var lien = evenement.target.closest("a[href^='#']");
    if (!lien) {
      return;
    }
    var champ = document.getElementById(decodeURIComponent(lien.hash.slice(1)));
    if (!champ) {
      return;
    }
    evenement.preventDefault();
    var groupe = champ.closest("fieldset");
    var libelle = groupe ? groupe.querySelector("legend") : document.querySelector("label[for='" + champ.id + "']");
    (libelle || champ).scrollIntoView({block: "start"});
    champ.focus({preventScroll: true});
  });
})();
