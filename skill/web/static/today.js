// Live status on the Today page: poll /today.json and update each dose's status in place.
// Without JavaScript the page still works; it just shows the status as of loading.
(function () {
  "use strict";
  var root = document.getElementById("today");
  if (!root || !window.fetch) { return; }
  var seconds = parseInt(root.getAttribute("data-refresh"), 10) || 30;
  var source = root.getAttribute("data-source");
  var note = document.getElementById("refresh-note");

  function update(data) {
    data.recipients.forEach(function (recipient) {
      recipient.doses.forEach(function (dose) {
        var row = root.querySelector('tr[data-dose-id="' + CSS.escape(dose.id) + '"]');
        if (!row) { return; }
        var status = row.querySelector('[data-role="status"]');
        var text = dose.label + (dose.logged_at ? " at " + dose.logged_at : "");
        if (status.textContent !== text) {
          status.textContent = text;
          status.className = "status status-" + dose.status;
        }
        if (!dose.can_log) {
          var actions = row.querySelector('[data-role="actions"]');
          if (actions && actions.firstElementChild) { actions.textContent = ""; }
        }
      });
    });
    var when = new Date(data.generated_at);
    note.textContent = "Status updated at " + when.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"}) + ".";
  }

  function poll() {
    fetch(source, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  window.setInterval(poll, seconds * 1000);
}());
