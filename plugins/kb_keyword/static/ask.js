// The online consultant as a conversation. Without JavaScript the page works the same through plain
// form posts (every button submits #kb-ask-form with the thread so far); with it, the same buttons
// are sent to the JSON API and the server-rendered turn is appended without a reload.
// While typing, suggestions (not logged) appear under the box; on send the question becomes a turn.
(function () {
  "use strict";
  var form = document.getElementById("kb-ask-form");
  if (!form || !window.fetch) { return; }
  var box = document.getElementById("question");
  var list = document.getElementById("kb-thread");
  var state = document.getElementById("kb-thread-state");
  var results = document.getElementById("kb-results");  // suggestions: not live, the status below is announced
  var status = document.getElementById("kb-status");     // role=status (polite)
  var statusTimer = null;
  var texts = document.getElementById("kb-texts").dataset;
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var timer = null;
  var seq = 0;
  var turns = [];
  try { turns = JSON.parse(state.value || "[]"); } catch (e) { turns = []; }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); });
  }

  function label(template, title) { return template.split("{title}").join(title); }

  function save() { state.value = JSON.stringify(turns); }

  function turnOf(token, kind) {
    for (var i = turns.length - 1; i >= 0; i--) {
      if (turns[i].t === token && (!kind || turns[i].k === kind)) { return turns[i]; }
    }
    return null;
  }

  // Say something politely: for suggestions only once typing has paused, and only when it changes.
  function announce(text, now) {
    clearTimeout(statusTimer);
    statusTimer = setTimeout(function () {
      if (status && status.textContent !== text) { status.textContent = text; }
    }, now ? 0 : 1000);
  }

  function copied(b) {
    b.textContent = texts.copied;
    if (b.dataset.copiedLabel) { b.setAttribute("aria-label", b.dataset.copiedLabel); }
  }

  function enableCopy(root) {
    if (!navigator.clipboard) { return; }
    root.querySelectorAll(".kb-copy[hidden]").forEach(function (b) { b.hidden = false; });
  }

  // -- suggestions while typing (cards built here; the thread's turns come rendered by the server) --
  function card(a) {
    var art = el("article", "card kb-answer");
    art.dataset.entryId = a.id;
    art.appendChild(el("h3", null, a.title));
    var frag = el("div", "kb-fragment");
    frag.innerHTML = a.fragment_html;  // escaped on the server; <mark>, and <ol>/<li>/<p> for steps
    art.appendChild(frag);
    var actions = el("div", "kb-actions");
    if (navigator.clipboard) {
      var b = el("button", "button kb-copy", texts.copy);
      b.type = "button";
      b.setAttribute("aria-label", label(texts.copyLabel, a.title));
      b.dataset.copiedLabel = label(texts.copiedLabel, a.title);
      b.addEventListener("click", function () { navigator.clipboard.writeText(a.copy_text).then(function () { copied(b); }); });
      actions.appendChild(b);
    }
    var open = el("a", "button", texts.open);
    open.href = form.dataset.entryBase + a.id;
    actions.appendChild(open);
    art.appendChild(actions);
    return art;
  }

  function suggest(data) {
    results.textContent = "";
    var shown = data.answer ? [data.answer].concat(data.alternatives || []) : (data.alternatives || []);
    if (shown.length) { results.appendChild(el("h2", null, texts.suggested)); }
    shown.slice(0, 3).forEach(function (a) { results.appendChild(card(a)); });
    results.dataset.state = "suggested";
    if (data.summary) { announce(data.summary, false); }
  }

  // -- the thread --
  function append(body) {
    var holder = document.createElement("ol");
    holder.innerHTML = body.turn_html;  // rendered and escaped by the server (the page's own template)
    var item = holder.firstElementChild;
    var last = document.getElementById("kb-latest");
    if (last) { last.removeAttribute("id"); }
    item.id = "kb-latest";
    list.appendChild(item);
    list.hidden = false;
    var boxLabel = form.querySelector("label[for=question]");
    if (boxLabel) { boxLabel.textContent = texts.next; }
    turns.push(body.turn);
    save();
    enableCopy(item);
    results.dataset.state = "answered";
    return item;
  }

  function send() {
    var q = box.value.trim();
    if (!q) { return; }
    var mine = ++seq;
    clearTimeout(timer);
    post(form.dataset.api, {question: q, render_turn: true}).then(function (r) {
      if (mine !== seq) { return; }
      if (!r.ok) {
        results.textContent = "";
        results.appendChild(el("p", "field-error", r.body.error ? r.body.error.message : texts.error));
        return;
      }
      results.textContent = "";
      box.value = "";
      var item = append(r.body);
      announce(r.body.summary || "", true);
      var choice = item.querySelector(".kb-choice");
      if (choice) { choice.focus(); }
    }).catch(function () { if (mine === seq) { results.textContent = texts.error; } });
  }

  function pick(button) {
    var parts = button.value.split(":");
    var entry = parts.pop();
    var token = parts.join(":");
    var turn = turnOf(token, "clarify");
    if (!turn) { return; }
    post(form.dataset.pick, {question: turn.q, entry_id: Number(entry), token: token, render_turn: true}).then(function (r) {
      if (!r.ok) { announce(r.body.error ? r.body.error.message : texts.error, true); return; }
      var item = append(r.body);
      announce(r.body.summary || "", true);
      var heading = item.querySelector(".kb-answer h3");
      if (heading) { heading.focus(); }
    }, function () { announce(texts.error, true); });
  }

  function offer(item) {
    var wrap = item.querySelector(".kb-offer");
    if (!wrap) { return; }
    wrap.hidden = false;
    var link = wrap.querySelector(".kb-request");
    if (link) { link.focus(); }
  }

  function none(button) {
    var turn = turnOf(button.value, "clarify");
    if (turn) { turn.n = 1; save(); }
    var item = button.closest(".kb-turn");
    button.closest("li").remove();
    offer(item);
  }

  function rate(button) {
    var parts = button.value.split(":");
    var helpful = parts.pop() === "1";
    var token = parts.join(":");
    var actions = button.closest(".kb-actions");
    var item = button.closest(".kb-turn");
    var said = actions.querySelector(".kb-rate-status");
    function failed() { said.className = "field-error kb-rate-status"; said.textContent = texts.rateError; }
    post(form.dataset.rate, {token: token, helpful: helpful}).then(function (r) {
      if (!r.ok) { failed(); return; }
      var turn = turnOf(token);
      if (turn) { turn.r = helpful ? 1 : -1; save(); }
      var group = actions.querySelector(".kb-rate");
      if (group) { group.remove(); }
      said.className = "muted kb-rate-status kb-thanks";
      said.textContent = texts.thanks;
      if (!helpful && item) { offer(item); }
      else { box.focus(); }
    }, failed);
  }

  list.addEventListener("click", function (ev) {
    var b = ev.target.closest("button");
    if (!b || !list.contains(b)) { return; }
    if (b.classList.contains("kb-copy")) {
      var src = b.closest(".kb-answer").querySelector(".kb-copy-source");
      navigator.clipboard.writeText(src.value).then(function () { copied(b); });
      return;
    }
    var handler = {pick: pick, none: none, rate: rate}[b.name];
    if (!handler) { return; }
    ev.preventDefault();
    handler(b);
  });

  box.addEventListener("input", function () {
    clearTimeout(timer);
    clearTimeout(statusTimer);
    var q = box.value.trim();
    if (q.length < 3) { return; }
    timer = setTimeout(function () {
      var mine = ++seq;
      post(form.dataset.api, {question: q, suggest: true}).then(function (r) {
        if (mine === seq && r.ok) { suggest(r.body); }
      }).catch(function () {});
    }, 300);
  });
  form.addEventListener("submit", function (ev) {
    var by = ev.submitter;
    if (by && by.name && by.name !== "") { return; }  // a button of a turn: handled above
    ev.preventDefault();
    send();
  });
  box.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send(); }
  });
  enableCopy(document);
}());
