/* Matchday: small progressive enhancements; every page works without this file.
 *  - an error summary marked data-focus-on-load takes focus, so it is read first;
 *  - a form marked data-submit-once sends once: later clicks do nothing and its buttons are disabled;
 *  - character counters. */
(function () {
  "use strict";

  // -- the error summary is read first
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  }

  // -- submit once (a double click on "submit" sends one request)
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    var buttons = form.querySelectorAll("button[type=submit]");
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "1";
      var clicked = event.submitter || buttons[0];
      // Disabled only after this event, so the browser still sends the clicked button's name and value.
      window.setTimeout(function () {
        buttons.forEach(function (button) {
          button.disabled = true;
          button.setAttribute("aria-disabled", "true");
        });
        if (clicked && clicked.dataset.busyLabel) {
          clicked.dataset.idleLabel = clicked.textContent;
          clicked.textContent = clicked.dataset.busyLabel;
        }
      }, 0);
    });
  });
  // A page restored by the back button is a new chance to send the form.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        if (button.dataset.idleLabel) {
          button.textContent = button.dataset.idleLabel;
        }
      });
    });
  });

  // Character counters: <span class="char-count" data-for="id_field">0 / 1000</span> beside a field
  // with maxlength (or data-max-length) shows the count as the person types.
  function updateCounter(field, counter) {
    var max = parseInt(field.getAttribute("maxlength") || field.getAttribute("data-max-length"), 10);
    var length = field.value.length;
    var fmt = new Intl.NumberFormat(document.documentElement.lang || undefined);
    counter.textContent = isNaN(max) ? fmt.format(length) : fmt.format(length) + " / " + fmt.format(max);
    counter.classList.toggle("char-count--over", !isNaN(max) && length > max);
  }
  document.querySelectorAll(".char-count[data-for]").forEach(function (counter) {
    var field = document.getElementById(counter.getAttribute("data-for"));
    if (!field) return;
    updateCounter(field, counter);
    field.addEventListener("input", function () { updateCounter(field, counter); });
  });
})();
