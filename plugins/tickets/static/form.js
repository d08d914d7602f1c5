// The request form: the consultant's suggestions while the citizen types (deflection), and the
// expected answer time for the category chosen.
(function () {
  "use strict";
  var form = document.getElementById("ticket-form");
  if (!form) { return; }
  var url = form.getAttribute("data-suggest-url");
  var box = document.getElementById("suggestions");
  var list = document.getElementById("suggestion-list");
  var deflect = document.getElementById("deflect-form");
  var subject = document.getElementById("subject");
  var description = document.getElementById("description");
  var timer = null;
  var last = "";

  function render(answers) {
    list.textContent = "";
    if (!answers.length) { box.hidden = true; deflect.hidden = true; return; }
    answers.forEach(function (a) {
      var item = document.createElement("article");
      item.className = "suggestion";
      var h = document.createElement("h3");
      h.className = "h3";
      h.textContent = a.title;
      item.appendChild(h);
      var body = document.createElement("div");
      body.innerHTML = a.fragment_html;  // sanitised by the answerer (Answer.fragment_html is safe HTML)
      item.appendChild(body);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button-secondary";
      button.textContent = deflect.querySelector("button").textContent;
      button.addEventListener("click", function () {
        document.getElementById("deflect-ref").value = a.ref || "";
        document.getElementById("deflect-source").value = a.source || "";
        deflect.submit();
      });
      item.appendChild(button);
      list.appendChild(item);
    });
    box.hidden = false;
  }

  function ask() {
    var text = ((subject && subject.value) || "") + "\n" + ((description && description.value) || "");
    text = text.trim();
    if (text === last) { return; }
    last = text;
    // POST: the citizen's text must not travel in a URL (access logs)
    var token = form.querySelector("input[name=csrf_token]");
    fetch(url, {method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.value : ""},
                body: JSON.stringify({q: text.slice(0, 2000)})})
      .then(function (r) { return r.ok ? r.json() : {answers: []}; })
      .then(function (data) { render(data.answers || []); })
      .catch(function () { /* suggestions are optional */ });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(ask, 400);
  }
  [subject, description].forEach(function (el) { if (el) { el.addEventListener("input", schedule); } });

  var estimateUrl = form.getAttribute("data-estimate-url");
  var category = document.getElementById("category");
  var estimateAt = document.getElementById("estimate-at");
  var overloaded = document.getElementById("estimate-overloaded");
  function updateEstimate() {
    var code = category.value || "";
    fetch(estimateUrl + "?category=" + encodeURIComponent(code), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || (category.value || "") !== code) { return; }  // a later choice wins
        estimateAt.textContent = data.estimate_display;
        if (overloaded) { overloaded.hidden = !data.overloaded; }
      })
      .catch(function () { /* the estimate shown stays */ });
  }
  if (estimateUrl && category && estimateAt) { category.addEventListener("change", updateEstimate); }
  if (description && description.value) { schedule(); }
})();
