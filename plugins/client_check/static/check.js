/* client_check: runs the browser-side probes of /check, posts their results to
 * POST /api/v1/client-check/results and shows the live checklist. No eval: each probe type is
 * a function here, the page only names an object path or a MIME type. */
(function () {
  "use strict";
  var root = document.getElementById("client-check");
  if (!root) { return; }
  var FORBIDDEN = { "__proto__": true, "prototype": true, "constructor": true };

  function lookup(path) {
    var parts = String(path || "").replace(/^window\./, "").split(".");
    var value = window;
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i] || FORBIDDEN[parts[i]] || value === null || value === undefined) { return undefined; }
      try { value = value[parts[i]]; } catch (e) { return undefined; }
    }
    return value;
  }

  function present(value) { return value !== undefined && value !== null; }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  /* Each probe resolves to "present" | "absent" | "timeout" | "error" within timeoutMs. */
  var PROBES = {
    /* An object that a plug-in or extension puts on the page; it may appear a little later. */
    global: function (target, timeoutMs) {
      var deadline = Date.now() + timeoutMs;
      function poll() {
        if (present(lookup(target))) { return Promise.resolve("present"); }
        if (Date.now() >= deadline) { return Promise.resolve("absent"); }
        return wait(50).then(poll);
      }
      return poll();
    },
    /* A promise (or thenable) that settles when the plug-in is ready, e.g. cadesplugin. */
    promise: function (target, timeoutMs) {
      var value = lookup(target);
      if (!present(value)) { return Promise.resolve("absent"); }
      if (typeof value.then !== "function") { return Promise.resolve("present"); }
      return new Promise(function (resolve) {
        var timer = setTimeout(function () { resolve("timeout"); }, timeoutMs);
        try {
          value.then(function () { clearTimeout(timer); resolve("present"); },
                     function () { clearTimeout(timer); resolve("absent"); });
        } catch (e) { clearTimeout(timer); resolve("error"); }
      });
    },
    /* A browser plug-in registered for a MIME type (NPAPI-era plug-ins, PDF viewers). */
    mime_type: function (target) {
      var types = navigator.mimeTypes;
      return Promise.resolve(types && types.namedItem && types.namedItem(target) ? "present" : "absent");
    }
  };

  function runProbe(type, target, timeoutMs) {
    var probe = PROBES[type];
    if (!probe) { return Promise.resolve("error"); }
    var guard = new Promise(function (resolve) { setTimeout(function () { resolve("timeout"); }, timeoutMs + 250); });
    var attempt;
    try { attempt = probe(target, timeoutMs); } catch (e) { attempt = Promise.resolve("error"); }
    return Promise.race([attempt.catch(function () { return "error"; }), guard]);
  }

  function label(name) { return root.getAttribute("data-label-" + name) || name; }

  function show(item, met, outcome) {
    var state = met === true ? "true" : (met === false ? "false" : "null");
    item.setAttribute("data-met", state);
    if (outcome) { item.setAttribute("data-outcome", outcome); }
    var status = item.querySelector(".status");
    if (!status) { return; }
    status.classList.remove("status-open", "status-closed");
    if (met === true) { status.classList.add("status-open"); status.textContent = label("met"); }
    else if (met === false) {
      status.classList.add("status-closed");
      status.textContent = outcome === "timeout" ? label("timeout")
        : (outcome === "error" ? label("error") : label("unmet"));
    } else { status.textContent = label("unknown"); }
  }

  function items() { return Array.prototype.slice.call(root.querySelectorAll("[data-requirement-id]")); }

  function byId(id) {
    var list = items();
    for (var i = 0; i < list.length; i++) { if (list[i].getAttribute("data-requirement-id") === id) { return list[i]; } }
    return null;
  }

  function apply(checklist, outcomes) {
    (checklist.requirements || []).forEach(function (r) {
      var item = byId(r.id);
      if (item) { show(item, r.met, outcomes && outcomes[r.id]); }
    });
    root.setAttribute("data-state", "done");
  }

  function post(results) {
    return fetch(root.getAttribute("data-results"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.getAttribute("data-csrf") },
      body: JSON.stringify({ results: results })
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  function failed() {
    root.setAttribute("data-state", "failed");
    var note = document.createElement("p");
    note.className = "field-error";
    note.setAttribute("role", "alert");
    note.textContent = label("failed");
    root.insertBefore(note, root.firstChild);
  }

  function runAll() {
    var probes = items().filter(function (item) { return item.hasAttribute("data-probe-type"); });
    root.setAttribute("data-state", "checking");
    probes.forEach(function (item) {
      var status = item.querySelector(".status");
      if (status) { status.textContent = label("checking"); }
    });
    return Promise.all(probes.map(function (item) {
      var timeout = parseInt(item.getAttribute("data-timeout"), 10) || 3000;
      return runProbe(item.getAttribute("data-probe-type"), item.getAttribute("data-probe-target"), timeout)
        .then(function (outcome) { return { id: item.getAttribute("data-requirement-id"), outcome: outcome }; });
    })).then(function (results) {
      var outcomes = {};
      results.forEach(function (r) { outcomes[r.id] = r.outcome; });
      if (!results.length) {
        return fetch(root.getAttribute("data-api"), { credentials: "same-origin" })
          .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
          .then(function (data) { apply(data, outcomes); });
      }
      return post(results).then(function (data) { apply(data, outcomes); });
    }).catch(failed);
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("confirm-form")) { return; }
    var button = event.submitter;
    if (!button || !button.value) { return; }
    event.preventDefault();
    var id = form.querySelector("input[name=requirement]").value;
    post([{ id: id, outcome: button.value }]).then(function (data) { apply(data, {}); }).catch(failed);
  });

  runAll();
}());
