/* The report archive: while a report is being written, its status is asked for every few
   seconds and shown without a full reload; a screen reader hears when it is ready. Without
   JavaScript the page has a "refresh status" link instead. */
(function () {
  "use strict";
  var table = document.querySelector("[data-report-status]");
  if (!table || !window.fetch) { return; }
  var url = table.getAttribute("data-report-status");
  var announce = document.querySelector("[data-report-announce]");
  var delay = 2000;

  function pending() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-report][data-pending]"));
  }

  function render(cell, report) {
    cell.textContent = "";
    if (report.status === "running") {
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = report.progress;
      bar.setAttribute("aria-label", report.label);
      cell.appendChild(document.createTextNode(report.label + " "));
      cell.appendChild(bar);
      cell.appendChild(document.createTextNode(" " + report.progress + " %"));
    } else if (report.download) {
      var link = document.createElement("a");
      link.className = "kern-link";
      link.href = report.download;
      link.textContent = report.label;
      cell.appendChild(link);
    } else {
      cell.textContent = report.label + (report.error ? ": " + report.error : "");
    }
  }

  function poll() {
    var rows = pending();
    if (!rows.length) { return; }
    var query = rows.map(function (row) {
      return "id=" + encodeURIComponent(row.getAttribute("data-report"));
    }).join("&");
    fetch(url + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { reports: [] }; })
      .then(function (data) {
        data.reports.forEach(function (report) {
          var row = document.querySelector('[data-report="' + report.id + '"]');
          if (!row) { return; }
          var cell = row.hasAttribute("data-report-cell") ? row : row.querySelector("[data-report-cell]");
          render(cell, report);
          if (!report.pending) {
            row.removeAttribute("data-pending");
            if (announce) { announce.textContent = report.label; }
          }
        });
        delay = Math.min(delay * 1.5, 15000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 15000); });
  }

  window.setTimeout(poll, delay);
})();
