// The online consultant: answers while the citizen types (suggestions, not logged) and on send
// (logged, with rating). Without JavaScript the same page works as a plain form.
(function () {
  "use strict";
  var form = document.getElementById("kb-ask-form");
  if (!form || !window.fetch) { return; }
  var box = document.getElementById("question");
  var results = document.getElementById("kb-results");  // not live: the status below is announced
  var status = document.getElementById("kb-status");     // role=status (polite)
  var statusTimer = null;
  var texts = document.getElementById("kb-texts").dataset;
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var timer = null;
  var seq = 0;

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

  function copied(b) {
    b.textContent = texts.copied;
    if (b.dataset.copiedLabel) { b.setAttribute("aria-label", b.dataset.copiedLabel); }
  }

  function copyButton(a) {
    var b = el("button", "button kb-copy", texts.copy);
    b.type = "button";
    b.setAttribute("aria-label", label(texts.copyLabel, a.title));
    b.dataset.copiedLabel = label(texts.copiedLabel, a.title);
    b.addEventListener("click", function () {
      var value = a.copy_text || (a.title + "\n\n" + a.answer_text);
      navigator.clipboard.writeText(value).then(function () { copied(b); });
    });
    return b;
  }

  // Say how many answers there are, politely: only once typing has paused for a while, and only
  // when the words change (the results themselves are not announced).
  function announce(text, now) {
    clearTimeout(statusTimer);
    statusTimer = setTimeout(function () {
      if (status && status.textContent !== text) { status.textContent = text; }
    }, now ? 0 : 1000);
  }

  function card(a, token) {
    var art = el("article", "card kb-answer");
    art.dataset.entryId = a.id;
    art.appendChild(el("h3", null, a.title));
    var frag = el("div", "kb-fragment");
    frag.innerHTML = a.fragment_html;  // escaped on the server; only <mark> inside
    art.appendChild(frag);
    if (!a.whole) {
      var det = el("details", "kb-whole");
      det.appendChild(el("summary", null, texts.whole));
      var body = el("div");
      body.innerHTML = a.answer_html;  // sanitised on the server (nh3)
      det.appendChild(body);
      art.appendChild(det);
    }
    var actions = el("div", "kb-actions");
    if (navigator.clipboard) { actions.appendChild(copyButton(a)); }
    var open = el("a", "button", texts.open);
    open.href = form.dataset.entryBase + a.id;
    actions.appendChild(open);
    if (token) {
      var said = el("span", "muted kb-rate-status");
      said.setAttribute("role", "status");  // polite live region, present before anything is said
      [[true, texts.helpful], [false, texts.unhelpful]].forEach(function (pair) {
        var b = el("button", "button kb-rate-button", pair[1]);
        b.type = "button";
        b.addEventListener("click", function () {
          function failed() { said.className = "field-error kb-rate-status"; said.textContent = texts.rateError; }
          post(form.dataset.rate, {token: token, helpful: pair[0]}).then(function (r) {
            if (r.ok) { actions.querySelectorAll(".kb-rate-button").forEach(function (x) { x.remove(); });
                        said.className = "muted kb-rate-status kb-thanks"; said.textContent = texts.thanks; }
            else { failed(); }
          }, failed);
        });
        actions.appendChild(b);
      });
      actions.appendChild(said);
    }
    art.appendChild(actions);
    return art;
  }

  function render(data) {
    results.textContent = "";
    if (data.message) { results.appendChild(el("p", "kb-message", data.message)); }
    if (data.answer) { results.appendChild(card(data.answer, data.token)); }
    if (data.alternatives && data.alternatives.length) {
      results.appendChild(el("h2", null, texts.maybe));
      data.alternatives.forEach(function (a) { results.appendChild(card(a, null)); });
    }
    if (data.route && data.route.request_url) {
      var p = el("p");
      var link = el("a", "button", texts.request);
      link.href = data.route.request_url;
      p.appendChild(link);
      results.appendChild(p);
    }
  }

  function ask(suggest) {
    var q = box.value.trim();
    if (!q) { return; }
    var mine = ++seq;
    post(form.dataset.api, {question: q, suggest: suggest}).then(function (r) {
      if (mine !== seq) { return; }
      if (r.ok) { render(r.body); results.dataset.state = suggest ? "suggested" : "answered";
                  if (r.body.summary) { announce(r.body.summary, !suggest); } }
      else if (!suggest) { results.textContent = ""; results.appendChild(el("p", "field-error", r.body.error ? r.body.error.message : texts.error)); }
    }).catch(function () { if (!suggest) { results.textContent = texts.error; } });
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    clearTimeout(statusTimer);
    if (box.value.trim().length >= 3) { timer = setTimeout(function () { ask(true); }, 300); }
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearTimeout(timer);
    ask(false);
  });
  box.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); clearTimeout(timer); ask(false); }
  });
  document.querySelectorAll(".kb-copy").forEach(function (b) {
    if (!navigator.clipboard) { return; }
    b.hidden = false;
    b.addEventListener("click", function () {
      var src = b.closest(".kb-answer").querySelector(".kb-copy-source");
      navigator.clipboard.writeText(src.value).then(function () { copied(b); });
    });
  });
}());
