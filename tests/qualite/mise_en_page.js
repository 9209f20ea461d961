// Contrôles de mise en page d'une page affichée, tous en un seul appel (une largeur de fenêtre).
// Renvoie la liste des défauts : {controle, message}. Voir tests/qualite/mise_en_page.py.
(options) => {
  const defauts = [];
  const largeur = window.innerWidth;
  const TOLERANCE = 1; // arrondis des positions fractionnaires

  const decrire = (el) => {
    const parties = [];
    for (let n = el; n && n.nodeType === 1 && parties.length < 4; n = n.parentElement) {
      let p = n.tagName.toLowerCase();
      if (n.id) { parties.unshift(p + '#' + n.id); break; }
      const classes = [...n.classList].slice(0, 2);
      if (classes.length) p += '.' + classes.join('.');
      parties.unshift(p);
    }
    const texte = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return parties.join(' > ') + (texte ? ` « ${texte} »` : '');
  };
  // Masqué : réservé aux lecteurs d'écran, ou dans un <details> fermé (hors de son <summary>),
  // dont Chromium garde la boîte du contenu sans l'afficher.
  const masque = (el) => el.closest('.visually-hidden, .visually-hidden-focusable:not(:focus-within)')
    || el.closest('details:not([open]) > :not(summary)');
  const exempte = (el) => options.exemptes.some((s) => el.closest(s));

  // 1. La page n'est jamais plus large que la fenêtre.
  const pleine = document.documentElement.scrollWidth;
  if (pleine > largeur) {
    const coupables = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > largeur + TOLERANCE && !masque(el)
          && ![...el.children].some((e) => e.getBoundingClientRect().right > largeur + TOLERANCE)) {
        coupables.push(`${decrire(el)} (bord droit à ${Math.round(r.right)} px)`);
        if (coupables.length >= 3) break;
      }
    }
    defauts.push({controle: 'largeur', message: `page large de ${pleine} px pour une fenêtre de ${largeur} px : ${coupables.join(' ; ')}`});
  }

  // 2. Rien de <main> ne finit sous le haut du pied de page.
  const main = document.querySelector('main');
  const pied = document.querySelector(options.pied);
  if (!main || !pied) {
    defauts.push({controle: 'pied', message: `page sans ${main ? 'pied de page' : '<main>'} : rien à comparer`});
  } else {
    const haut = pied.getBoundingClientRect().top;
    const sous = [];
    for (const el of [main, ...main.querySelectorAll('*')]) {
      const r = el.getBoundingClientRect();
      if ((r.width === 0 && r.height === 0) || r.bottom <= haut + TOLERANCE || masque(el)) continue;
      const style = getComputedStyle(el);
      if (style.position === 'fixed' || style.visibility === 'hidden') continue;
      // Coupé par un ancêtre qui ne déborde pas (défilement interne) : l'ancêtre est contrôlé.
      let coupe = false;
      for (let a = el.parentElement; a && a !== main.parentElement; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (s.overflowY !== 'visible' && a.getBoundingClientRect().bottom <= haut + TOLERANCE) { coupe = true; break; }
      }
      if (coupe) continue;
      sous.push(`${decrire(el)} (finit à ${Math.round(r.bottom - haut)} px sous le pied)`);
      if (sous.length >= 3) break;
    }
    if (sous.length) defauts.push({controle: 'pied', message: `contenu sous le pied de page : ${sous.join(' ; ')}`});
  }

  // 3. Aucun texte écrasé : 4 caractères ou plus dans une boîte de moins de 24 px de large et
  //    de plus de 3 lignes de haut.
  const ecrases = [];
  for (const el of document.body.querySelectorAll('*')) {
    const texte = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.data).join('').replace(/\s+/g, '');
    if (texte.length < 4) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.width >= options.largeurMin) continue;
    const style = getComputedStyle(el);
    const ligne = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
    if (r.height > 3 * ligne && !masque(el)) {
      ecrases.push(`${decrire(el)} (${Math.round(r.width)} × ${Math.round(r.height)} px)`);
      if (ecrases.length >= 3) break;
    }
  }
  if (ecrases.length) defauts.push({controle: 'ecrase', message: `texte écrasé : ${ecrases.join(' ; ')}`});

  // 4. Sur un téléphone, aucun tableau ne défile de côté (ni lui, ni un de ses conteneurs).
  if (largeur <= options.largeurTelephone) {
    for (const table of document.querySelectorAll('table')) {
      const r = table.getBoundingClientRect();
      if (r.width === 0 || exempte(table)) continue;
      let defile = r.left < -TOLERANCE || r.right > largeur + TOLERANCE;
      for (let a = table; a && a !== document.body && !defile; a = a.parentElement) {
        const s = getComputedStyle(a);
        defile = a.scrollWidth > a.clientWidth + TOLERANCE && ['auto', 'scroll', 'hidden'].includes(s.overflowX);
      }
      if (defile) defauts.push({controle: 'tableau', message: `tableau qui défile de côté à ${largeur} px : ${decrire(table)} (${Math.round(table.scrollWidth)} px de large)`});
    }
  }
  return defauts;
}
