// Boxes that scroll sideways (code blocks, wide tables, logs, timelines) become keyboard-focusable regions
// with a name, so keyboard users can scroll them too. Re-checked when the page changes size or htmx swaps.
(function () {
  "use strict";
  var SELECTOR = "main pre, main .table-scroll, main .table-wrap, main .scroll-x, main .cm-scroller, main [data-scrolls]";

  function describe(box) {
    if (box.dataset.scrolls) return box.dataset.scrolls;
    if (box.classList.contains("scroll-x")) return "Picture (scrolls sideways)";
    if (box.classList.contains("cm-scroller")) return "Code editor (scrolls)";
    if (box.classList.contains("table-scroll") || box.classList.contains("table-wrap")) {
      var caption = box.querySelector("caption");
      return (caption ? caption.textContent.trim() : "Table") + " (scrolls sideways)";
    }
    return "Code (scrolls sideways)";
  }

  function mark() {
    var boxes = document.querySelectorAll(SELECTOR);
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var scrolls = box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
      if (scrolls) box.dataset.overflowing = "true";
      else delete box.dataset.overflowing;
      // CodeMirror gives its scroller tabindex="-1"; a scrolling one must be reachable from the keyboard too.
      var before = box.getAttribute("tabindex");
      var open = before === null || (before === "-1" && box.classList.contains("cm-scroller"));
      if (scrolls && open && !box.dataset.madeFocusable) {
        box.dataset.madeFocusable = before === null ? "none" : before;
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", describe(box) + " " + (i + 1));
      } else if (!scrolls && box.dataset.madeFocusable) {
        if (box.dataset.madeFocusable === "none") box.removeAttribute("tabindex");
        else box.setAttribute("tabindex", box.dataset.madeFocusable);
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.madeFocusable;
      }
    }
  }

  var pending;
  function later() {
    clearTimeout(pending);
    pending = setTimeout(mark, 100);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
  window.addEventListener("load", mark); // editors and pictures built by later scripts
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", later);
  document.addEventListener("toggle", later, true);
})();
