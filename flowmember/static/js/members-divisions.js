// Province -> city -> district pickers fed by GET /api/v1/divisions?parent=CODE (session cookie).
(function () {
  "use strict";
  function fill(select, items) {
    var keep = select.options[0];
    select.innerHTML = "";
    select.appendChild(keep);
    items.forEach(function (d) {
      var option = document.createElement("option");
      option.value = d.code;
      option.textContent = d.name;
      select.appendChild(option);
    });
  }
  document.querySelectorAll(".location-picker").forEach(function (box) {
    var url = box.getAttribute("data-divisions-url");
    var province = box.querySelector("[data-level=province]");
    var city = box.querySelector("[data-level=city]");
    var district = box.querySelector("[data-level=district]");
    function load(parent, target, clear) {
      clear.forEach(function (s) { fill(s, []); });
      if (!parent) { return; }
      fetch(url + "?parent=" + encodeURIComponent(parent), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) { fill(target, items); });
    }
    province.addEventListener("change", function () { load(province.value, city, [city, district]); });
    city.addEventListener("change", function () { load(city.value, district, [district]); });
  });
})();
