/* The keyboard for charts and filter panes, on every page that draws them: the portal's sheets,
 * collaborative sessions, visitor pages and embeds (the same markup, from app/src/content/ui/
 * charts). A chart's marks (bars, slices, points, table cells, a pane's values: [data-mark]
 * inside their [data-marks] list) are one tab stop: Tab reaches the one with tabindex 0, the
 * arrow keys, Home and End move inside, and Enter or Space selects as a click does (the page's
 * own click handlers, WASM's or visitor.js's, do the rest). In a table ([data-columns]), up and
 * down move a row, left and right a cell.
 *
 * A selection redraws the charts. The mark that had the focus is found again in its redrawn
 * chart (the same field and value, or the chart's first mark) and given it back, so that a
 * keyboard user goes on from where they were; a chart's "Show data" table that was open when
 * one of its values was selected is opened again. */
(function () {
  "use strict";
  var MARK = "[data-mark]";
  var DATA = ".chart-data [data-code]";
  // The mark or data-table value a keyboard selection came from, while the charts are redrawn
  // (until the focus moves elsewhere, or for 30 seconds).
  var pending = null;
  // The open "Show data" table a value was selected in, until its chart is redrawn.
  var reopen = null;

  function all(within, selector) {
    return Array.prototype.slice.call(within.querySelectorAll(selector));
  }

  function rove(to) {
    all(to.closest("[data-marks]"), MARK).forEach(function (mark) {
      mark.setAttribute("tabindex", mark === to ? "0" : "-1");
    });
  }

  function keyOf(mark) {
    return (mark.getAttribute("data-field") || "") + "\u0000" + (mark.getAttribute("data-code") || mark.getAttribute("data-value") || "");
  }

  function place(element) {
    return { chart: all(document, "figure.chart").indexOf(element.closest("figure.chart")) };
  }

  document.addEventListener("focusin", function (event) {
    if (pending && event.target !== pending.element) {
      pending = null; // the person moved on
    }
    var mark = event.target.closest && event.target.closest(MARK);
    if (mark && mark.closest("[data-marks]")) {
      rove(mark);
    }
  });

  // Before the page's own handlers: which table to open again. A click on a table's summary
  // is the person's own choice, kept.
  document.addEventListener(
    "click",
    function (event) {
      if (!event.target.closest) {
        return;
      }
      var value = event.target.closest(DATA);
      if (value) {
        reopen = { element: value, key: keyOf(value), chart: place(value).chart, at: Date.now() };
      } else if (event.target.closest(".chart-data > summary")) {
        reopen = null;
      }
    },
    true
  );

  function remember(element, selector) {
    pending = { element: element, chart: place(element).chart, selector: selector, key: keyOf(element), at: Date.now() };
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !event.target.closest) {
      return;
    }
    var value = event.target.closest(DATA);
    if (value && (event.key === "Enter" || event.key === " ")) {
      remember(value, DATA);
      return; // a button: the browser clicks it
    }
    var mark = event.target.closest(MARK);
    var list = mark && mark.closest("[data-marks]");
    if (!list) {
      return;
    }
    var marks = all(list, MARK);
    var at = marks.indexOf(mark);
    var row = Number(list.getAttribute("data-columns")) || 1;
    var next;
    switch (event.key) {
      case "ArrowRight":
        next = marks[at + 1];
        break;
      case "ArrowLeft":
        next = marks[at - 1];
        break;
      case "ArrowDown":
        next = marks[at + row];
        break;
      case "ArrowUp":
        next = marks[at - row];
        break;
      case "Home":
        next = marks[0];
        break;
      case "End":
        next = marks[marks.length - 1];
        break;
      case "Enter":
      case " ":
        event.preventDefault();
        if (mark.hasAttribute("data-code")) {
          remember(mark, MARK);
          mark.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
        }
        return;
      default:
        return;
    }
    event.preventDefault();
    if (next) {
      rove(next);
      next.focus();
    }
  });

  // Whether the charts were drawn again since: the element is gone, or (a page may update its
  // elements in place) shows another value now.
  function changed(was) {
    return !was.element.isConnected || keyOf(was.element) !== was.key;
  }

  function restore() {
    if (!pending && !reopen) {
      return;
    }
    var charts = all(document, "figure.chart");
    if (reopen && Date.now() - reopen.at > 30000) {
      reopen = null;
    }
    if (reopen && changed(reopen)) {
      var table = charts[reopen.chart] && charts[reopen.chart].querySelector("details.chart-data");
      if (table) {
        table.open = true;
      }
      reopen = null;
    }
    if (!pending) {
      return;
    }
    if (Date.now() - pending.at > 30000) {
      pending = null;
      return;
    }
    if (!changed(pending)) {
      return;
    }
    var candidates = charts[pending.chart] ? all(charts[pending.chart], pending.selector) : [];
    if (!candidates.length) {
      return;
    }
    var key = pending.key;
    var to =
      candidates.filter(function (element) {
        return keyOf(element) === key;
      })[0] || candidates[0];
    // Kept a while: a page may draw its charts more than once for one change.
    pending.element = to;
    pending.key = keyOf(to);
    if (to.matches(MARK)) {
      rove(to);
    }
    to.focus();
  }
  new MutationObserver(restore).observe(document.documentElement, { childList: true, subtree: true });
})();
