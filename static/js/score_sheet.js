/* The score sheet's live total: while scores are typed, the review total by the server's rule
 * (matching/scoring.py review_total, shown half-up to the places the page gives):
 *   100 · Σ w·(s/m) / Σ w, exactly (integers, no floating point).
 * Weights, maxima and places come from the page (data-weight, data-max, data-total-places,
 * data-score-places).
 * A score the server would refuse (not a number, out of 0..max, more decimals than stored) or an empty
 * one makes the total "incomplete" rather than a wrong number. Without JavaScript the line stays
 * hidden and the saved total is the server's. */
(function () {
  "use strict";

  var form = document.querySelector("[data-score-sheet]");
  if (!form || typeof BigInt !== "function") return;
  var live = form.querySelector("[data-live-total]");
  var valueOut = form.querySelector("[data-live-total-value]");
  var incompleteOut = form.querySelector("[data-live-total-incomplete]");
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[data-weight][data-max]"));
  var places = parseInt(form.getAttribute("data-total-places"), 10) || 0;
  var scorePlaces = parseInt(form.getAttribute("data-score-places"), 10) || 0;
  if (!live || !inputs.length) return;

  function gcd(a, b) {
    if (a < 0n) a = -a;
    if (b < 0n) b = -b;
    while (b) { var t = a % b; a = b; b = t; }
    return a;
  }

  function fraction(num, den) {
    var common = gcd(num, den) || 1n;
    return { num: num / common, den: den / common };
  }

  /* "7,5" / "7.50" / ".5" → exact fraction; null when the server would not read it the same way. */
  function parse(text) {
    var match = /^\+?(\d*)(?:\.(\d*))?$/.exec(text.trim().replace(",", "."));
    if (!match || (match[1] === "" && !match[2])) return null;
    var decimals = (match[2] || "").replace(/0+$/, "");
    if (decimals.length > scorePlaces) return null;
    return fraction(BigInt((match[1] || "0") + decimals), 10n ** BigInt(decimals.length));
  }

  function add(a, b) {
    return fraction(a.num * b.den + b.num * a.den, a.den * b.den);
  }

  function format(value) {
    var scale = 10n ** BigInt(places);
    var scaled = value.num * scale;
    var whole = scaled / value.den;
    var rest = scaled % value.den;
    if (2n * rest >= value.den) whole += 1n;
    var digits = whole.toString();
    if (!places) return digits;
    while (digits.length <= places) digits = "0" + digits;
    return digits.slice(0, -places) + "." + digits.slice(-places);
  }

  function total() {
    var weighted = { num: 0n, den: 1n };
    var weights = { num: 0n, den: 1n };
    for (var i = 0; i < inputs.length; i++) {
      var score = parse(inputs[i].value);
      var weight = parse(inputs[i].getAttribute("data-weight"));
      var max = parse(inputs[i].getAttribute("data-max"));
      if (!score || !weight || !max || !max.num) return null;
      if (score.num * max.den > max.num * score.den) return null; // above the maximum
      weighted = add(weighted, fraction(weight.num * score.num * max.den, weight.den * score.den * max.num));
      weights = add(weights, weight);
    }
    if (!weights.num) return null;
    return fraction(100n * weighted.num * weights.den, weighted.den * weights.num);
  }

  var savedLabel = form.querySelector("[data-saved-total-label]");

  function update() {
    var value = total();
    live.hidden = false;
    // Two totals now show: the one stored and the one typed; name the first for what it is.
    if (savedLabel) savedLabel.textContent = savedLabel.getAttribute("data-saved-total-label");
    valueOut.textContent = value ? format(value) + " / 100" : "";
    valueOut.hidden = !value;
    incompleteOut.hidden = !!value;
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", update);
  });
})();
