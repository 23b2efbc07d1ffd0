// Filters the finding tables in place. The initial filter may come from the
// page's fragment (#q=SEC001&severity=high&kind=violation), so a link can
// point at a view of the report.
(function () {
  "use strict";
  var q = document.getElementById("q");
  var sev = document.getElementById("severity");
  var kind = document.getElementById("kind");
  var shown = document.getElementById("shown");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.finding"));

  function apply() {
    var text = q.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (r) {
      var ok = (!sev.value || r.dataset.severity === sev.value) &&
        (!kind.value || r.dataset.kind === kind.value) &&
        (!text || r.textContent.toLowerCase().indexOf(text) >= 0);
      r.classList.toggle("hidden", !ok);
      if (ok) { n++; }
    });
    shown.textContent = n + " of " + rows.length + " shown";
    document.body.dataset.shown = String(n);
  }

  var params = new URLSearchParams(location.hash.slice(1));
  q.value = params.get("q") || "";
  sev.value = params.get("severity") || "";
  kind.value = params.get("kind") || "";
  [q, sev, kind].forEach(function (el) { el.addEventListener("input", apply); });
  apply();
})();
