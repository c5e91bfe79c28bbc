/* Attendance grid: "set everyone to" buttons fill every row's radio for one status. */
(function () {
  "use strict";
  var form = document.getElementById("attendance-form");
  if (!form) return;
  form.querySelectorAll("button.set-all").forEach(function (button) {
    button.addEventListener("click", function () {
      var status = button.getAttribute("data-status");
      form.querySelectorAll('input[type="radio"][value="' + status + '"]').forEach(function (r) {
        if (!r.disabled) r.checked = true;
      });
    });
  });
})();
