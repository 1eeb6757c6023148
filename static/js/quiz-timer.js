/* Countdown for timed practice tests.
 * The server owns the deadline: the page carries it (and the server's clock at render time) in data-*
 * attributes, and every tick recomputes the time left from them, so background tabs, sleep and slow
 * timers cannot make it drift. Screen readers hear the time only at thresholds (or on demand with T),
 * through a polite live region, never every second. The display can be hidden and shown again.
 */
(function () {
  "use strict";
  var box = document.getElementById("timer");
  if (!box || !box.dataset.deadlineMs) return;
  var clock = document.getElementById("timer-clock");
  var label = document.getElementById("timer-label");
  var announcer = document.getElementById("timer-announcer");
  var toggle = document.getElementById("timer-toggle");
  var deadline = Number(box.dataset.deadlineMs);
  var offset = Number(box.dataset.serverNowMs) - Date.now(); // server clock minus this browser's clock
  var thresholds = (box.dataset.announce || "").split(",").map(Number).filter(Boolean);
  var spoken = {};
  var expired = false;
  var storageKey = "examprep-timer-hidden";

  function secondsLeft() {
    return Math.max(0, Math.ceil((deadline - (Date.now() + offset)) / 1000));
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return h ? h + ":" + pad(m) + ":" + pad(sec) : m + ":" + pad(sec);
  }
  function words(s) {
    var m = Math.floor(s / 60), sec = s % 60, parts = [];
    if (m) parts.push(m + (m === 1 ? " minute" : " minutes"));
    if (sec || !m) parts.push(sec + (sec === 1 ? " second" : " seconds"));
    return parts.join(" ") + " left";
  }
  function say(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 100);
  }

  // Thresholds already behind us when the page loads are not announced again.
  var atLoad = secondsLeft();
  thresholds.forEach(function (minutes) { if (minutes * 60 >= atLoad) spoken[minutes] = true; });
  if (atLoad <= 30) spoken.half = true;

  function render() {
    var left = secondsLeft();
    clock.textContent = format(left);
    box.classList.toggle("timer-low", left <= 300);
    thresholds.forEach(function (minutes) {
      if (!spoken[minutes] && left <= minutes * 60) {
        spoken[minutes] = true;
        say(words(minutes * 60) + ".");
      }
    });
    if (!spoken.half && left <= 30) {
      spoken.half = true;
      say("30 seconds left.");
    }
    if (left === 0 && !expired) {
      expired = true;
      say("Time is up. Your test is being submitted.");
      window.location.assign(box.dataset.expireUrl);
    }
  }

  function applyHidden(hidden) {
    clock.hidden = hidden;
    label.hidden = hidden;
    toggle.textContent = hidden ? "Show timer" : "Hide timer";
  }
  toggle.hidden = false;
  var stored = false;
  try { stored = window.localStorage.getItem(storageKey) === "1"; } catch (e) { stored = false; }
  applyHidden(stored);
  toggle.addEventListener("click", function () {
    var hidden = !clock.hidden;
    applyHidden(hidden);
    try { window.localStorage.setItem(storageKey, hidden ? "1" : "0"); } catch (e) { /* private mode */ }
  });

  document.addEventListener("quiz:announce-time", function () { say(words(secondsLeft()) + "."); });
  document.addEventListener("visibilitychange", render);
  render();
  window.setInterval(render, 1000);
})();
