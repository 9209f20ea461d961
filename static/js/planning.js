/* Planning : menu contextuel des cases de l'agenda (clic droit, appui, clavier).
 * Sans JavaScript, chaque case est un lien vers le formulaire de la demande la plus probable ;
 * avec, le lien ouvre un menu « Demander une réservation » / « Déclarer une absence ». */
(function () {
  "use strict";
  var agenda = document.getElementById("agenda");
  var menu = document.getElementById("menu-planning");
  if (!agenda || !menu) { return; }
  var items = Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]"));
  var declencheur = null;

  function fermer(rendreFocus) {
    if (menu.hidden) { return; }
    menu.hidden = true;
    menu.classList.remove("show");
    if (declencheur) {
      declencheur.setAttribute("aria-expanded", "false");
      if (rendreFocus) { declencheur.focus(); }
    }
    declencheur = null;
  }

  function ouvrir(lien, x, y) {
    fermer(false);
    declencheur = lien;
    items.forEach(function (item) {
      item.href = lien.getAttribute("data-" + item.getAttribute("data-action"));
    });
    lien.setAttribute("aria-expanded", "true");
    menu.hidden = false;
    menu.classList.add("show");
    var rect = lien.getBoundingClientRect();
    var gauche = (typeof x === "number") ? x : rect.left;
    var haut = (typeof y === "number") ? y : rect.bottom;
    var largeur = menu.offsetWidth, hauteur = menu.offsetHeight;
    gauche = Math.max(4, Math.min(gauche, window.innerWidth - largeur - 4));
    if (haut + hauteur > window.innerHeight - 4) { haut = Math.max(4, rect.top - hauteur); }
    menu.style.left = gauche + "px";
    menu.style.top = haut + "px";
    items[0].focus();
  }

  agenda.querySelectorAll("a.case-action").forEach(function (lien) {
    lien.setAttribute("aria-haspopup", "menu");
    lien.setAttribute("aria-expanded", "false");
    lien.setAttribute("aria-controls", "menu-planning");
  });

  function lienDe(cible) {
    var cellule = cible.closest ? cible.closest("td.case") : null;
    return cellule ? cellule.querySelector("a.case-action") : null;
  }

  // Clic (souris, appui tactile, touche Entrée sur le lien) : le menu plutôt que le lien.
  agenda.addEventListener("click", function (e) {
    var lien = e.target.closest ? e.target.closest("a.case-action") : null;
    if (!lien) { return; }
    e.preventDefault();
    var clavier = e.detail === 0;
    ouvrir(lien, clavier ? undefined : e.clientX, clavier ? undefined : e.clientY);
  });

  // Clic droit sur une case.
  agenda.addEventListener("contextmenu", function (e) {
    var lien = lienDe(e.target);
    if (!lien) { return; }
    e.preventDefault();
    ouvrir(lien, e.clientX, e.clientY);
  });

  // Clavier : Espace, touche « menu contextuel » ou Maj+F10 sur une case.
  agenda.addEventListener("keydown", function (e) {
    var lien = e.target.closest ? e.target.closest("a.case-action") : null;
    if (!lien) { return; }
    if (e.key === " " || e.key === "ContextMenu" || (e.key === "F10" && e.shiftKey)) {
      e.preventDefault();
      ouvrir(lien);
    }
  });

  menu.addEventListener("keydown", function (e) {
    var index = items.indexOf(document.activeElement);
    if (e.key === "Escape") {
      e.preventDefault();
      fermer(true);
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      items[(index + 1) % items.length].focus();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      items[(index - 1 + items.length) % items.length].focus();
    } else if (e.key === "Home") {
      e.preventDefault();
      items[0].focus();
    } else if (e.key === "End") {
      e.preventDefault();
      items[items.length - 1].focus();
    } else if (e.key === "Tab") {
      fermer(false);
    } else if (e.key === " ") {
      e.preventDefault();
      document.activeElement.click();
    }
  });

  document.addEventListener("click", function (e) {
    if (!menu.hidden && !menu.contains(e.target) && !(e.target.closest && e.target.closest("a.case-action"))) {
      fermer(false);
    }
  });
  window.addEventListener("resize", function () { fermer(false); });
})();
