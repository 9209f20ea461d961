/* Planning : menu du jour des cases de l'agenda (clic droit, appui, clavier).
 * Sans JavaScript, chaque case est un lien vers la première action possible ce jour-là ; avec,
 * le lien ouvre un menu qui dit pour quel jour et quelle activité, et n'offre que les actions
 * possibles (data-reserver, data-absence, data-annuler-absence, data-proposition de la case).
 * Le menu n'a pas la classe « dropdown-menu » de Bootstrap : son gestionnaire de clavier (flèches,
 * Échap) cherchait un bouton déclencheur qui n'existe pas ici et levait une exception. */
(function () {
  "use strict";
  var agenda = document.getElementById("agenda");
  var menu = document.getElementById("menu-planning");
  if (!agenda || !menu) { return; }
  var titre = document.getElementById("menu-planning-titre");
  var items = Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]"));
  var declencheur = null;

  function visibles() {
    return items.filter(function (item) { return !item.hidden; });
  }

  function fermer(rendreFocus) {
    if (menu.hidden) { return; }
    menu.hidden = true;
    if (declencheur) {
      declencheur.setAttribute("aria-expanded", "false");
      if (rendreFocus) { declencheur.focus(); }
    }
    declencheur = null;
  }

  function titreDe(lien) {
    var ligne = lien.closest("tr");
    var activite = ligne ? ligne.querySelector(".planning-activite") : null;
    var jour = lien.getAttribute("title") || "";
    return (activite ? activite.textContent.trim() + " — " : "") + jour;
  }

  function placer(lien) {
    // Sous la case (ou au-dessus s'il n'y a pas la place) : la case reste visible.
    var rect = lien.getBoundingClientRect();
    var largeur = menu.offsetWidth, hauteur = menu.offsetHeight;
    var gauche = Math.max(4, Math.min(rect.left, window.innerWidth - largeur - 4));
    var haut = rect.bottom + 2;
    if (haut + hauteur > window.innerHeight - 4) {
      haut = Math.max(4, rect.top - hauteur - 2);
    }
    menu.style.left = gauche + "px";
    menu.style.top = haut + "px";
  }

  function ouvrir(lien) {
    fermer(false);
    declencheur = lien;
    items.forEach(function (item) {
      var url = lien.getAttribute("data-" + item.getAttribute("data-action"));
      item.hidden = !url;
      item.href = url || "#";
    });
    titre.textContent = titreDe(lien);
    lien.setAttribute("aria-expanded", "true");
    menu.hidden = false;
    placer(lien);
    visibles()[0].focus();
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
    ouvrir(lien);
  });

  // Clic droit sur une case.
  agenda.addEventListener("contextmenu", function (e) {
    var lien = lienDe(e.target);
    if (!lien) { return; }
    e.preventDefault();
    ouvrir(lien);
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
    var liste = visibles();
    var index = liste.indexOf(document.activeElement);
    var geree = true;
    if (e.key === "Escape") {
      fermer(true);
    } else if (e.key === "ArrowDown") {
      liste[(index + 1) % liste.length].focus();
    } else if (e.key === "ArrowUp") {
      liste[(index - 1 + liste.length) % liste.length].focus();
    } else if (e.key === "Home") {
      liste[0].focus();
    } else if (e.key === "End") {
      liste[liste.length - 1].focus();
    } else if (e.key === " ") {
      document.activeElement.click();
    } else {
      geree = false;
      if (e.key === "Tab") { fermer(false); }
    }
    if (geree) {
      e.preventDefault();
      e.stopPropagation();
    }
  });

  document.addEventListener("click", function (e) {
    if (!menu.hidden && !menu.contains(e.target) && !(e.target.closest && e.target.closest("a.case-action"))) {
      fermer(false);
    }
  });
  window.addEventListener("resize", function () { fermer(false); });
  document.querySelector(".planning-defilement").addEventListener("scroll", function () {
    fermer(false);
  }, { passive: true });
})();

/* Vue téléphone : le bouton dit combien de jours sont cochés (sans JavaScript, il envoie les
 * jours cochés tout autant). */
(function () {
  "use strict";
  document.querySelectorAll(".jours-mobile-formulaire").forEach(function (formulaire) {
    var bouton = formulaire.querySelector("button[type=submit]");
    if (!bouton) { return; }
    var compte = document.createElement("span");
    compte.className = "jours-coches";
    bouton.insertBefore(compte, bouton.firstChild.nextSibling);
    function actualiser() {
      var n = formulaire.querySelectorAll("input[name=jours]:checked").length;
      compte.textContent = n ? " (" + n + ")" : "";
    }
    formulaire.addEventListener("change", actualiser);
    actualiser();

  });
})();
