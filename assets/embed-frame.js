/* Runs inside Sightline's embed pages, before and after the WASM loads: tells the framing page
 * how tall the content is, so <sightline-embed> can size its iframe to fit. */
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = 0;
  function report() {
    var height = document.documentElement.scrollHeight;
    if (height !== last) {
      last = height;
      window.parent.postMessage(JSON.stringify({ sightline: "resize", height: height }), "*");
    }
  }
  if (window.ResizeObserver) {
    new ResizeObserver(report).observe(document.documentElement);
  }
  window.addEventListener("load", report);
  report();
})();
