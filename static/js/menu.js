// Folds marked .wide-open (the header menu, the spaces filters) are <details> that screens wider
// than a phone always show, through ::details-content in hub.css; without JS they still open and
// close. Here: Escape closes the open header menu and puts focus back on its button, and browsers
// without ::details-content get the folds opened on wide screens.
(function () {
  "use strict";
  const menu = document.querySelector(".site-menu");
  if (menu) {
    menu.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !menu.open) return;
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  }
  if (CSS.supports("selector(::details-content)")) return;
  const wide = window.matchMedia("(min-width: 40.0625rem)");
  const folds = Array.from(document.querySelectorAll("details.wide-open"));
  const openedByPage = new Set(folds.filter(function (fold) { return fold.open; }));
  const follow = function () {
    folds.forEach(function (fold) { fold.open = wide.matches || openedByPage.has(fold); });
  };
  follow();
  wide.addEventListener("change", follow);
})();
