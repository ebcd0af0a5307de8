// After an htmx swap, keep keyboard focus where the change happened instead of letting it fall
// to <body> (the top of the page). The swapped content decides: an element marked data-focus,
// an autofocus, the first invalid field, then the outcome message; otherwise focus goes back
// to the element that sent the request, if it is still on the page.
(function () {
  "use strict";
  const MARKED = ["[data-focus]", "[autofocus]", "[aria-invalid='true']"];
  // An error outranks a standing status line (a form may always show one, e.g. a limit).
  const MESSAGES = ["[role='alert']", "[role='status'], .notice"];
  // What was focused when each request left, and what its swap put on the page.
  const requests = new WeakMap();

  function find(regions, selector) {
    for (const region of regions) {
      if (!region.isConnected) continue;
      if (region.matches(selector)) return region;
      const hit = region.querySelector(selector);
      if (hit) return hit;
    }
    return null;
  }

  function focusLost() {
    const active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  function target(regions, request) {
    for (const selector of MARKED) {
      const hit = find(regions, selector);
      if (hit) return hit;
    }
    const message = find(regions, MESSAGES[0]) || find(regions, MESSAGES[1]);
    if (message) {
      // A message is not focusable by itself: make it reachable by script only.
      if (!message.hasAttribute("tabindex")) message.setAttribute("tabindex", "-1");
      return message;
    }
    const sender = request.active;
    if (sender && sender.isConnected) return sender;
    if (sender && sender.id) return document.getElementById(sender.id);
    return null;
  }

  function settle(request) {
    // Typing in a live search must not lose its field: only a submit or a click, or a swap
    // that removed the focused element, moves focus.
    if (!request.deliberate && !focusLost()) return;
    const element = target(request.regions, request);
    if (element && element !== document.activeElement) element.focus();
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    const detail = event.detail;
    const trigger = detail.requestConfig && detail.requestConfig.triggeringEvent;
    const type = trigger ? trigger.type : "";
    requests.set(detail.xhr, {
      active: document.activeElement,
      deliberate: type === "submit" || type === "click",
      regions: [],
      scheduled: false,
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    const request = requests.get(event.detail.xhr);
    if (!request || !(event.target instanceof Element)) return;
    request.regions.push(event.target);
    // One swap settles each new element separately: decide once, after the last of them.
    if (request.scheduled) return;
    request.scheduled = true;
    setTimeout(function () { settle(request); }, 0);
  });
})();
