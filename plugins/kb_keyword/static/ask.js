// The online consultant: answers while the citizen types (suggestions, not logged) and on send
// (logged, with rating). Without JavaScript the same page works as a plain form.
(function () {
  "use strict";
  var form = document.getElementById("kb-ask-form");
  if (!form || !window.fetch) { return; }
  var box = document.getElementById("question");
  var results = document.getElementById("kb-results");
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

  function copyButton(a) {
    var b = el("button", "button kb-copy", texts.copy);
    b.type = "button";
    b.addEventListener("click", function () {
      var value = a.title + "\n\n" + a.answer_text;
      navigator.clipboard.writeText(value).then(function () { b.textContent = texts.copied; });
    });
    return b;
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
      [[true, texts.helpful], [false, texts.unhelpful]].forEach(function (pair) {
        var b = el("button", "button kb-rate-button", pair[1]);
        b.type = "button";
        b.addEventListener("click", function () {
          post(form.dataset.rate, {token: token, helpful: pair[0]}).then(function (r) {
            if (r.ok) { actions.querySelectorAll(".kb-rate-button").forEach(function (x) { x.remove(); });
                        actions.appendChild(el("span", "muted kb-thanks", texts.thanks)); }
          });
        });
        actions.appendChild(b);
      });
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
      if (r.ok) { render(r.body); results.dataset.state = suggest ? "suggested" : "answered"; }
      else if (!suggest) { results.textContent = ""; results.appendChild(el("p", "field-error", r.body.error ? r.body.error.message : texts.error)); }
    }).catch(function () { if (!suggest) { results.textContent = texts.error; } });
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
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
      navigator.clipboard.writeText(src.value).then(function () { b.textContent = texts.copied; });
    });
  });
}());
