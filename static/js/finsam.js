// Finsam's few behaviours in the browser. No inline scripts (CSP); loaded with defer on
// every page. Pages work without it: it only keeps what the user sees in step.
(function () {
  "use strict";

  var FEL = "Fel: ";

  // A GET filter form shows what the address says. After Back, htmx restores the page
  // from its history cache (and the browser from its back-forward cache) with the
  // controls as first rendered, while the address and the results are filtered: put the
  // address's values back, so that the next search keeps the filters.
  function syncFilters() {
    var params = new URLSearchParams(window.location.search);
    var forms = document.querySelectorAll("form.filter-form");
    Array.prototype.forEach.call(forms, function (form) {
      if ((form.getAttribute("method") || "get").toLowerCase() !== "get") {
        return;
      }
      var named = Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.type !== "submit" && el.type !== "button";
      });
      // An address without any of the form's fields shows the page's defaults (a year the
      // server chose, "Alla …"): put back the values the server rendered, not blanks.
      var filtered = named.some(function (el) {
        return params.has(el.name);
      });
      named.forEach(function (el) {
        if (!filtered) {
          if (el.type === "checkbox" || el.type === "radio") {
            el.checked = el.defaultChecked;
          } else if (el.tagName === "SELECT") {
            Array.prototype.forEach.call(el.options, function (option) {
              option.selected = option.defaultSelected;
            });
          } else {
            el.value = el.defaultValue;
          }
          return;
        }
        var values = params.getAll(el.name);
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = values.indexOf(el.value) !== -1;
        } else if (el.tagName === "SELECT") {
          var wanted = el.multiple ? values : [values.length ? values[0] : ""];
          Array.prototype.forEach.call(el.options, function (option) {
            option.selected = wanted.indexOf(option.value) !== -1;
          });
        } else {
          el.value = values.length ? values[0] : "";
        }
      });
    });
  }

  // After a form error, focus moves to the error summary and the title starts with
  // "Fel: " (as GOV.UK and FKUI do), also when htmx swaps a form in place.
  function showErrors(root) {
    var summary = document.querySelector(".error-summary");
    var marked = document.title.indexOf(FEL) === 0;
    if (summary && !marked) {
      document.title = FEL + document.title;
    } else if (!summary && marked) {
      document.title = document.title.slice(FEL.length);
    }
    var inRoot = root && root.querySelector ? root.querySelector(".error-summary") : null;
    if (root === document) {
      inRoot = summary;
    }
    if (inRoot) {
      inRoot.focus();
    }
  }

  syncFilters();
  showErrors(document);
  document.addEventListener("htmx:afterSettle", function (event) {
    showErrors(event.target);
  });
  document.addEventListener("htmx:historyRestore", syncFilters);
  // Back and Forward: the browser puts typed values back into the form once the page is
  // shown (from its cache or loaded again); the address decides, so sync after that.
  window.addEventListener("pageshow", function () {
    window.setTimeout(syncFilters, 0);
  });
  window.addEventListener("popstate", function () {
    // htmx restores the content on popstate; the controls follow once it has.
    window.setTimeout(syncFilters, 0);
  });
})();
