// The staff's floor-plan editor: drag spaces onto the plan (or a placed one elsewhere) with
// the pointer, or move the focused marker with the arrow keys. Every move fills the space's
// x and y fields of the form below, which saves them; without this script that form alone
// places the spaces.
(function () {
  "use strict";
  var editor = document.querySelector("[data-plan-editor]");
  if (!editor) return;
  var overlay = editor.querySelector(".plan-markers");
  var tray = editor.querySelector("[data-plan-tray]");
  var status = editor.querySelector("[data-plan-status]");
  var dragging = null;

  function marker(id) { return overlay.querySelector('.spot-edit[data-resource="' + id + '"]'); }
  function field(id, axis) { return document.getElementById("f-r" + id + "-" + axis); }
  function clamp(value) { return Math.round(Math.min(100, Math.max(0, value)) * 10) / 10; }
  function percent(element, axis) { return parseFloat(element.getAttribute(axis)) || 0; }

  function place(id, x, y) {
    var spot = marker(id);
    x = clamp(x); y = clamp(y);
    spot.setAttribute("x", x + "%");
    spot.setAttribute("y", y + "%");
    spot.classList.remove("is-unplaced");
    field(id, "x").value = x;
    field(id, "y").value = y;
    status.textContent = spot.dataset.name + ": x " + x + "%, y " + y + "%";
  }

  // A space placed from the tray leaves it once the drag is over.
  function leaveTray(id) {
    if (marker(id).classList.contains("is-unplaced")) return;
    var item = tray.querySelector('.tray-item[data-resource="' + id + '"]');
    if (item) item.parentElement.remove();
    if (!tray.querySelector(".tray-item")) tray.hidden = true;
  }

  function pointAt(event) {
    var box = overlay.getBoundingClientRect();
    return {
      inside: event.clientX >= box.left && event.clientX <= box.right &&
        event.clientY >= box.top && event.clientY <= box.bottom,
      x: (event.clientX - box.left) / box.width * 100,
      y: (event.clientY - box.top) / box.height * 100
    };
  }

  function startDrag(event, id) {
    if (event.button !== 0) return;
    event.preventDefault();
    dragging = id;
    editor.classList.add("is-dragging");
  }

  document.addEventListener("pointermove", function (event) {
    if (dragging === null) return;
    var point = pointAt(event);
    if (point.inside) place(dragging, point.x, point.y);
  });

  function endDrag() {
    if (dragging === null) return;
    leaveTray(dragging);
    dragging = null;
    editor.classList.remove("is-dragging");
  }
  document.addEventListener("pointerup", endDrag);
  document.addEventListener("pointercancel", endDrag);

  overlay.querySelectorAll(".spot-edit").forEach(function (spot) {
    var id = spot.dataset.resource;
    var handle = spot.querySelector("[tabindex]");
    handle.addEventListener("pointerdown", function (event) { startDrag(event, id); });
    handle.addEventListener("keydown", function (event) {
      var steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      var step = steps[event.key];
      if (!step) return;
      event.preventDefault();
      var size = event.shiftKey ? 5 : 1;
      place(id, percent(spot, "x") + step[0] * size, percent(spot, "y") + step[1] * size);
    });
  });

  tray.querySelectorAll(".tray-item").forEach(function (item) {
    var id = item.dataset.resource;
    item.addEventListener("pointerdown", function (event) { startDrag(event, id); });
    // Enter or Space: put it in the middle of the plan, to move on with the arrow keys.
    item.addEventListener("click", function (event) {
      if (event.detail !== 0) return;  // a pointer's click ends a drag, handled above
      place(id, 50, 50);
      leaveTray(id);
      marker(id).querySelector("[tabindex]").focus();
    });
  });

  // Typed numbers move the marker too.
  document.querySelectorAll(".placement-form input[data-axis]").forEach(function (input) {
    input.addEventListener("change", function () {
      var id = input.dataset.resource;
      var x = parseFloat(field(id, "x").value), y = parseFloat(field(id, "y").value);
      if (!isNaN(x) && !isNaN(y)) { place(id, x, y); leaveTray(id); }
    });
  });

  if (tray.querySelector(".tray-item")) tray.hidden = false;
})();
