/* Sightline embed: <sightline-embed host app ui sheet object field access-code theme toolbar select>.
 * Builds the iframe of /embed/<app>/<ui>, sizes it to its content, and re-emits the frame's
 * messages as DOM events: "selectionchange" (detail.selections) and "sessionended".
 * Served by Sightline at /embed.js; plain JavaScript, no build step, no dependencies. */
(function () {
  "use strict";
  if (window.customElements === undefined || window.customElements.get("sightline-embed")) {
    return;
  }
  var OPTIONS = ["sheet", "object", "field", "theme", "toolbar", "select"];

  function frameUrl(element) {
    var host = (element.getAttribute("host") || "").replace(/\/+$/, "");
    var app = element.getAttribute("app") || "";
    var ui = element.getAttribute("ui") || "app";
    var query = ["eac=" + encodeURIComponent(element.getAttribute("access-code") || "")];
    OPTIONS.forEach(function (name) {
      var value = element.getAttribute(name);
      if (value !== null && value !== "") {
        query.push(name + "=" + encodeURIComponent(value));
      }
    });
    return host + "/embed/" + encodeURIComponent(app) + "/" + encodeURIComponent(ui) + "?" + query.join("&");
  }

  class SightlineEmbed extends HTMLElement {
    static get observedAttributes() {
      return ["host", "app", "ui", "access-code"].concat(OPTIONS);
    }

    connectedCallback() {
      if (!this.frame) {
        this.style.display = this.style.display || "block";
        this.frame = document.createElement("iframe");
        this.frame.setAttribute("title", this.getAttribute("title") || "Sightline");
        this.frame.setAttribute("referrerpolicy", "no-referrer");
        this.frame.style.border = "0";
        this.frame.style.width = "100%";
        this.frame.style.height = this.getAttribute("height") || "420px";
        this.appendChild(this.frame);
        this.onMessage = this.onMessage.bind(this);
        window.addEventListener("message", this.onMessage);
      }
      this.load();
    }

    disconnectedCallback() {
      window.removeEventListener("message", this.onMessage);
    }

    attributeChangedCallback() {
      if (this.frame) {
        this.load();
      }
    }

    load() {
      var url = frameUrl(this);
      if (this.frame.getAttribute("src") !== url) {
        this.frame.setAttribute("src", url);
      }
    }

    onMessage(event) {
      // Only this element's own frame speaks to it.
      if (!this.frame || event.source !== this.frame.contentWindow || typeof event.data !== "string") {
        return;
      }
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (message.sightline === "resize" && message.height > 0) {
        this.frame.style.height = Math.ceil(message.height) + "px";
      } else if (message.sightline === "selections") {
        this.dispatchEvent(new CustomEvent("selectionchange", { detail: { selections: message.selections }, bubbles: true }));
      } else if (message.sightline === "session-ended") {
        this.dispatchEvent(new CustomEvent("sessionended", { bubbles: true }));
      }
    }
  }

  window.customElements.define("sightline-embed", SightlineEmbed);
})();
