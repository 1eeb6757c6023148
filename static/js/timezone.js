// Tell the server the browser's time zone once (and again if it changes), so times show in local time.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) return;
  var current = document.cookie.split("; ").find(function (pair) { return pair.indexOf("tz=") === 0; });
  if (current && decodeURIComponent(current.slice(3)) === zone) return;
  document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
})();
