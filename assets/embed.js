/* Sightline embed, served at /embed.js: plain JavaScript, no build step, no dependencies.
 *
 * <sightline-embed host app ui sheet object field access-code theme toolbar select locale>, the native
 * element; and Qlik's markup, for pages written for Qlik Cloud: the script tag's data-host and
 * data-access-code, <qlik-embed ui app-id object-id sheet-id field-id theme iframe>, and
 * <qlik-initial-selections app-id><field name values="a;b"></field></qlik-initial-selections>.
 * Qlik attributes Sightline cannot honour are reported once each in the console, by name.
 *
 * Both elements build the iframe of /embed/<app>/<ui>, size it to its content, and re-emit the
 * frame's messages as DOM events: "selectionchange" (detail.selections) and "sessionended".
 *
 * For the host site's own signed-in users, instead of an access code: get-token="fn" on
 * <sightline-embed>, or Qlik's data-auth-type="Oauth2" with data-get-access-token="fn" on the
 * script tag. fn is a function of the page that returns (or promises) a token its backend
 * signed for the user; the frame asks for one when it starts and before each one expires, and
 * gets it by message: no cookie crosses the sites.
 *
 * The embeds of one app on a page share one session, as a Qlik mashup's objects do: one seat
 * (or one licence connection), one set of selections. The first embed starts the session and
 * tells this script; the others open on it, and a selection in one makes the others draw
 * again. */
(function () {
  "use strict";
  if (window.customElements === undefined || window.customElements.get("sightline-embed")) {
    return;
  }
  var OPTIONS = ["sheet", "object", "field", "theme", "toolbar", "select", "locale"];
  var script = document.currentScript;

  // --- Qlik's script tag ----------------------------------------------------------------------

  // The data-* attributes of Qlik's script tag: those Sightline uses, those it needs no value
  // for (its anonymous embeds are keyed by the access code alone), and the rest, reported.
  var SCRIPT_USED = ["data-host", "data-access-code", "data-get-access-token"];
  var SCRIPT_UNNEEDED = ["data-client-id", "data-auth-type"];
  var reported = {};

  function report(what, why) {
    if (reported[what]) {
      return;
    }
    reported[what] = true;
    if (window.console && console.warn) {
      console.warn("Sightline: " + what + " is not supported and is ignored (" + why + ").");
    }
  }

  var qlik = { host: "", accessCode: "", getToken: "" };
  if (script) {
    var fromSrc = (script.getAttribute("src") || "").replace(/\/embed\.js(\?.*)?$/, "");
    qlik.host = (script.getAttribute("data-host") || fromSrc).replace(/\/+$/, "");
    qlik.accessCode = script.getAttribute("data-access-code") || "";
    Array.prototype.forEach.call(script.attributes, function (attribute) {
      var name = attribute.name;
      if (name.indexOf("data-") !== 0 || SCRIPT_USED.indexOf(name) >= 0 || SCRIPT_UNNEEDED.indexOf(name) >= 0) {
        return;
      }
      report("the script attribute " + name, "Sightline embeds by access code, with no sign-in to configure");
    });
    var authType = (script.getAttribute("data-auth-type") || "anonymous").toLowerCase();
    if (authType === "oauth2" && script.getAttribute("data-get-access-token")) {
      // Qlik's impersonation: the page's function gives the token its backend signed.
      qlik.getToken = script.getAttribute("data-get-access-token");
    } else if (authType !== "anonymous") {
      report('data-auth-type="' + authType + '"', "Sightline embeds anonymously by access code, or for the page's own users with data-auth-type=\"Oauth2\" and data-get-access-token");
    }
  }

  // --- The frame, shared by both elements -----------------------------------------------------

  /** The page's embeds by session: same server, app, access code or token function. */
  var groups = {};

  function groupOf(spec) {
    var key = [spec.host, spec.app, spec.accessCode || "", spec.getToken || ""].join("|");
    if (!groups[key]) {
      groups[key] = { members: [], leader: null, token: null, session: null, waiting: [], asking: [] };
    }
    return groups[key];
  }

  function frameUrl(spec) {
    var query = spec.getToken ? ["auth=host"] : ["eac=" + encodeURIComponent(spec.accessCode || "")];
    OPTIONS.forEach(function (name) {
      var value = spec[name];
      if (value !== undefined && value !== null && value !== "") {
        query.push(name + "=" + encodeURIComponent(value));
      }
    });
    return spec.host + "/embed/" + encodeURIComponent(spec.app) + "/" + encodeURIComponent(spec.ui) + "?" + query.join("&");
  }

  class EmbedFrame extends HTMLElement {
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
      // Qlik's page may put <qlik-initial-selections> after the element: read the page whole.
      if (document.readyState === "loading") {
        if (!this.waiting) {
          this.waiting = true;
          document.addEventListener("DOMContentLoaded", this.load.bind(this), { once: true });
        }
        return;
      }
      var spec = this.spec();
      if (spec === null) {
        return;
      }
      var group = groupOf(spec);
      if (group.members.indexOf(this) < 0) {
        group.members.push(this);
      }
      if (group.leader === null || group.leader === this || !group.leader.isConnected) {
        group.leader = this;
      } else if (!spec.getToken && group.token === null) {
        // The first embed's session is not known yet: open on it once it is.
        if (group.waiting.indexOf(this) < 0) {
          group.waiting.push(this);
        }
        return;
      }
      var url = frameUrl(spec);
      if (group.leader !== this && !spec.getToken && group.token) {
        url += "&session=" + encodeURIComponent(group.token);
      }
      if (this.frame.getAttribute("src") !== url) {
        this.frame.setAttribute("src", url);
      }
    }

    /** The other embeds of this one's session. */
    others() {
      var spec = this.spec();
      var me = this;
      return spec === null ? [] : groupOf(spec).members.filter(function (m) {
        return m !== me && m.isConnected && m.frame && m.frame.contentWindow;
      });
    }

    /** Posts to this embed's frame, and to no other origin. */
    post(message) {
      var spec = this.spec();
      var target = spec && spec.host ? new URL(spec.host, window.location.href).origin : null;
      if (this.frame && this.frame.contentWindow && target) {
        this.frame.contentWindow.postMessage(JSON.stringify(message), target);
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
        if (!message.refreshed) {
          this.dispatchEvent(new CustomEvent("selectionchange", { detail: { selections: message.selections }, bubbles: true }));
          // One session: the other embeds draw the new selections.
          this.others().forEach(function (other) {
            other.post({ sightline: "refresh" });
          });
        }
      } else if (message.sightline === "session") {
        var group = this.spec() && groupOf(this.spec());
        if (group && group.leader === this) {
          group.token = message.token || group.token;
          group.session = message.session || group.session;
          var waiting = group.waiting;
          group.waiting = [];
          waiting.forEach(function (embed) {
            embed.load();
          });
          if (group.session) {
            var asking = group.asking;
            group.asking = [];
            asking.forEach(function (embed) {
              embed.post({ sightline: "token", session: group.session });
            });
          }
        }
      } else if (message.sightline === "session-ended") {
        this.dispatchEvent(new CustomEvent("sessionended", { bubbles: true }));
      } else if (message.sightline === "token-needed") {
        var shared = this.spec() && groupOf(this.spec());
        if (shared && shared.leader !== this && shared.session) {
          // The session another embed of the page signed in with.
          this.post({ sightline: "token", session: shared.session });
        } else if (shared && shared.leader !== this && shared.leader && shared.leader.isConnected) {
          // The first embed is signing in: this one takes its session when it has one.
          if (shared.asking.indexOf(this) < 0) {
            shared.asking.push(this);
          }
        } else {
          this.giveToken();
        }
      }
    }

    /** Asks the page's function for a token and hands it to the frame, and to it alone. */
    giveToken() {
      var spec = this.spec();
      var frame = this.frame;
      var target = spec && spec.host ? new URL(spec.host, window.location.href).origin : null;
      var answer = function (message) {
        if (frame.contentWindow && target) {
          frame.contentWindow.postMessage(JSON.stringify(message), target);
        }
      };
      var give = spec && typeof window[spec.getToken] === "function" ? window[spec.getToken] : null;
      if (!give) {
        answer({ sightline: "token", error: "The page has no function " + (spec && spec.getToken) + " to give a token." });
        return;
      }
      Promise.resolve()
        .then(function () {
          return give();
        })
        .then(function (token) {
          answer({ sightline: "token", token: String(token || "") });
        }, function (error) {
          answer({ sightline: "token", error: "The page's token function failed: " + (error && error.message ? error.message : error) });
        });
    }
  }

  // --- <sightline-embed> ----------------------------------------------------------------------

  class SightlineEmbed extends EmbedFrame {
    static get observedAttributes() {
      return ["host", "app", "ui", "access-code", "get-token"].concat(OPTIONS);
    }

    spec() {
      var element = this;
      var spec = {
        host: (element.getAttribute("host") || "").replace(/\/+$/, ""),
        app: element.getAttribute("app") || "",
        ui: element.getAttribute("ui") || "app",
        accessCode: element.getAttribute("access-code") || "",
        getToken: element.getAttribute("get-token") || ""
      };
      OPTIONS.forEach(function (name) {
        spec[name] = element.getAttribute(name);
      });
      return spec;
    }
  }

  // --- <qlik-embed> ---------------------------------------------------------------------------

  // Qlik's UIs that Sightline has, and the Sightline UI each one is.
  var QLIK_UIS = {
    "analytics/chart": "chart",
    "analytics/sheet": "sheet",
    "analytics/selections": "selections",
    "analytics/field": "field",
    "classic/app": "app"
  };
  // Attributes any element may carry, and those Sightline reads.
  var QLIK_READ = ["ui", "app-id", "object-id", "sheet-id", "field-id", "theme", "iframe", "host", "access-code"];
  var HTML_ATTRIBUTES = ["id", "class", "style", "title", "height", "hidden", "slot", "lang", "dir", "tabindex", "role"];

  /** Initial selections for an app: every <qlik-initial-selections app-id> of the page. */
  function initialSelections(app) {
    var parts = [];
    var lists = document.querySelectorAll("qlik-initial-selections");
    Array.prototype.forEach.call(lists, function (list) {
      var listApp = list.getAttribute("app-id");
      if (listApp && listApp !== app) {
        return;
      }
      Array.prototype.forEach.call(list.querySelectorAll("field"), function (field) {
        var name = field.getAttribute("name");
        var values = (field.getAttribute("values") || "").split(";").map(function (v) {
          return v.trim();
        }).filter(function (v) {
          return v !== "";
        });
        if (name && values.length > 0) {
          parts.push(name + ":" + values.join("|"));
        }
      });
    });
    return parts.join(";");
  }

  function qlikTheme(theme) {
    if (!theme) {
      return null;
    }
    var name = theme.toLowerCase();
    if (name.indexOf("dark") >= 0) {
      return "dark";
    }
    if (["light", "sense", "horizon", "breeze", "card"].indexOf(name) < 0) {
      report('theme="' + theme + '"', "Sightline has a light and a dark theme; the light one is used");
    }
    return null;
  }

  class QlikEmbed extends EmbedFrame {
    static get observedAttributes() {
      return QLIK_READ;
    }

    spec() {
      var element = this;
      Array.prototype.forEach.call(element.attributes, function (attribute) {
        var name = attribute.name;
        if (QLIK_READ.indexOf(name) < 0 && HTML_ATTRIBUTES.indexOf(name) < 0 && name.indexOf("aria-") !== 0 && name.indexOf("data-") !== 0) {
          report("the qlik-embed attribute " + name, "Sightline does not have it");
        }
      });
      var qlikUi = element.getAttribute("ui") || "classic/app";
      var ui = QLIK_UIS[qlikUi];
      if (!ui) {
        report('ui="' + qlikUi + '"', "Sightline embeds " + Object.keys(QLIK_UIS).join(", "));
        element.textContent = "Sightline cannot show the Qlik UI \u201c" + qlikUi + "\u201d.";
        return null;
      }
      if (element.getAttribute("iframe") === "false") {
        report('iframe="false"', "Sightline always embeds in an iframe, so that the page and the app cannot reach each other");
      }
      var app = element.getAttribute("app-id") || "";
      var object = element.getAttribute("object-id");
      var spec = {
        host: (element.getAttribute("host") || qlik.host).replace(/\/+$/, ""),
        app: app,
        ui: ui,
        accessCode: element.getAttribute("access-code") || qlik.accessCode,
        getToken: qlik.getToken,
        theme: qlikTheme(element.getAttribute("theme")),
        select: initialSelections(app)
      };
      if (ui === "chart") {
        spec.object = object;
      } else if (ui === "sheet") {
        // Qlik names the sheet of analytics/sheet by object-id.
        spec.sheet = object || element.getAttribute("sheet-id");
      } else if (ui === "app") {
        spec.sheet = element.getAttribute("sheet-id");
      } else if (ui === "field") {
        spec.field = element.getAttribute("field-id") || object;
      }
      return spec;
    }
  }

  window.customElements.define("sightline-embed", SightlineEmbed);
  if (!window.customElements.get("qlik-embed")) {
    window.customElements.define("qlik-embed", QlikEmbed);
  }
})();
