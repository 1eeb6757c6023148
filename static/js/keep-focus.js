// A control that replaces the region it sits in (the timeline's replay buttons, for instance) keeps keyboard
// focus: when the swap leaves focus nowhere, the new control with the same id gets it back, so the next Tab goes
// on from there.
(function () {
  "use strict";
  var pressed = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    pressed = elt && elt.id && elt === document.activeElement ? elt.id : null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!pressed) return;
    var again = document.getElementById(pressed);
    pressed = null;
    var current = document.activeElement;
    var lost = !current || current === document.body || !document.body.contains(current);
    if (again && lost && typeof again.focus === "function") {
      again.focus({ preventScroll: true });
    }
  });
})();
