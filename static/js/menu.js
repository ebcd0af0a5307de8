// Folds marked .wide-open (the header menu, the spaces filters) are always open on screens wider
// than a phone, through ::details-content in hub.css. Browsers without that selector get them
// opened here on wide screens; on a phone they start folded unless the page opened them.
(function () {
  "use strict";
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
