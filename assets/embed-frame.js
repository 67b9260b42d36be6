/* Runs inside Sightline's embed pages, before and after the WASM loads: tells the framing page
 * how tall the content is, so <sightline-embed> can size its iframe to fit. */
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = 0;
  // The content's own height: the document is at least as tall as the frame, so it cannot say.
  var content = document.querySelector(".visitor") || document.body;
  function report() {
    var height = Math.ceil(content.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage(JSON.stringify({ sightline: "resize", height: height }), "*");
    }
  }
  if (window.ResizeObserver) {
    new ResizeObserver(report).observe(content);
  }
  window.addEventListener("load", report);
  report();
})();
