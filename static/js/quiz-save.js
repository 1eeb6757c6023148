/* The visible save state of an answer: "Saving…" while the autosave request runs, and a clear message
 * when it fails, so a student never believes an answer is stored when it is not. */
(function () {
  "use strict";
  function status() { return document.getElementById("save-status"); }
  function show(state, text) {
    var el = status();
    if (!el) return;
    var span = document.createElement("span");
    span.className = "save-state";
    span.dataset.state = state;
    span.textContent = text;
    el.replaceChildren(span);
  }
  function fromAnswerForm(event) {
    var elt = event.detail && event.detail.elt;
    return elt && (elt.id === "answer-form" || elt.id === "flag-button");
  }
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (fromAnswerForm(event) && event.detail.elt.id === "answer-form") show("saving", "Saving…");
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (fromAnswerForm(event)) {
      show("error", "Not saved: the connection failed. Change your answer again or use Next to retry.");
    }
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    if (fromAnswerForm(event)) {
      show("error", "Not saved: the server refused the request (" + event.detail.xhr.status + "). Reload the page.");
    }
  });
})();
