/* Matchday: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
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
