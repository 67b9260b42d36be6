/* Makes an anonymous visitor's page live: the server drew it whole (no WASM), this sends each
 * selection with the session's token and puts the redrawn view in its place.
 *
 * The page's root, .visitor-session, holds the session: data-token, data-lasts-ms and
 * data-page (the page's options, as the server reads them back). A click on anything with
 * data-field and data-code toggles that value; a filter pane's search form (data-field)
 * searches; data-change buttons go back, forward or clear all; data-clear clears a field;
 * data-sheet opens a sheet. The answer (/api/anonymous_sheet_html) is the view's HTML, or why
 * not: an ended session shows the overlay that offers a refresh. Framing pages hear of
 * selections and of the end (postMessage, as <sightline-embed> listens).
 *
 * An embed for the host site's own signed-in user (data-auth="host") has no token of its own:
 * it asks the framing page for one its backend signed ("token-needed"), exchanges it at
 * /login/embed-session for a session carried in the Authorization header (never a cookie),
 * draws the view that user may see from /api/embed_sheet_html, and asks again a minute before
 * the session ends, keeping the same session and so the selections.
 *
 * Several embeds of one page share one session, as a Qlik mashup's objects do: the first tells
 * the page its session ("session"); the page opens the others on it (?session=, or the session
 * given instead of a token), and after a selection in one tells the others to draw again
 * ("refresh"). Only the first gives the session back when the page goes away. */
(function () {
  "use strict";
  // Says the page is live (browser tests wait for it before clicking): a page that says why a
  // link does not work has nothing more to run.
  document.body.setAttribute("data-hydrated", "");
  var root = document.querySelector(".visitor-session");
  if (!root) {
    return;
  }
  var token = root.getAttribute("data-token");
  var hostAuth = root.getAttribute("data-auth") === "host";
  var appId = root.getAttribute("data-app");
  var session = null;
  var page = JSON.parse(root.getAttribute("data-page") || "{}");
  var view = root.querySelector(".visitor-view");
  var started = Date.now();
  // The load of the app's data the page opened on: a later answer on newer data says so.
  function dataVersion() {
    var note = view && view.querySelector(".data-updated");
    return note ? Number(note.getAttribute("data-version")) || 0 : 0;
  }
  var firstVersion = dataVersion();
  var lasts = Number(root.getAttribute("data-lasts-ms")) || 0;
  var ended = false;
  // Opened on the session of another embed of the page: that embed gives it back.
  var joined = new URLSearchParams(window.location.search).has("session");
  var busy = false;
  // What the selections are now, said to screen readers after each change: a live region
  // outside the view, which every answer replaces (a replaced region would say nothing).
  var announce = document.createElement("div");
  announce.className = "sr-only visitor-announce";
  announce.setAttribute("role", "status");
  announce.setAttribute("aria-live", "polite");
  root.appendChild(announce);
  // The chips as the view wrote them (dates in the reader's order), else as the answer has them
  // (an embed without the selections toolbar).
  function say(selections) {
    var drawn = Array.prototype.map.call(view.querySelectorAll(".selections-bar .chip"), function (chip) {
      var field = chip.querySelector(".chip-field");
      var values = chip.querySelector(".chip-values");
      return (field ? field.textContent : "") + ": " + (values ? values.textContent : "");
    });
    var said = drawn.length
      ? drawn
      : selections.map(function (chip) {
          var values = chip.count > chip.values.length ? chip.count + " values" : chip.values.join(", ");
          return chip.field + ": " + values;
        });
    announce.textContent = said.length ? said.join("; ") + " selected" : "No selections";
  }

  function tellParent(message) {
    if (window.parent !== window) {
      window.parent.postMessage(JSON.stringify(message), "*");
    }
  }

  // A token from the framing page, which alone may give one.
  function askHost() {
    return new Promise(function (resolve, reject) {
      var done = false;
      function heard(event) {
        if (event.source !== window.parent || typeof event.data !== "string") {
          return;
        }
        var message;
        try {
          message = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        if (!message || message.sightline !== "token") {
          return;
        }
        done = true;
        window.removeEventListener("message", heard);
        if (message.session) {
          // Another embed of the page signed in already: its session, shared.
          joined = true;
          resolve({ session: message.session });
        } else if (message.token) {
          // The page's origin as the browser gives it: the page cannot choose it.
          resolve({ token: message.token, origin: event.origin });
        } else {
          reject(new Error(message.error || "The host page gave no sign-in token."));
        }
      }
      window.addEventListener("message", heard);
      tellParent({ sightline: "token-needed" });
      setTimeout(function () {
        if (!done) {
          window.removeEventListener("message", heard);
          reject(new Error("The host page gave no sign-in token within 15 seconds. Its <sightline-embed> needs get-token=\"…\" (or Qlik's data-get-access-token) naming a function that returns the token its backend signs."));
        }
      }, 15000);
    });
  }

  // Exchanges the host's token for this embed's session (the same one again when renewing),
  // and asks for the next token a minute before the session ends.
  function signIn() {
    return askHost()
      .then(function (signed) {
        if (signed.session) {
          return { shared: signed.session };
        }
        var headers = { Authorization: "Bearer " + signed.token, "X-Sightline-Host-Origin": signed.origin };
        if (session) {
          headers["X-Sightline-Session"] = session;
        }
        return fetch("/login/embed-session", { method: "POST", headers: headers });
      })
      .then(function (response) {
        if (response.shared) {
          return response;
        }
        return response.json().then(function (body) {
          if (!response.ok) {
            var detail = body && body.errors && body.errors[0] && body.errors[0].detail;
            throw new Error("The sign-in through the host page was refused: " + (detail || response.status));
          }
          return body;
        });
      })
      .then(function (body) {
        if (body.shared) {
          // The embed that signed in renews the shared session; this one only uses it.
          session = body.shared;
          return;
        }
        session = body.token;
        tellParent({ sightline: "session", session: session });
        var wait = Math.max(body.expires_at - Date.now() - 60000, 10000);
        setTimeout(function () {
          signIn().catch(function (error) {
            showError(error.message);
          });
        }, wait);
      });
  }

  function clock(ms) {
    var secs = Math.ceil(Math.max(ms, 0) / 1000);
    var rest = secs % 60;
    return Math.floor(secs / 60) + ":" + (rest < 10 ? "0" : "") + rest + " left";
  }

  function end(message) {
    if (ended) {
      return;
    }
    ended = true;
    var overlay = document.createElement("div");
    overlay.className = "session-ended";
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-labelledby", "session-ended-title");
    var card = document.createElement("div");
    card.className = "card";
    var title = document.createElement("h2");
    title.id = "session-ended-title";
    title.textContent = "Your session has ended";
    var text = document.createElement("p");
    text.textContent = message;
    var refresh = document.createElement("button");
    refresh.type = "button";
    refresh.className = "button primary";
    refresh.textContent = "Refresh";
    refresh.addEventListener("click", function () {
      window.location.reload();
    });
    card.appendChild(title);
    card.appendChild(text);
    card.appendChild(refresh);
    overlay.appendChild(card);
    root.appendChild(overlay);
    refresh.focus();
    tellParent({ sightline: "session-ended" });
  }

  function showError(message) {
    var box = view.querySelector(".visitor-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "alert alert-error visitor-error";
      box.setAttribute("role", "alert");
      view.insertBefore(box, view.firstChild);
    }
    box.textContent = message;
  }

  function setBusy(on) {
    busy = on;
    var status = view.querySelector(".selections-bar .busy");
    if (status) {
      status.classList.toggle("on", on);
      status.textContent = on ? "Updating…" : "";
    }
  }

  // One change at a time, as a person clicks: a click while one is under way waits for it.
  var queued = null;
  // `quiet`: drawing what the session has (a first paint, another embed's change), no change
  // of this embed's own for the page to pass on.
  function send(change, quiet) {
    if (ended) {
      return;
    }
    if (busy) {
      queued = { change: change, quiet: quiet };
      return;
    }
    setBusy(true);
    var request = hostAuth
      ? {
          url: "/api/embed_sheet_html",
          headers: { "Content-Type": "application/json", Authorization: "Bearer " + session },
          body: { app_id: appId, page: page, change: change },
        }
      : {
          url: "/api/anonymous_sheet_html",
          headers: { "Content-Type": "application/json" },
          body: { token: token, page: page, change: change },
        };
    fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: JSON.stringify(request.body),
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (answer.ended && hostAuth) {
          // The host's sign-in ended (the page slept past it): sign in afresh and go on.
          session = null;
          signIn().then(function () {
            send(change);
          }, function (error) {
            showError(error.message);
          });
        } else if (answer.ended) {
          end(answer.ended);
        } else if (answer.error) {
          showError(answer.error);
        } else {
          page.sheet = answer.sheet;
          view.innerHTML = answer.html;
          if (dataVersion() > firstVersion) {
            view.querySelector(".data-updated").hidden = false;
          }
          say(answer.selections);
          tellParent({
            sightline: "selections",
            refreshed: !!quiet,
            selections: answer.selections.map(function (chip) {
              return { field: chip.field, values: chip.values, count: chip.count };
            }),
          });
        }
      })
      .catch(function () {
        showError("Sightline could not be reached. Check the connection and try again.");
      })
      .then(function () {
        setBusy(false);
        if (queued !== null) {
          var next = queued;
          queued = null;
          send(next.change, next.quiet);
        }
      });
  }

  root.addEventListener("click", function (event) {
    var target = event.target.closest("[data-code], [data-change], [data-clear], [data-sheet]");
    if (!target || !root.contains(target) || target.disabled) {
      return;
    }
    if (target.hasAttribute("data-sheet")) {
      page.sheet = target.getAttribute("data-sheet");
      send(null);
    } else if (target.hasAttribute("data-clear")) {
      send({ Clear: { field: target.getAttribute("data-clear") } });
    } else if (target.hasAttribute("data-change")) {
      send(target.getAttribute("data-change"));
    } else {
      send({
        Toggle: { field: target.getAttribute("data-field"), code: Number(target.getAttribute("data-code")) },
      });
    }
  });

  root.addEventListener("submit", function (event) {
    var form = event.target.closest("form.pane-search[data-field]");
    if (!form) {
      return;
    }
    event.preventDefault();
    var input = form.querySelector("input");
    var text = input ? input.value.trim() : "";
    if (text) {
      send({ Search: { field: form.getAttribute("data-field"), text: text } });
    }
  });

  // The page says another embed of the session changed the selections: draw them.
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || typeof event.data !== "string") {
      return;
    }
    try {
      if (JSON.parse(event.data).sightline === "refresh" && (token || session)) {
        send(null, true);
      }
    } catch (e) {
      /* not ours */
    }
  });

  function tick() {
    var left = lasts - (Date.now() - started);
    var timers = root.querySelectorAll(".timer");
    for (var i = 0; i < timers.length; i++) {
      timers[i].textContent = clock(left);
      timers[i].classList.toggle("low", left < 2 * 60 * 1000);
    }
    if (left <= 0) {
      end("Anonymous sessions last a limited time. Refresh the page to start a new one with the same link.");
    } else {
      setTimeout(tick, 1000);
    }
  }
  if (hostAuth) {
    signIn().then(function () {
      send(null, true);
    }, function (error) {
      view.innerHTML = "";
      showError(error.message);
    });
    // The session and the licence it holds end when the embed goes away.
    window.addEventListener("pagehide", function () {
      if (session && !joined && navigator.sendBeacon) {
        navigator.sendBeacon("/login/embed-session/end", session);
      }
    });
    return;
  }
  setTimeout(tick, 1000);
  tellParent({ sightline: "session", token: token });

  // The seat is given back when the page goes away (refresh, closed tab, another address).
  window.addEventListener("pagehide", function () {
    if (!joined && navigator.sendBeacon) {
      navigator.sendBeacon("/api/anonymous_end", token);
    }
  });
})();
