// The availability grid as one tab stop: a roving tabindex over the slot links and waitlist
// buttons. Tab reaches the first free slot (or the one last focused); the arrow keys move
// along a row and across rows, Home/End to the row's ends (with Ctrl: the table's ends).
// Enter follows the link as always. Without this script every control is a tab stop.
(function () {
  "use strict";
  const CONTROLS = "td.slot a, td.slot button";

  // Where a cell sits in its row, counted in columns (cells span several when merged).
  function columns(cell) {
    let start = 0;
    for (let c = cell.parentElement.firstElementChild; c && c !== cell; c = c.nextElementSibling) {
      start += c.colSpan || 1;
    }
    return { start: start, end: start + (cell.colSpan || 1) };
  }

  function setUp(table) {
    const rows = Array.from(table.querySelectorAll("tbody tr"))
      .map(function (tr) { return Array.from(tr.querySelectorAll(CONTROLS)); })
      .filter(function (controls) { return controls.length > 0; });
    const all = rows.flat();
    if (!all.length) return;
    const first = table.querySelector("td.slot-free a") || all[0];
    all.forEach(function (control) { control.tabIndex = control === first ? 0 : -1; });
    // The controls now give the scrolling region its keyboard stop; one stop is enough.
    const scroller = table.closest(".grid-scroll");
    if (scroller) scroller.removeAttribute("tabindex");
    table.querySelectorAll("[data-grid-keys]").forEach(function (hint) { hint.hidden = false; });

    function place(control) {
      return rows.findIndex(function (controls) { return controls.includes(control); });
    }

    // In another row, the control whose cell overlaps the current column, else the nearest.
    function across(rowIndex, from) {
      const here = columns(from.closest("td"));
      let best = null;
      let bestDistance = Infinity;
      rows[rowIndex].forEach(function (control) {
        const there = columns(control.closest("td"));
        const distance = there.end <= here.start ? here.start - there.end + 1
          : there.start >= here.end ? there.start - here.end + 1 : 0;
        if (distance < bestDistance) { best = control; bestDistance = distance; }
      });
      return best;
    }

    function next(control, key, ctrl) {
      const r = place(control);
      const row = rows[r];
      const i = row.indexOf(control);
      switch (key) {
        case "ArrowRight": return row[i + 1];
        case "ArrowLeft": return row[i - 1];
        case "ArrowDown": return r + 1 < rows.length ? across(r + 1, control) : null;
        case "ArrowUp": return r > 0 ? across(r - 1, control) : null;
        case "Home": return ctrl ? all[0] : row[0];
        case "End": return ctrl ? all[all.length - 1] : row[row.length - 1];
        default: return undefined;
      }
    }

    table.addEventListener("keydown", function (event) {
      const control = event.target.closest(CONTROLS);
      if (!control || event.altKey || event.metaKey || event.shiftKey) return;
      const target = next(control, event.key, event.ctrlKey);
      if (target === undefined) return;
      event.preventDefault();
      if (target) target.focus();
    });

    // Whatever gets focus (by arrow, click or script) is where Tab comes back to.
    table.addEventListener("focusin", function (event) {
      const control = event.target.closest(CONTROLS);
      if (!control || control.tabIndex === 0) return;
      all.forEach(function (other) { other.tabIndex = -1; });
      control.tabIndex = 0;
    });
  }

  document.querySelectorAll("table.availability").forEach(setUp);
})();
