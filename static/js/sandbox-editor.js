// Turns every <textarea data-editor="python"> into a CodeMirror editor (static/vendor/codemirror-bundle.js).
// The textarea stays the form field, so saving works the same with or without this script.
(function () {
  function attachAll(root) {
    if (!window.ExamprepEditor) return;
    root.querySelectorAll('textarea[data-editor="python"]').forEach(function (textarea) {
      window.ExamprepEditor.attach(textarea);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { attachAll(document); });
  document.addEventListener("htmx:load", function (event) { attachAll(event.target); });
})();
