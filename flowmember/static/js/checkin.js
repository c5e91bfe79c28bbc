/* The monthly check-in page (/m/checkin).
 *
 * Pickers: province -> city -> district from GET /api/v1/divisions?parent=.
 * Consent: "I agree" posts POST /api/v1/me/consents {purpose: "location", granted: true}.
 * Submit: POST /api/v1/me/checkins with the session cookie and X-CSRFToken. Each submission
 * gets a client UUID (also sent as Idempotency-Key). When the phone is offline (or the request
 * cannot reach the server) the submission is kept in localStorage and sent again, with the same
 * UUID, on the "online" event or the next page load: the server stores it once.
 */
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  if (!form) return;
  var KEY = "flowmember.checkin.pending";
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var messages = JSON.parse(document.getElementById("checkin-messages").textContent);
  var statusBox = document.getElementById("checkin-status");
  var locationFields = document.getElementById("location-fields");
  var province = document.getElementById("province");
  var city = document.getElementById("city");
  var district = document.getElementById("district");
  var consent = form.getAttribute("data-consent") === "yes";

  function show(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "flash" + (kind ? " flash-" + kind : "");
    statusBox.hidden = false;
    statusBox.setAttribute("data-kind", kind || "info");
  }

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (el) { el.textContent = ""; });
  }

  function showErrors(errors) {
    Object.keys(errors || {}).forEach(function (field) {
      var key = field.indexOf("location") === 0 ? "location" : field;
      var el = form.querySelector('.field-error[data-field="' + key + '"]');
      var text = [].concat(errors[field]).join(" ");
      if (el) el.textContent = (el.textContent ? el.textContent + " " : "") + text;
    });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  function currentMonth() {
    // The calendar month in Asia/Shanghai at the moment the member writes the report.
    try {
      var parts = new Intl.DateTimeFormat("en-CA", {
        timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit"
      }).formatToParts(new Date());
      var y = parts.find(function (p) { return p.type === "year"; }).value;
      var m = parts.find(function (p) { return p.type === "month"; }).value;
      return y + "-" + m;
    } catch (e) {
      return form.getAttribute("data-month");
    }
  }

  // --- division pickers --------------------------------------------------------------------

  function fill(select, items, current) {
    select.innerHTML = "";
    var blank = document.createElement("option");
    blank.value = "";
    blank.textContent = messages.choose;
    select.appendChild(blank);
    items.forEach(function (d) {
      var o = document.createElement("option");
      o.value = d.code;
      o.textContent = d.name;
      if (d.code === current) o.selected = true;
      select.appendChild(o);
    });
  }

  function load(select, parent) {
    var url = "/api/v1/divisions" + (parent ? "?parent=" + encodeURIComponent(parent) : "");
    if (parent === "") { fill(select, [], ""); return Promise.resolve(); }
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) {
        var current = select.getAttribute("data-current");
        fill(select, items, current);
        select.setAttribute("data-current", "");
        select.setAttribute("data-loaded", parent || "root");
      })
      .catch(function () { /* offline: keep what is there */ });
  }

  function initPickers() {
    return load(province, null)
      .then(function () { return load(city, province.value); })
      .then(function () { return load(district, city.value); });
  }

  province.addEventListener("change", function () {
    load(city, province.value).then(function () { fill(district, [], ""); });
  });
  city.addEventListener("change", function () { load(district, city.value); });

  // --- consent -----------------------------------------------------------------------------

  var grant = document.getElementById("consent-grant");
  if (grant) {
    grant.addEventListener("click", function () {
      fetch("/api/v1/me/consents", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ purpose: "location", granted: true })
      }).then(function (r) {
        if (!r.ok) throw new Error("consent");
        consent = true;
        document.getElementById("consent-box").hidden = true;
        locationFields.hidden = false;
        locationFields.disabled = false;
        return initPickers();
      }).catch(function () { show(messages.failed, "error"); });
    });
  }

  // --- submit and offline queue --------------------------------------------------------------

  function payload() {
    var body = {
      month: currentMonth(),
      report: form.elements.report.value,
      phone: form.elements.phone.value || null,
      employer: form.elements.employer.value,
      client_uuid: uuid()
    };
    if (consent && province.value && city.value) {
      body.location = { province_code: province.value, city_code: city.value };
      if (district.value) body.location.district_code = district.value;
    }
    return body;
  }

  function pending() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  function keep(body) { localStorage.setItem(KEY, JSON.stringify(body)); }
  function drop() { localStorage.removeItem(KEY); }

  function send(body) {
    return fetch("/api/v1/me/checkins", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": csrf,
        "Idempotency-Key": body.client_uuid
      },
      body: JSON.stringify(body)
    });
  }

  function handle(response, later) {
    return response.json().catch(function () { return {}; }).then(function (data) {
      if (response.status === 200 || response.status === 201) {
        drop();
        var text = later ? messages.sent_later
          : response.status === 201 ? messages.saved.replace("{month}", data.month)
          : messages.amended;
        show(text, "success");
        form.setAttribute("data-saved", data.month || "");
        return true;
      }
      if (response.status >= 500 || response.status === 429) return false; // try again later
      drop();
      showErrors(data.errors);
      show(response.status === 409 && data.errors && data.errors.location
        ? messages.consent_needed : (data.message || messages.failed), "error");
      return true;
    });
  }

  function flush() {
    var body = pending();
    if (!body || !navigator.onLine) return;
    show(messages.sending);
    send(body).then(function (r) { return handle(r, true); })
      .catch(function () { show(messages.offline, "warn"); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    if (consent && province.value && !city.value) {
      showErrors({ location: [messages.choose_city] });
      return;
    }
    var body = payload();
    if (!navigator.onLine) {
      keep(body);
      show(messages.offline, "warn");
      return;
    }
    show(messages.sending);
    send(body).then(function (r) {
      return handle(r, false).then(function (done) {
        if (!done) { keep(body); show(messages.offline, "warn"); }
      });
    }).catch(function () {
      keep(body);
      show(messages.offline, "warn");
    });
  });

  window.addEventListener("online", flush);
  if (consent) initPickers();
  if (pending()) {
    if (navigator.onLine) flush(); else show(messages.offline, "warn");
  }
})();
