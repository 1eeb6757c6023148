/* Keyboard shortcuts for a question: 1-6 toggle an option, N next (or check), P previous, F flag,
 * T read out the time left. They act only while focus is inside the question (#question), never with
 * a modifier key or in a text field, and the student can turn them off in the settings
 * (data-shortcuts="off"), as WCAG 2.1.4 asks for single-key shortcuts.
 */
(function () {
  "use strict";
  function typing(target) {
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) return true;
    return tag === "INPUT" && target.type !== "radio" && target.type !== "checkbox";
  }

  document.addEventListener("keydown", function (event) {
    var question = document.getElementById("question");
    if (!question || question.dataset.shortcuts !== "on" || !question.contains(event.target)) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || typing(event.target)) return;
    var key = event.key.toLowerCase();
    var target = null;
    if (/^[1-6]$/.test(key)) {
      target = question.querySelectorAll('input[name="option"]')[Number(key) - 1];
    } else if (key === "n") {
      target = question.querySelector('[data-key="next"]');
    } else if (key === "p") {
      target = question.querySelector('[data-key="prev"]');
    } else if (key === "f") {
      target = question.querySelector('[data-key="flag"]');
    } else if (key === "t") {
      event.preventDefault();
      document.dispatchEvent(new CustomEvent("quiz:announce-time"));
      return;
    }
    if (!target) return;
    event.preventDefault();
    target.click();
    if (target.tagName === "INPUT") target.focus();
  });

  function focusQuestion() {
    var question = document.getElementById("question");
    if (question && (!document.activeElement || document.activeElement === document.body)) {
      question.focus({ preventScroll: true });
    }
  }
  // Each question page (and a drill's feedback, swapped in by htmx) puts focus in the question,
  // so the shortcuts keep working from one question to the next.
  if (!window.location.hash) focusQuestion();
  document.body.addEventListener("htmx:afterSettle", focusQuestion);
})();
