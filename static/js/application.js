/* Matchday applicant pages: small progressive enhancements. Every page works without this file.
 *  - the application form autosaves its non-file fields about every five seconds while it changes
 *    and when the page is hidden, and reports "Saved 14:03" (or what it could not save) in a live region;
 *  - choosing a track shows that track's questions at once.
 * The error summary's focus and data-submit-once forms are in site.js (every page). */
(function () {
  "use strict";

  var AUTOSAVE_DELAY_MS = 5000;

  var form = document.getElementById("application-form");
  if (!form) {
    return;
  }

  // -- questions that belong to one track
  function showTrackQuestions() {
    var chosen = form.querySelector("input[data-track-choice]:checked");
    var trackId = chosen ? chosen.value : "";
    form.querySelectorAll("fieldset.track-questions[data-track]").forEach(function (group) {
      var shown = group.getAttribute("data-track") === trackId;
      group.hidden = !shown;
      group.disabled = !shown; // disabled fields are neither sent nor saved
    });
  }
  form.querySelectorAll("input[data-track-choice]").forEach(function (radio) {
    radio.addEventListener("change", showTrackQuestions);
  });

  // -- autosave
  var url = form.getAttribute("data-autosave-url");
  // Messages come translated from the page (data-msg-*), English as a fallback.
  function msg(name, fallback) {
    return form.getAttribute("data-msg-" + name) || fallback;
  }
  var t = {
    saving: msg("saving", "Saving…"),
    saved: msg("saved", "Saved %(time)s"),
    problems: msg("problems", "Not saved:"),
    failed: msg("failed", "Autosave failed. Use “Save draft” to save your answers."),
    offline: msg("offline", "You seem to be offline; your answers will be saved when the connection is back."),
  };
  var status = document.getElementById("autosave-status");
  if (!url || !window.fetch || !window.FormData) {
    return;
  }
  var timer = null;
  var dirty = false;
  var inFlight = false;
  var submitting = false;

  function say(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.className = "autosave-status" + (kind ? " autosave-status--" + kind : "");
  }

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function payload() {
    var data = new FormData(form);
    // Files go up with the buttons only; the autosave sends what was typed.
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      data.delete(input.name);
    });
    data.delete("action");
    return data;
  }

  function save(keepalive) {
    if (!dirty || submitting) return;
    if (inFlight && !keepalive) {
      schedule();
      return;
    }
    dirty = false;
    inFlight = true;
    if (!keepalive) say(t.saving, "busy");
    fetch(url, {
      method: "POST",
      body: payload(),
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch", Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(
          function (body) { return { ok: response.ok, body: body }; },
          function () { return { ok: false, body: null }; }
        );
      })
      .then(function (result) {
        inFlight = false;
        if (!result.ok || !result.body) {
          var message = result.body && result.body.errors && result.body.errors.__all__;
          say(message ? message.join(" ") : t.failed, "error");
          return;
        }
        var problems = result.body.problems || [];
        if (problems.length) {
          say(
            t.saved.replace("%(time)s", result.body.saved_at) + " · " + t.problems + " " +
              problems.map(function (p) { return p.label ? p.label + " (" + p.message + ")" : p.message; }).join("; "),
            "warning"
          );
        } else {
          say(t.saved.replace("%(time)s", result.body.saved_at), "ok");
        }
      })
      .catch(function () {
        inFlight = false;
        dirty = true;
        say(navigator.onLine === false ? t.offline : t.failed, "error");
      });
  }

  // At most one save every few seconds while the person types, and one soon after they stop.
  function schedule() {
    if (timer) return;
    timer = window.setTimeout(function () {
      timer = null;
      save(false);
    }, AUTOSAVE_DELAY_MS);
  }

  function changed(event) {
    if (event.target && event.target.type === "file") return;
    dirty = true;
    schedule();
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () {
    submitting = true; // the buttons save everything, files included
    window.clearTimeout(timer);
    timer = null;
  });
  window.addEventListener("online", function () { if (dirty) schedule(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") save(true);
  });
  window.addEventListener("pagehide", function () { save(true); });
})();
