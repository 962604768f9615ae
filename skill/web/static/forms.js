// Progressive enhancement for forms: show only the fields that apply, and confirm destructive buttons.
// Without JavaScript every fieldset is shown (each says when to skip it) and confirmation is its own page.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function sync(form) {
    var chosen = form.querySelector("input[data-shows]:checked");
    if (!chosen) { return; }
    form.querySelectorAll("[data-when]").forEach(function (part) {
      var applies = part.getAttribute("data-when") === chosen.getAttribute("data-shows");
      part.hidden = !applies;
      part.querySelectorAll("input, select").forEach(function (field) { field.disabled = !applies; });
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    var radios = form.querySelectorAll("input[data-shows]");
    if (!radios.length) { return; }
    radios.forEach(function (radio) { radio.addEventListener("change", function () { sync(form); }); });
    sync(form);
  });
}());

// A new person's time zone: the browser's own, when the carer has not chosen one yet.
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
    var option = Array.prototype.find.call(select.options, function (o) { return o.value === zone; });
    if (option) { select.value = zone; }
  });
}());
