// The function editor (#function-form) says "Unsaved changes" while its fields differ from what was last
// saved, and saves them before the student follows a link to another page of the site (for example to the
// Events tab to invoke the function), so that the next run never uses the old code by surprise. If the save
// is refused, the form shows why and the student stays on the page.
(function () {
  var saved = null;

  function form() { return document.getElementById("function-form"); }

  function snapshot(element) {
    var data = new FormData(element);
    data.delete("csrfmiddlewaretoken");
    data.delete("next");
    return new URLSearchParams(data).toString();
  }

  function isDirty() {
    var element = form();
    if (!element) return false;
    return element.dataset.unsaved === "true" || snapshot(element) !== saved;
  }

  function showState() {
    var element = form();
    if (!element) return;
    var note = element.querySelector("[data-unsaved-note]");
    if (note) note.hidden = !isDirty();
  }

  function start() {
    var element = form();
    if (!element) return;
    saved = snapshot(element);
    showState();
  }

  function later() { window.setTimeout(showState, 0); }

  function leaveThroughSave(event) {
    var link = event.target.closest && event.target.closest("a[href]");
    var element = form();
    if (!link || !element || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || link.target === "_blank") return;
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || link.hasAttribute("download")) return;
    if (url.pathname === window.location.pathname && url.search === window.location.search) return;
    if (!isDirty()) return;
    event.preventDefault();
    var next = element.querySelector("input[name=next]") || document.createElement("input");
    next.type = "hidden";
    next.name = "next";
    next.value = url.pathname + url.search + url.hash;
    element.appendChild(next);
    element.requestSubmit();
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:load", function (event) {
    if (event.target.id === "function-form") start();
  });
  ["input", "change", "keyup", "paste", "cut", "drop"].forEach(function (name) {
    document.addEventListener(name, later, true);
  });
  document.addEventListener("click", leaveThroughSave, true);
})();
