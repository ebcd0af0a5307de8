// Small enhancements for every page; each works without the others and the page works without them.
(function () {
  "use strict";
  const lang = document.documentElement.lang || "vi";

  // A native date field shows the browser's format (12/04/2026 in an English browser),
  // which can read as another day beside the page's 04/12/2026. Say the chosen day in the
  // page's format, with its weekday, right under the field; screen readers hear the change.
  const weekday = new Intl.DateTimeFormat(lang, { weekday: "long", timeZone: "UTC" });

  function spoken(value) {
    // "2026-12-04" from a date field, "2026-12-04T09:30" from a date-and-time field.
    const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?/.exec(value);
    if (!match) return "";
    const day = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
    const name = weekday.format(day);
    const time = match[4] ? " " + match[4] : "";
    return name.charAt(0).toUpperCase() + name.slice(1) + ", " + match[3] + "/" + match[2] + "/" + match[1] + time;
  }

  function echo(input) {
    if (input.dataset.dateEcho) return;
    const out = document.createElement("output");
    out.id = (input.id || input.name) + "-chosen";
    out.className = "date-echo";
    out.setAttribute("aria-live", "polite");
    input.dataset.dateEcho = out.id;
    input.insertAdjacentElement("afterend", out);
    const described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? described + " " + out.id : out.id);
    const show = function () { out.textContent = spoken(input.value); };
    input.addEventListener("change", show);
    input.addEventListener("input", show);
    show();
  }

  // A table wider than a phone scrolls sideways in its box: while it does, the box is a named
  // tab stop, so a keyboard can scroll it too. Boxes that fit, or that hold a control of their
  // own (focusing it scrolls the box), stay out of the tab order.
  const CONTROL = "a[href], button, input, select, textarea";
  function reachable(box) {
    if (box.dataset.scrollFocus === undefined && box.hasAttribute("tabindex")) return;
    const scrolls = box.scrollWidth > box.clientWidth + 1 && !box.querySelector(CONTROL);
    if (scrolls && box.dataset.scrollFocus === undefined) {
      const caption = box.querySelector("caption");
      box.dataset.scrollFocus = "";
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      if (caption && !box.hasAttribute("aria-label")) box.setAttribute("aria-label", caption.textContent.trim());
    } else if (!scrolls && box.dataset.scrollFocus !== undefined) {
      delete box.dataset.scrollFocus;
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
    }
  }

  function enhance(root) {
    root.querySelectorAll('input[type="date"], input[type="datetime-local"]').forEach(echo);
    root.querySelectorAll(".table-scroll").forEach(reachable);
  }

  let resizing = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { document.querySelectorAll(".table-scroll").forEach(reachable); }, 150);
  });

  // Switching language comes back to this very address, with what htmx put in it since.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.classList || !form.classList.contains("language-switch")) return;
    const next = form.querySelector('input[name="next"]');
    if (next) next.value = location.pathname + location.search;
  });

  enhance(document);
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
